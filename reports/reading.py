"""The reports as their readers ask for them (the API routes and the manager dashboard alike):
the outcomes period's defaults and check, and each report read from the replica when one is
configured (`core.replica`) and audited on the primary, with dates only in the detail."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from core import audit
from core.errors import ValidationFailed
from core.replica import reading_from_replica
from reports import service
from reports.snapshots import snapshot

#: the outcomes period when `from` is not given: this many days before `to`.
DEFAULT_PERIOD_DAYS = 90


def outcomes_period(start: date | None, end: date) -> tuple[date, date]:
    """`from` defaults to 90 days before `to`; `from` after `to` is a 422 naming `from`."""
    start = start or end - timedelta(days=DEFAULT_PERIOD_DAYS)
    if start > end:
        raise ValidationFailed("Must not be after `to`.", field="from")
    return start, end


def read_caseload(as_of: date, *, actor: audit.Actor) -> dict[str, Any]:
    """The caseload report as of a date, its reading audited."""
    report = _caseload(as_of)
    _audit_caseload(as_of, actor)
    return report


def read_outcomes(start: date, end: date, *, actor: audit.Actor) -> dict[str, Any]:
    """The outcomes report over [start, end], its reading audited."""
    report = _outcomes(start, end)
    _audit_outcomes(start, end, actor)
    return report


def read_for_dashboard(
    as_of: date, start: date, end: date, *, actor: audit.Actor, fresh: bool = False
) -> tuple[dict[str, Any], dict[str, Any], datetime]:
    """Both reports as the manager dashboard shows them: copies computed at most
    DASHBOARD_MAX_AGE_SECONDS ago unless `fresh` (`reports.snapshots`), and when the older
    of the two was computed. Each reading is audited, computed or not."""
    caseload, one = snapshot(("caseload", as_of), lambda: _caseload(as_of), fresh=fresh)
    outcomes, two = snapshot(("outcomes", start, end), lambda: _outcomes(start, end), fresh=fresh)
    _audit_caseload(as_of, actor)
    _audit_outcomes(start, end, actor)
    return caseload, outcomes, min(one, two)


def _caseload(as_of: date) -> dict[str, Any]:
    with reading_from_replica():
        return service.caseload(as_of)


def _outcomes(start: date, end: date) -> dict[str, Any]:
    with reading_from_replica():
        return service.outcomes(start, end)


def _audit_caseload(as_of: date, actor: audit.Actor) -> None:
    audit.record("report.caseload.read", actor=actor, detail={"as_of": as_of.isoformat()})


def _audit_outcomes(start: date, end: date, actor: audit.Actor) -> None:
    detail = {"from": start.isoformat(), "to": end.isoformat()}
    audit.record("report.outcomes.read", actor=actor, detail=detail)
