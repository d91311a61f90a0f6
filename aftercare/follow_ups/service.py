"""Aftercare follow-ups after a discharge (API.md "Aftercare"). Services flush and audit;
views commit. Every read and write records an audit event with the client's id.

Follow-ups
- Status is computed in SQL against today in `CENTRE_TIMEZONE`: `completed` once
  `completed_at` is set, else `overdue` when due before today, else `due`.
- Completing records the contact once (409 the second time). `contacted_at` may not lie in
  the future (up to `CLOCK_SKEW` ahead is accepted) nor, in the centre's time zone, before
  the discharge date; completing before `due_on` is allowed (an early contact counts).
- A `relapse` (a return to the old pattern, CLINICAL.md §7) raises a `relapse` flag
  (warning, source `follow_up`) and sets the case's `re_engagement_recommended`. A `lapse`
  (a single slip) is recorded without a flag.
- When the last open follow-up of a case is completed, aftercare for that episode is over:
  the AFTERCARE caseload membership it granted ends, so a counsellor no longer sees that
  client unless another case puts them on the caseload again. Completing locks the case row,
  so two concurrent completions cannot both miss being the last.
- A discharge schedules them at the discharge date + each `FOLLOW_UP_OFFSETS_DAYS`
  (default 7, 30, 90), assigned to the primary counsellor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from aftercare.follow_ups.models import FollowUp, FollowUpOutcome
from auth.caseload import client_visibility
from auth.models import MembershipKind, User
from auth.service import end_caseload
from cases.episodes.models import Case
from cases.episodes.service import get_case
from core import audit
from core.clock import centre_date, centre_today
from core.db import utcnow
from core.errors import InvalidTransition, ValidationFailed
from core.extensions import db
from core.http import row_or_404
from core.shown import Shown
from intake.flags.service import FlagRequest, raise_flag

#: How far ahead of the server's clock a `contacted_at` may lie (clock drift of the caller).
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class ShownFollowUp(Shown):
    """A follow-up with its status today (`completed`, `overdue` or `due`)."""

    record: FollowUp
    status: str


def schedule_follow_ups(case: Case, discharged_on: date, actor: User) -> list[ShownFollowUp]:
    offsets = sorted({int(days) for days in current_app.config["FOLLOW_UP_OFFSETS_DAYS"]})
    follow_ups = [
        FollowUp(
            case_id=case.id,
            client_id=case.client_id,
            offset_days=days,
            due_on=discharged_on + timedelta(days=days),
            assigned_to_id=case.primary_counsellor_id,
        )
        for days in offsets
    ]
    db.session.add_all(follow_ups)
    db.session.flush()
    audit.record_many(
        "follow_up.schedule",
        actor=actor,
        record_type="follow_up",
        rows=[(f.id, f.client_id) for f in follow_ups],
    )
    rows = db.session.execute(
        _with_status().where(FollowUp.id.in_([f.id for f in follow_ups]))
    ).all()
    statuses = {follow_up.id: status for follow_up, status in rows}
    return [ShownFollowUp(f, statuses[f.id]) for f in follow_ups]


def follow_up_status_column(today: date) -> sa.ColumnElement[str]:
    """A follow-up's API status, in SQL (see the module docstring)."""
    return sa.case(
        (FollowUp.completed_at.is_not(None), sa.literal("completed")),
        (FollowUp.due_on < today, sa.literal("overdue")),
        else_=sa.literal("due"),
    ).label("status")


def follow_up_status_filter(status: str, today: date) -> sa.ColumnElement[bool]:
    if status == "completed":
        return FollowUp.completed_at.is_not(None)
    open_ = FollowUp.completed_at.is_(None)
    if status == "overdue":
        return sa.and_(open_, FollowUp.due_on < today)
    return sa.and_(open_, FollowUp.due_on >= today)


def _with_status(today: date | None = None) -> sa.Select[tuple[FollowUp, str]]:
    return sa.select(FollowUp, follow_up_status_column(today or centre_today()))


def _shown(row: Any) -> ShownFollowUp:
    follow_up, status = row
    return ShownFollowUp(follow_up, status)


def _page_by_due_date(
    stmt: sa.Select[Any], page: int, per_page: int, actor: User
) -> dict[str, Any]:
    """One page of follow-ups by due date, every one shown audited as `follow_up.list`."""
    return audit.audited_page(
        stmt.order_by(FollowUp.due_on, FollowUp.id),
        page,
        per_page,
        actor=actor,
        action="follow_up.list",
        record_type="follow_up",
        shown=_shown,
    )


def list_follow_ups(
    *,
    actor: User,
    page: int,
    per_page: int,
    status: str | None = None,
    counsellor_id: int | None = None,
    case_id: int | None = None,
    client_id: int | None = None,
) -> dict[str, Any]:
    """Follow-ups the actor may see (counsellors: their caseload), by due date."""
    today = centre_today()
    stmt = _with_status(today).where(client_visibility(actor, FollowUp.client_id))
    if status is not None:
        stmt = stmt.where(follow_up_status_filter(status, today))
    if counsellor_id is not None:
        stmt = stmt.where(FollowUp.assigned_to_id == counsellor_id)
    if case_id is not None:
        stmt = stmt.where(FollowUp.case_id == case_id)
    if client_id is not None:
        stmt = stmt.where(FollowUp.client_id == client_id)
    return _page_by_due_date(stmt, page, per_page, actor)


def get_follow_up(
    follow_up_id: int, *, actor: User, action: str = "follow_up.read", for_update: bool = False
) -> ShownFollowUp:
    """A follow-up the actor may see (404 otherwise). `for_update` locks its row."""
    stmt = _with_status().where(
        FollowUp.id == follow_up_id, client_visibility(actor, FollowUp.client_id)
    )
    row = row_or_404(stmt, "follow-up", for_update=FollowUp if for_update else None)
    follow_up = _shown(row)
    audit.record(
        action,
        actor=actor,
        record_type="follow_up",
        record_id=follow_up.id,
        client_id=follow_up.client_id,
    )
    return follow_up


def _check_contact_time(case: Case, contacted_at: datetime) -> None:
    """422 for a contact in the future (beyond CLOCK_SKEW) or, in the centre's time zone,
    before the discharge date."""
    if contacted_at > utcnow() + CLOCK_SKEW:
        raise ValidationFailed("The contact time is in the future.", field="contacted_at")
    if case.discharge_date is not None and centre_date(contacted_at) < case.discharge_date:
        raise ValidationFailed(
            f"The contact time is before the discharge date {case.discharge_date}.",
            field="contacted_at",
        )


def complete_follow_up(
    follow_up: FollowUp,
    *,
    contacted_at: datetime,
    outcome: FollowUpOutcome,
    notes: str,
    actor: User,
) -> ShownFollowUp:
    """Record the contact and its outcome (rules in the module docstring): 409 when already
    completed; a relapse raises a flag and recommends re-engagement; the last open
    follow-up ends the AFTERCARE caseload membership of the case."""
    if follow_up.completed_at is not None:
        raise InvalidTransition("The follow-up is already completed.")
    case = get_case(
        follow_up.case_id, actor=actor, action="case.read_for_follow_up", for_update=True
    )
    _check_contact_time(case, contacted_at)
    follow_up.contacted_at = contacted_at
    follow_up.outcome = outcome
    follow_up.notes = notes
    follow_up.completed_at = utcnow()
    follow_up.completed_by_id = actor.id
    db.session.flush()
    audit.record(
        "follow_up.complete",
        actor=actor,
        record_type="follow_up",
        record_id=follow_up.id,
        client_id=follow_up.client_id,
        detail={"fields": ["contacted_at", "notes", "outcome"]},  # names, not the outcome
    )
    if outcome is FollowUpOutcome.RELAPSE:
        _recommend_re_engagement(case, follow_up, actor)
    _end_aftercare_when_done(case, actor)
    return ShownFollowUp(follow_up, "completed")


def _recommend_re_engagement(case: Case, follow_up: FollowUp, actor: User) -> None:
    raise_flag(
        case.client_id,
        FlagRequest(
            type="relapse",
            severity="warning",
            source_kind="follow_up",
            note=(
                f"Relapse reported at the {follow_up.offset_days}-day follow-up of case "
                f"{case.id}; offer re-engagement."
            ),
        ),
        actor=actor,
    )
    if not case.re_engagement_recommended:
        case.re_engagement_recommended = True
        db.session.flush()
    audit.record(
        "case.re_engagement_recommended",
        actor=actor,
        record_type="case",
        record_id=case.id,
        client_id=case.client_id,
        detail={"follow_up_id": follow_up.id},
    )


def _end_aftercare_when_done(case: Case, actor: User) -> None:
    still_open = db.session.execute(
        sa.select(sa.exists().where(FollowUp.case_id == case.id, FollowUp.completed_at.is_(None)))
    ).scalar()
    if still_open:
        return
    end_caseload(case.id, kind=MembershipKind.AFTERCARE)
    audit.record(
        "caseload.aftercare_end",
        actor=actor,
        record_type="case",
        record_id=case.id,
        client_id=case.client_id,
    )


def list_open_follow_ups(
    *, actor: User, page: int, per_page: int, counsellor_id: int | None = None
) -> dict[str, Any]:
    """Open follow-ups (due or overdue) the actor may see, by due date, optionally those
    assigned to `counsellor_id`: the work list a counsellor opens first (the API lists one
    status at a time). Audited like `list_follow_ups`."""
    today = centre_today()
    stmt = _with_status(today).where(
        client_visibility(actor, FollowUp.client_id), FollowUp.completed_at.is_(None)
    )
    if counsellor_id is not None:
        stmt = stmt.where(FollowUp.assigned_to_id == counsellor_id)
    return _page_by_due_date(stmt, page, per_page, actor)


def may_see_follow_up(follow_up_id: int, *, actor: User) -> bool:
    """Whether the actor still sees the follow-up (completing a case's last one ends a
    counsellor's aftercare access): nothing of it is read, so nothing is audited."""
    stmt = sa.select(
        sa.exists().where(FollowUp.id == follow_up_id, client_visibility(actor, FollowUp.client_id))
    )
    return bool(db.session.execute(stmt).scalar())


def re_engagement_cases(case: Case, *, actor: User) -> list[int]:
    """The ids of the later episodes that name `case` as their previous one (the way back
    in after a relapse), as far as the actor may see them, oldest first; each audited."""
    rows = db.session.execute(
        sa.select(Case.id, Case.client_id)
        .where(Case.previous_case_id == case.id, client_visibility(actor, Case.client_id))
        .order_by(Case.id)
    ).all()
    audit.record_many(
        "case.read_for_re_engagement",
        actor=actor,
        record_type="case",
        rows=[(case_id, client_id) for case_id, client_id in rows],
    )
    return [case_id for case_id, _client_id in rows]
