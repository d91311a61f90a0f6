"""Each person's work queue (API.md "Work queue and notifications"), computed in SQL.

Every kind of item (`work.rules` says when each is listed and due) is one SELECT of the same
columns; a person's queue is their UNION ALL, so the whole queue is **one query** however many
items it holds, plus one audit insert per record type shown (`core.audit.record_many`: every
client record listed is audited). Each SELECT carries the caseload check
(`auth.permissions.client_visibility`) and is only asked of roles that do that work.

The background sweep asks the same SELECTs centre-wide, joined to who is to be reminded (the
assignee of a follow-up; the staff whose caseload holds the client otherwise; and whoever
recorded a consent), in one query too (`due_reminders`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from aftercare.follow_ups.models import FollowUp
from auth.models import CaseloadMembership, User
from auth.permissions import Permission, allowed, caseload_client_ids, client_visibility
from cases.episodes.models import Case
from cases.episodes.rules import OPEN_STATUSES
from cases.notes.models import Note
from cases.tapers.models import TaperPlan, TaperStatus
from cases.treatment_plans.models import TreatmentPlan
from cases.withdrawal.models import WithdrawalScore
from core import audit
from core.clock import centre_today, centre_zone
from core.db import UTCDateTime, utcnow
from core.extensions import db
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
from work.rules import DEFAULT_RULES, KINDS, QueueRules

#: most items of one kind in a queue (a clinician's flags and checks span the centre).
MAX_PER_KIND = 200

#: what each kind's record is, for the audit of what the queue shows (None: no client record).
RECORD_TYPES: dict[str, str | None] = {
    "session_today": None,
    "note_unsigned": "note",
    "session_without_note": "session_participant",
    "follow_up_due": "follow_up",
    "flag_unacknowledged": "flag",
    "taper_to_approve": "taper_plan",
    "withdrawal_check_due": "withdrawal_score",
    "plan_review_due": "treatment_plan",
    "consent_expiring": "consent",
}

#: who does each kind of work: the permission a role needs for it to be in their queue.
NEEDS: dict[str, Permission] = {
    "session_today": Permission.SESSION_WRITE,
    "note_unsigned": Permission.CLINICAL_RECORD_WRITE,
    "session_without_note": Permission.SESSION_WRITE,
    "follow_up_due": Permission.CLINICAL_RECORD_WRITE,
    "flag_unacknowledged": Permission.FLAG_ACKNOWLEDGE,
    "taper_to_approve": Permission.MEDICATION_WRITE,
    "withdrawal_check_due": Permission.CLINICAL_RECORD_WRITE,
    "plan_review_due": Permission.CLINICAL_RECORD_WRITE,
    "consent_expiring": Permission.CONSENT_READ,
}


@dataclass(frozen=True)
class WorkItem:
    """One thing to do: what, when it is due, whether that has passed, its record and page.
    `label` is what "My day" shows beside it (a note's or session's type, a flag's type, an
    instrument, a follow-up's days): never a name."""

    kind: str
    record_id: int
    due_at: datetime
    overdue: bool
    case_id: int | None
    client_id: int | None
    link: str
    due_on: date | None = None
    label: str | None = None

    @property
    def title(self) -> str:
        return rules.TITLES[self.kind]


@dataclass(frozen=True)
class Window:
    """The moment a queue is computed for, with the rules in force."""

    now: datetime
    today: date
    rules: QueueRules
    dialect: str

    @classmethod
    def current(cls, queue_rules: QueueRules = DEFAULT_RULES) -> Window:
        dialect = db.session.get_bind().dialect.name
        return cls(now=utcnow(), today=centre_today(), rules=queue_rules, dialect=dialect)

    @property
    def day_start(self) -> datetime:
        return datetime.combine(self.today, time.min, tzinfo=centre_zone())


def _minutes(delta: timedelta) -> int:
    return int(delta / timedelta(minutes=1))


def _columns(
    kind: str,
    record_id: Any,
    *,
    case_id: Any = None,
    client_id: Any = None,
    at: Any = None,
    due_on: Any = None,
    delay: Any = 0,
    label: Any = None,
) -> list[sa.ColumnElement[Any]]:
    """The columns every kind selects, typed alike so the SELECTs UNION on both databases:
    `at` (a timestamp the item is due `delay` minutes after) or `due_on` (a date)."""

    def typed(value: Any, type_: Any) -> Any:
        return sa.cast(sa.null(), type_) if value is None else value

    return [
        sa.literal_column(f"'{kind}'", sa.String).label("kind"),
        record_id.label("record_id"),
        typed(case_id, sa.Integer).label("case_id"),
        typed(client_id, sa.Integer).label("client_id"),
        typed(at, UTCDateTime()).label("due_base"),
        typed(due_on, sa.Date).label("due_on"),
        (sa.literal_column(str(delay), sa.Integer) if isinstance(delay, int) else delay).label(
            "delay"
        ),
        (sa.cast(label, sa.String) if label is not None else sa.cast(sa.null(), sa.String)).label(
            "label"
        ),
    ]


# --- the kinds ---------------------------------------------------------------------------------
# Each takes the window and `me` (a person's queue: their own or caseload-filtered items); the
# four kinds the sweep reminds of also take `me=None`: every due item, with each person to
# remind as `user_id`.


def session_today(w: Window, me: User) -> sa.Select[Any]:
    """A scheduled session I facilitate today that has not ended yet."""
    return sa.select(
        *_columns(
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
            *_columns(
                "note_unsigned",
                Note.id,
                case_id=Note.case_id,
                client_id=Case.client_id,
                at=Note.created_at,
                delay=_minutes(within),
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
            *_columns(
                "session_without_note",
                SessionParticipant.id,
                case_id=SessionParticipant.case_id,
                client_id=SessionParticipant.client_id,
                at=TherapySession.ends_at,
                delay=_minutes(w.rules.session_note_within),
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
        *_columns(
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
        *_columns(
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
            *_columns(
                "taper_to_approve",
                TaperPlan.id,
                case_id=TaperPlan.case_id,
                client_id=Case.client_id,
                at=TaperPlan.created_at,
                delay=_minutes(w.rules.taper_approve_within),
            )
        )
        .join(Case, Case.id == TaperPlan.case_id)
        .where(TaperPlan.status == TaperStatus.DRAFT, client_visibility(me, Case.client_id))
    )


def withdrawal_check_due(w: Window, me: User | None) -> sa.Select[Any]:
    """An open case whose latest score (any scale) is severe and older than 4 hours, or in
    the moderate band and older than 8 hours."""
    r, score = w.rules, WithdrawalScore
    later = aliased(WithdrawalScore)
    latest = (
        sa.select(later.id)
        .where(later.case_id == score.case_id)
        .order_by(later.observed_at.desc(), later.id.desc())
        .limit(1)
        .correlate(score)
        .scalar_subquery()
    )
    delay = sa.case(
        (score.severe, sa.literal_column(str(_minutes(r.severe_recheck)), sa.Integer)),
        else_=sa.literal_column(str(_minutes(r.moderate_recheck)), sa.Integer),
    )
    stmt = (
        sa.select(
            *_columns(
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
            score.id == latest,
            sa.or_(
                sa.and_(score.severe, score.observed_at < w.now - r.severe_recheck),
                sa.and_(
                    ~score.severe,
                    score.band == r.moderate_band,
                    score.observed_at < w.now - r.moderate_recheck,
                ),
            ),
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
            *_columns(
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
        *_columns(
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


# --- one person's queue ------------------------------------------------------------------------


def _capped(stmt: sa.Select[Any]) -> sa.Select[Any]:
    """At most MAX_PER_KIND items of one kind, the earliest due first."""
    inner = stmt.order_by(sa.text("due_base"), sa.text("due_on"), sa.text("record_id"))
    sub = inner.limit(MAX_PER_KIND).subquery()
    return sa.select(*sub.c)


def _item(row: Any, w: Window) -> WorkItem:
    if row.due_on is not None:
        due_at = datetime.combine(row.due_on, time.min, tzinfo=centre_zone())
    else:
        due_at = row.due_base + timedelta(minutes=row.delay)
    return WorkItem(
        kind=row.kind,
        record_id=row.record_id,
        due_at=due_at,
        overdue=rules.overdue(row.kind, due_at=due_at, due_on=row.due_on, now=w.now, today=w.today),
        case_id=row.case_id,
        client_id=row.client_id,
        link=rules.link(
            row.kind, record_id=row.record_id, case_id=row.case_id, client_id=row.client_id
        ),
        due_on=row.due_on,
        label=row.label,
    )


def kinds_for(user: User) -> list[str]:
    """The kinds of work the user's role does."""
    return [kind for kind in KINDS if allowed(user.role, NEEDS[kind])]


def queue_items(user: User, window: Window | None = None) -> list[WorkItem]:
    """The user's work queue, unaudited (the digest counts it): one query, or none for a role
    without any of this work. Ordered by kind (`KINDS`), overdue first, then by due time."""
    w = window or Window.current()
    selects = [_capped(QUEUE[kind](w, user)) for kind in kinds_for(user)]
    if not selects:
        return []
    rows = db.session.execute(sa.union_all(*selects)).all()
    order = {kind: i for i, kind in enumerate(KINDS)}
    items = [_item(row, w) for row in rows]
    return sorted(items, key=lambda i: (order[i.kind], not i.overdue, i.due_at, i.record_id))


def audit_shown(items: Sequence[WorkItem], actor: User) -> None:
    """Every client record the queue shows, audited: one insert per record type."""
    by_type: dict[str, list[tuple[int, int | None]]] = {}
    for item in items:
        record_type = RECORD_TYPES[item.kind]
        if record_type is not None:
            by_type.setdefault(record_type, []).append((item.record_id, item.client_id))
    for record_type, rows in by_type.items():
        audit.record_many("work.list", actor=actor, record_type=record_type, rows=rows)


def work_queue(actor: User) -> list[WorkItem]:
    """The signed-in user's work queue, every client record in it audited."""
    items = queue_items(actor)
    audit_shown(items, actor)
    return items


# --- what the sweep reminds of -----------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    """A due item of a swept kind and one person to remind of it."""

    user_id: int
    item: WorkItem


def due_reminders(window: Window | None = None) -> list[Reminder]:
    """Every due item of the swept kinds with each person to remind, in one query (active
    staff only)."""
    w = window or Window.current()
    union = sa.union_all(*(SWEPT[kind](w, None) for kind in rules.SWEPT_KINDS)).subquery()
    stmt = (
        sa.select(union)
        .join(User, sa.and_(User.id == union.c.user_id, User.active))
        .order_by(union.c.user_id, union.c.kind, union.c.record_id)
    )
    return [Reminder(row.user_id, _item(row, w)) for row in db.session.execute(stmt)]
