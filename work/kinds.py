"""The kinds of work-queue item, each one SELECT of the same columns (`_columns`): what a
person must do (`QUEUE`) and what the sweep reminds of (`SWEPT`). `work.queue` puts them
together; `work.rules` says when each is listed and due."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from aftercare.follow_ups.models import FollowUp
from auth.caseload import caseload_client_ids, client_visibility
from auth.models import CaseloadMembership, User
from cases.episodes.models import Case
from cases.episodes.rules import OPEN_STATUSES
from cases.notes.models import Note
from cases.tapers.models import TaperPlan, TaperStatus
from cases.treatment_plans.models import TreatmentPlan
from cases.withdrawal.models import WithdrawalScore
from intake.flags.models import Flag, FlagSeverity, FlagStatus
from privacy.consents.models import Consent
from scheduling.sessions.models import (
    Attendance,
    ParticipantStatus,
    SessionParticipant,
    SessionStatus,
    TherapySession,
)
from work import rules
from work.items import Window, columns, minutes

# --- the kinds ---------------------------------------------------------------------------------
# Each takes the window and `me` (a person's queue: their own or caseload-filtered items); the
# four kinds the sweep reminds of also take `me=None`: every due item, with each person to
# remind as `user_id`.


def session_today(w: Window, me: User) -> sa.Select[Any]:
    """A scheduled session I facilitate today that has not ended yet."""
    return sa.select(
        *columns(
            "session_today",
            TherapySession.id,
            at=TherapySession.starts_at,
            label=TherapySession.type,
        )
    ).where(
        TherapySession.facilitator_id == me.id,
        TherapySession.status == SessionStatus.SCHEDULED,
        TherapySession.starts_at >= w.day_start,
        TherapySession.starts_at < w.day_start + timedelta(days=1),
        TherapySession.ends_at > w.now,
    )


def note_unsigned(w: Window, me: User) -> sa.Select[Any]:
    within = w.rules.note_sign_within
    return (
        sa.select(
            *columns(
                "note_unsigned",
                Note.id,
                case_id=Note.case_id,
                client_id=Case.client_id,
                at=Note.created_at,
                delay=minutes(within),
                label=Note.kind,
            )
        )
        .join(Case, Case.id == Note.case_id)
        .where(
            Note.author_id == me.id,
            Note.signed_at.is_(None),
            Note.created_at < w.now - within,
            client_visibility(me, Case.client_id),
        )
    )


def session_without_note(w: Window, me: User) -> sa.Select[Any]:
    """A held session I facilitated (ended within the look-back) with a client who attended
    (or came late) and no note by me on that client's case since the session began."""
    written = sa.exists().where(
        Note.case_id == SessionParticipant.case_id,
        Note.author_id == TherapySession.facilitator_id,
        Note.created_at >= TherapySession.starts_at,
    )
    return (
        sa.select(
            *columns(
                "session_without_note",
                SessionParticipant.id,
                case_id=SessionParticipant.case_id,
                client_id=SessionParticipant.client_id,
                at=TherapySession.ends_at,
                delay=minutes(w.rules.session_note_within),
                label=TherapySession.type,
            )
        )
        .join(TherapySession, TherapySession.id == SessionParticipant.session_id)
        .where(
            TherapySession.facilitator_id == me.id,
            TherapySession.status == SessionStatus.SCHEDULED,
            TherapySession.ends_at <= w.now,
            TherapySession.ends_at > w.now - w.rules.session_note_lookback,
            SessionParticipant.status == ParticipantStatus.BOOKED,
            SessionParticipant.attendance.in_([Attendance.ATTENDED, Attendance.LATE]),
            client_visibility(me, SessionParticipant.client_id),
            ~written,
        )
    )


def follow_up_due(w: Window, me: User | None) -> sa.Select[Any]:
    stmt = sa.select(
        *columns(
            "follow_up_due",
            FollowUp.id,
            case_id=FollowUp.case_id,
            client_id=FollowUp.client_id,
            due_on=FollowUp.due_on,
            label=FollowUp.offset_days,
        )
    ).where(FollowUp.completed_at.is_(None), FollowUp.due_on <= w.today)
    if me is None:
        return stmt.add_columns(FollowUp.assigned_to_id.label("user_id"))
    return stmt.where(FollowUp.assigned_to_id == me.id, client_visibility(me, FollowUp.client_id))


def flag_unacknowledged(w: Window, me: User) -> sa.Select[Any]:
    return sa.select(
        *columns(
            "flag_unacknowledged",
            Flag.id,
            client_id=Flag.client_id,
            at=Flag.raised_at,
            label=Flag.type,
        )
    ).where(
        Flag.status == FlagStatus.ACTIVE,
        Flag.severity == FlagSeverity.URGENT,
        Flag.acknowledged_at.is_(None),
        client_visibility(me, Flag.client_id),
    )


def taper_to_approve(w: Window, me: User) -> sa.Select[Any]:
    return (
        sa.select(
            *columns(
                "taper_to_approve",
                TaperPlan.id,
                case_id=TaperPlan.case_id,
                client_id=Case.client_id,
                at=TaperPlan.created_at,
                delay=minutes(w.rules.taper_approve_within),
            )
        )
        .join(Case, Case.id == TaperPlan.case_id)
        .where(TaperPlan.status == TaperStatus.DRAFT, client_visibility(me, Case.client_id))
    )


def _latest_score_id(score: Any) -> sa.ScalarSelect[Any]:
    """The id of the latest score of `score`'s case (any scale)."""
    later = aliased(WithdrawalScore)
    return (
        sa.select(later.id)
        .where(later.case_id == score.case_id)
        .order_by(later.observed_at.desc(), later.id.desc())
        .limit(1)
        .correlate(score)
        .scalar_subquery()
    )


def _recheck_overdue(score: Any, w: Window) -> sa.ColumnElement[bool]:
    r = w.rules
    return sa.or_(
        sa.and_(score.severe, score.observed_at < w.now - r.severe_recheck),
        sa.and_(
            ~score.severe,
            score.band == r.moderate_band,
            score.observed_at < w.now - r.moderate_recheck,
        ),
    )


def withdrawal_check_due(w: Window, me: User | None) -> sa.Select[Any]:
    """An open case whose latest score (any scale) is severe and older than 4 hours, or in
    the moderate band and older than 8 hours."""
    r, score = w.rules, WithdrawalScore
    delay = sa.case(
        (score.severe, sa.literal_column(str(minutes(r.severe_recheck)), sa.Integer)),
        else_=sa.literal_column(str(minutes(r.moderate_recheck)), sa.Integer),
    )
    stmt = (
        sa.select(
            *columns(
                "withdrawal_check_due",
                score.id,
                case_id=score.case_id,
                client_id=Case.client_id,
                at=score.observed_at,
                delay=delay,
                label=score.instrument,
            )
        )
        .join(Case, Case.id == score.case_id)
        .where(
            Case.status.in_(list(OPEN_STATUSES)),
            score.id == _latest_score_id(score),
            _recheck_overdue(score, w),
        )
    )
    if me is None:
        return _to_caseload(stmt, Case.client_id, w)
    return stmt.where(client_visibility(me, Case.client_id))


def earliest_review_date(dialect: str) -> sa.ScalarSelect[Any]:
    """The earliest `review_date` among the goals of a treatment plan (a correlated scalar
    subquery over its `problems` JSON), in each database's JSON functions."""
    plan = TreatmentPlan.problems
    if dialect == "postgresql":
        problem = sa.func.json_array_elements(plan).table_valued("value").alias("problem")
        goals = sa.func.json_extract_path(problem.c.value, "goals")
        goal = sa.func.json_array_elements(goals).table_valued("value").alias("goal")
        review: Any = sa.cast(sa.func.json_extract_path_text(goal.c.value, "review_date"), sa.Date)
    else:
        problem = sa.func.json_each(plan).table_valued("value").alias("problem")
        goal = sa.func.json_each(problem.c.value, "$.goals").table_valued("value").alias("goal")
        review = sa.type_coerce(sa.func.json_extract(goal.c.value, "$.review_date"), sa.Date)
    return (
        sa.select(sa.func.min(review)).select_from(problem).join(goal, sa.true()).scalar_subquery()
    )


def plan_review_due(w: Window, me: User | None) -> sa.Select[Any]:
    """An open case's treatment plan with a goal whose review date is today or past: one item
    per plan, due on the earliest such date. In a person's queue: the cases on their
    caseload."""
    earliest = earliest_review_date(w.dialect)
    stmt = (
        sa.select(
            *columns(
                "plan_review_due",
                TreatmentPlan.id,
                case_id=TreatmentPlan.case_id,
                client_id=Case.client_id,
                due_on=earliest,
            )
        )
        .join(Case, Case.id == TreatmentPlan.case_id)
        .where(Case.status.in_(list(OPEN_STATUSES)), earliest <= w.today)
    )
    if me is None:
        return _to_caseload(stmt, Case.client_id, w)
    return stmt.where(
        Case.client_id.in_(caseload_client_ids(me.id)), client_visibility(me, Case.client_id)
    )


def consent_expiring(w: Window, me: User | None) -> sa.Select[Any]:
    """An unrevoked consent expiring within 14 days (today included): for the staff whose
    caseload holds the client, and whoever recorded it."""
    last_day = w.today + timedelta(days=w.rules.consent_warning_days)
    stmt = sa.select(
        *columns(
            "consent_expiring", Consent.id, client_id=Consent.client_id, due_on=Consent.expires_on
        )
    ).where(
        Consent.revoked_on.is_(None),
        Consent.expires_on >= w.today,
        Consent.expires_on <= last_day,
    )
    if me is None:
        member = aliased(CaseloadMembership)
        active = sa.or_(member.ended_at.is_(None), member.ended_at > w.now)
        recipients = sa.union(
            sa.select(Consent.id.label("consent_id"), member.staff_id.label("user_id")).join(
                member, sa.and_(member.client_id == Consent.client_id, active)
            ),
            sa.select(Consent.id, Consent.recorded_by_id),
        ).subquery()
        return stmt.add_columns(recipients.c.user_id).join(
            recipients, recipients.c.consent_id == Consent.id
        )
    mine = sa.or_(
        Consent.client_id.in_(caseload_client_ids(me.id)), Consent.recorded_by_id == me.id
    )
    return stmt.where(mine, client_visibility(me, Consent.client_id))


def _to_caseload(stmt: sa.Select[Any], client_id: Any, w: Window) -> sa.Select[Any]:
    """`stmt` once for every staff member whose caseload holds the client now."""
    member = aliased(CaseloadMembership)
    active = sa.or_(member.ended_at.is_(None), member.ended_at > w.now)
    return (
        stmt.add_columns(member.staff_id.label("user_id"))
        .join(member, sa.and_(member.client_id == client_id, active))
        .distinct()
    )


Kind = Callable[[Window, Any], sa.Select[Any]]
QUEUE: dict[str, Kind] = {
    "flag_unacknowledged": flag_unacknowledged,
    "withdrawal_check_due": withdrawal_check_due,
    "session_today": session_today,
    "note_unsigned": note_unsigned,
    "session_without_note": session_without_note,
    "follow_up_due": follow_up_due,
    "taper_to_approve": taper_to_approve,
    "plan_review_due": plan_review_due,
    "consent_expiring": consent_expiring,
}
SWEPT: dict[str, Kind] = {kind: QUEUE[kind] for kind in rules.SWEPT_KINDS}
