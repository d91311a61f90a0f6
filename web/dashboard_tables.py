"""The manager dashboard's tables: the per-counsellor caseload table sorted server-side (so
sorting works without JavaScript), its column headers with their sort links and `aria-sort`,
and the totals and rates in the words the page shows.

Every number here comes from `reports.service` as it is (the same dict the caseload and
outcomes API routes answer with); this module only orders and labels it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: The per-counsellor columns (the keys of `reports.service.caseload`'s `by_counsellor`
#: rows, as `reports.schemas.CounsellorRowSchema` names them) and their headings.
COLUMNS: Mapping[str, str] = {
    "name": "Counsellor",
    "open_cases": "Open cases",
    "inpatient": "Inpatient",
    "outpatient": "Outpatient",
    "dual_diagnosis": "Dual diagnosis",
    "sessions_next_7_days": "Sessions next 7 days",
    "attendance_rate_30_days": "Attendance, last 30 days",
    "overdue_follow_ups": "Overdue follow-ups",
    "urgent_flags": "Urgent flags",
}
DIRECTIONS = ("asc", "desc")
DEFAULT_SORT = "name"

#: The caseload totals (`caseload(...)["totals"]`) in the order the page shows them.
TOTALS: Mapping[str, str] = {
    "open_cases": "Open cases",
    "inpatient": "Inpatient",
    "outpatient": "Outpatient",
    "waitlisted": "Waitlisted",
    "dual_diagnosis": "Dual diagnosis",
    "urgent_flags": "Urgent flags",
    "overdue_follow_ups": "Overdue follow-ups",
}


@dataclass(frozen=True)
class Header:
    """A sortable column heading: its link's query and its `aria-sort` (None when unsorted)."""

    key: str
    label: str
    numeric: bool
    aria_sort: str | None
    next_dir: str


def _sort_key(column: str) -> Any:
    """Rows ordered by `column`, then by name and id (a stable, total order)."""

    def key(row: Mapping[str, Any]) -> tuple[Any, ...]:
        value = row[column]
        tie = (str(row["name"]).casefold(), row["staff_id"])
        if column == "name":
            return tie
        return (value, *tie)

    return key


def sorted_rows(
    rows: Sequence[Mapping[str, Any]], column: str, direction: str
) -> list[Mapping[str, Any]]:
    """The counsellor rows by `column` in `direction`; a rate with nothing to count (None)
    always comes last, whichever the direction, since it is no number to rank."""
    counted = [row for row in rows if row[column] is not None]
    uncounted = [row for row in rows if row[column] is None]
    ordered = sorted(counted, key=_sort_key(column), reverse=direction == "desc")
    return ordered + sorted(uncounted, key=_sort_key("name"))


def headers(column: str, direction: str) -> list[Header]:
    """Every column's heading: the sorted one says its direction and links to the other; the
    rest link to their own ascending order (names) or descending (numbers: biggest first)."""
    out = []
    for key, label in COLUMNS.items():
        numeric = key != "name"
        if key == column:
            aria = "ascending" if direction == "asc" else "descending"
            next_dir = "desc" if direction == "asc" else "asc"
        else:
            aria, next_dir = None, "desc" if numeric else "asc"
        out.append(Header(key, label, numeric, aria, next_dir))
    return out


def percent(rate: float | None) -> str:
    """A rate (0..1) as the page shows it: one decimal of a percent, or "—" for none."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def occupancy(beds: Mapping[str, int]) -> dict[str, Any]:
    """The bed numbers (`caseload(...)["beds"]`) with the free beds and the occupied share."""
    total, occupied = beds["total"], beds["occupied"]
    return {
        "total": total,
        "occupied": occupied,
        "free": total - occupied,
        "rate": occupied / total if total else None,
    }
