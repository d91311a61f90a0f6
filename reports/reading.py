"""The reports as their readers ask for them (the API routes and the manager dashboard alike):
the outcomes period's defaults and check, and each report read from the replica when one is
configured (`core.replica`) and audited on the primary, with dates only in the detail."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from core import audit
from core.errors import ValidationFailed
from core.replica import reading_from_replica
from reports import service

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
    with reading_from_replica():
        report = service.caseload(as_of)
    audit.record("report.caseload.read", actor=actor, detail={"as_of": as_of.isoformat()})
    return report


def read_outcomes(start: date, end: date, *, actor: audit.Actor) -> dict[str, Any]:
    """The outcomes report over [start, end], its reading audited."""
    with reading_from_replica():
        report = service.outcomes(start, end)
    detail = {"from": start.isoformat(), "to": end.isoformat()}
    audit.record("report.outcomes.read", actor=actor, detail=detail)
    return report
