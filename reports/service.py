"""Manager reports, every number an SQL aggregate (no rows loaded into Python).

Caseload definitions (documented in the OpenAPI description too):
- open = waitlisted, admitted or active; inpatient = admitted; outpatient = active.
- dual diagnosis = open cases whose client has dual diagnosis (CLINICAL.md §3).
- urgent flags = active urgent flags on clients with an open case.
- sessions next 7 days = non-cancelled sessions the counsellor facilitates starting in
  [start of as_of, +7 days), as_of's day starting at midnight in CENTRE_TIMEZONE.
- attendance rate = (attended + late) / (attended + late + absent) over participants of
  non-cancelled sessions the counsellor facilitated in the 30 days before as_of; null when
  there is nothing to count (excused and unrecorded attendance are not counted).
- overdue follow-ups = not completed and due before as_of.
Case and flag counts are the current state; as_of anchors the time windows.

Outcomes: the 7- and 30-day follow-up rates are HEDIS FUI (CLINICAL.md §7): their
denominator is the discharges from high-intensity care only, cases whose level at discharge
was inpatient or residential (3.1 and above); outpatient discharges are counted apart."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa

from aftercare.follow_ups.models import FollowUp, FollowUpOutcome
from auth.models import Role, User
from cases.episodes.models import Bed, Case
from cases.episodes.rules import OPEN_STATUSES, CaseStatus
from core.clock import start_of_centre_day
from core.db import UTCDateTime
from core.extensions import db
from intake.assessments.placement import INPATIENT_LEVELS, LEVELS
from intake.flags.models import Flag, FlagSeverity, FlagStatus, dual_diagnosis_clause
from reports.sql import as_date, days_between, plus_days
from scheduling.sessions.models import (
    Attendance,
    ParticipantStatus,
    SessionParticipant,
    SessionStatus,
    TherapySession,
)

OPEN = [s.value for s in OPEN_STATUSES]
DISCHARGE_REASONS = ("completed", "against_advice", "transferred", "administrative")


def _count(condition: Any) -> sa.ColumnElement[int]:
    return sa.func.count().filter(condition)


def _open_case_columns() -> list[Any]:
    is_open = Case.status.in_(OPEN)
    return [
        _count(is_open).label("open_cases"),
        _count(Case.status == CaseStatus.ADMITTED).label("inpatient"),
        _count(Case.status == CaseStatus.ACTIVE).label("outpatient"),
        _count(Case.status == CaseStatus.WAITLISTED).label("waitlisted"),
        _count(sa.and_(is_open, dual_diagnosis_clause(Case.client_id))).label("dual_diagnosis"),
    ]


def _urgent_flags() -> sa.Select:
    """Active urgent flags on clients with an open case, with that case's counsellor."""
    return (
        sa.select(Flag.id, Case.primary_counsellor_id)
        .join(Case, sa.and_(Case.client_id == Flag.client_id, Case.status.in_(OPEN)))
        .where(Flag.status == FlagStatus.ACTIVE, Flag.severity == FlagSeverity.URGENT)
    )


def _overdue(as_of: date) -> Any:
    return sa.and_(FollowUp.completed_at.is_(None), FollowUp.due_on < as_of)


#: Case and flag totals are the sums of the per-counsellor rows: every open case has one
#: primary counsellor and every counsellor with an open case has a row, so the one query
#: serves both (window sums) instead of scanning cases twice.
ROW_TOTALS = (
    "open_cases",
    "inpatient",
    "outpatient",
    "waitlisted",
    "dual_diagnosis",
    "urgent_flags",
)


def overdue_total(as_of: date) -> int:
    """Open follow-ups due before as_of, whoever they are assigned to."""
    return db.session.execute(sa.select(sa.func.count()).where(_overdue(as_of))).scalar_one()


def beds() -> dict[str, int]:
    occupied = sa.exists().where(Case.bed_id == Bed.id, Case.status == CaseStatus.ADMITTED)
    row = db.session.execute(
        sa.select(sa.func.count().label("total"), _count(occupied).label("occupied")).where(
            Bed.active.is_(True)
        )
    ).one()
    return {"total": row.total, "occupied": row.occupied}


def by_level() -> dict[str, int]:
    rows = db.session.execute(
        sa.select(Case.level, sa.func.count()).where(Case.status.in_(OPEN)).group_by(Case.level)
    ).all()
    counts = dict(rows)
    return {level: counts.get(level, 0) for level in LEVELS}


def _case_stats() -> sa.Subquery:
    return (
        sa.select(Case.primary_counsellor_id.label("staff_id"), *_open_case_columns())
        .where(Case.status.in_(OPEN))
        .group_by(Case.primary_counsellor_id)
        .subquery()
    )


#: The per-counsellor statement's parameters: it is built once (`_by_counsellor_statement`)
#: and run with these bound, so a request spends no time composing SQL.
WINDOW = sa.bindparam("window_start", type_=UTCDateTime())
WEEK_END = sa.bindparam("week_end", type_=UTCDateTime())
MONTH_AGO = sa.bindparam("month_ago", type_=UTCDateTime())
AS_OF = sa.bindparam("as_of", type_=sa.Date())


def _session_stats() -> sa.Subquery:
    upcoming = sa.and_(TherapySession.starts_at >= WINDOW, TherapySession.starts_at < WEEK_END)
    return (
        sa.select(
            TherapySession.facilitator_id.label("staff_id"),
            sa.func.count().label("sessions_next_7_days"),
        )
        .where(TherapySession.status == SessionStatus.SCHEDULED, upcoming)
        .group_by(TherapySession.facilitator_id)
        .subquery()
    )


def _attendance_stats() -> sa.Subquery:
    came = SessionParticipant.attendance.in_([Attendance.ATTENDED, Attendance.LATE])
    counted = SessionParticipant.attendance.in_(
        [Attendance.ATTENDED, Attendance.LATE, Attendance.ABSENT]
    )
    return (
        sa.select(
            TherapySession.facilitator_id.label("staff_id"),
            _count(came).label("came"),
            _count(counted).label("counted"),
        )
        .join(SessionParticipant, SessionParticipant.session_id == TherapySession.id)
        .where(
            TherapySession.status == SessionStatus.SCHEDULED,
            SessionParticipant.status == ParticipantStatus.BOOKED,
            TherapySession.starts_at >= MONTH_AGO,
            TherapySession.starts_at < WINDOW,
            # the same window on the participants' copy of the times: the index there reads
            # the month's bookings instead of every booking the centre ever made.
            SessionParticipant.starts_at >= MONTH_AGO,
            SessionParticipant.starts_at < WINDOW,
        )
        .group_by(TherapySession.facilitator_id)
        .subquery()
    )


def _follow_up_stats() -> sa.Subquery:
    return (
        sa.select(FollowUp.assigned_to_id.label("staff_id"), sa.func.count().label("overdue"))
        .where(_overdue(AS_OF))
        .group_by(FollowUp.assigned_to_id)
        .subquery()
    )


def _flag_stats() -> sa.Subquery:
    urgent = _urgent_flags().subquery()
    return (
        sa.select(
            urgent.c.primary_counsellor_id.label("staff_id"),
            sa.func.count(sa.distinct(urgent.c.id)).label("urgent_flags"),
        )
        .group_by(urgent.c.primary_counsellor_id)
        .subquery()
    )


def _counsellor_columns(stats: dict[str, Any]) -> list[Any]:
    """The per-counsellor report's columns over the joined per-staff statistics."""
    cases, sessions, attendance = stats["cases"], stats["sessions"], stats["attendance"]
    zero = sa.literal(0)
    rate = sa.case(
        (sa.func.coalesce(attendance.c.counted, 0) == 0, sa.null()),
        else_=sa.cast(attendance.c.came, sa.Float) / attendance.c.counted,
    )
    return [
        User.id.label("staff_id"),
        User.name,
        sa.func.coalesce(cases.c.open_cases, zero).label("open_cases"),
        sa.func.coalesce(cases.c.inpatient, zero).label("inpatient"),
        sa.func.coalesce(cases.c.outpatient, zero).label("outpatient"),
        sa.func.coalesce(cases.c.dual_diagnosis, zero).label("dual_diagnosis"),
        sa.func.coalesce(cases.c.waitlisted, zero).label("waitlisted"),
        sa.func.coalesce(sessions.c.sessions_next_7_days, zero).label("sessions_next_7_days"),
        rate.label("attendance_rate_30_days"),
        sa.func.coalesce(stats["follow_ups"].c.overdue, zero).label("overdue_follow_ups"),
        sa.func.coalesce(stats["flags"].c.urgent_flags, zero).label("urgent_flags"),
    ]


@cache
def _by_counsellor_statement() -> sa.Select:
    """The per-counsellor statement with its window sums, built once per process."""
    stats = {
        "cases": _case_stats(),
        "sessions": _session_stats(),
        "attendance": _attendance_stats(),
        "follow_ups": _follow_up_stats(),
        "flags": _flag_stats(),
    }
    stmt = sa.select(*_counsellor_columns(stats))
    for stat in stats.values():
        stmt = stmt.outerjoin(stat, stat.c.staff_id == User.id)
    stmt = stmt.where(
        sa.or_(
            sa.and_(User.role == Role.COUNSELLOR, User.active.is_(True)),
            sa.func.coalesce(stats["cases"].c.open_cases, sa.literal(0)) > 0,
        )
    ).order_by(User.name, User.id)
    totals_columns = [
        sa.func.sum(c).over().label(f"total_{c.name}") for c in _row_total_columns(stmt)
    ]
    return stmt.add_columns(*totals_columns)


def by_counsellor(as_of: date) -> list[dict[str, Any]]:
    """One row per active counsellor (and anyone else who is primary on an open case)."""
    window = start_of_centre_day(as_of)
    params = {
        "window_start": window,
        "week_end": window + timedelta(days=7),
        "month_ago": window - timedelta(days=30),
        "as_of": as_of,
    }
    rows = db.session.execute(_by_counsellor_statement(), params)
    return [_rounded(row._asdict()) for row in rows]


def _row_total_columns(stmt: sa.Select) -> list[Any]:
    by_name = {c.name: c for c in stmt.selected_columns}
    return [by_name[name] for name in ROW_TOTALS]


def _rounded(row: dict[str, Any]) -> dict[str, Any]:
    if row["attendance_rate_30_days"] is not None:
        row["attendance_rate_30_days"] = round(row["attendance_rate_30_days"], 4)
    return row


def caseload(as_of: date) -> dict[str, Any]:
    rows = by_counsellor(as_of)
    sums = {name: int(rows[0].get(f"total_{name}") or 0) if rows else 0 for name in ROW_TOTALS}
    for row in rows:
        for name in ROW_TOTALS:
            row.pop(f"total_{name}")
        row.pop("waitlisted")
    return {
        "as_of": as_of,
        "totals": {**sums, "overdue_follow_ups": overdue_total(as_of)},
        "beds": beds(),
        "by_counsellor": rows,
        "by_level": by_level(),
    }


# --- outcomes ---------------------------------------------------------------------------------


def _ratio(numerator: Any, denominator: Any) -> sa.ColumnElement[Any]:
    return sa.case((denominator == 0, sa.null()), else_=sa.cast(numerator, sa.Float) / denominator)


def _contacted_within(days: int) -> sa.Exists:
    """A completed follow-up that reached the client on a date after discharge, within
    `days` (HEDIS FUI: contact on a date after discharge)."""
    contact_day = as_date(FollowUp.contacted_at)
    return sa.exists().where(
        FollowUp.case_id == Case.id,
        FollowUp.completed_at.is_not(None),
        FollowUp.outcome != FollowUpOutcome.UNREACHABLE,
        contact_day > Case.discharge_date,
        contact_day <= plus_days(Case.discharge_date, days),
    )


def _high_intensity() -> sa.ColumnElement[bool]:
    """A discharge from high-intensity care (HEDIS FUI): the case's level when it was
    discharged was inpatient or residential, 3.1 and above (CLINICAL.md §7)."""
    return Case.level.in_(INPATIENT_LEVELS)


def _fui_rate(days: int) -> sa.ColumnElement[Any]:
    """Of the high-intensity discharges, those with a contact within `days` (null if none)."""
    high = _high_intensity()
    return _ratio(_count(sa.and_(high, _contacted_within(days))), _count(high))


def _relapsed_within(days: int) -> sa.Exists:
    contact_day = as_date(FollowUp.contacted_at)
    return sa.exists().where(
        FollowUp.case_id == Case.id,
        FollowUp.outcome == FollowUpOutcome.RELAPSE,
        contact_day <= plus_days(Case.discharge_date, days),
    )


#: Rates in the outcomes report, rounded to 4 places (null when there is nothing to count).
OUTCOME_RATES = (
    "completion_rate",
    "average_length_of_stay_days",
    "follow_up_7_day_rate",
    "follow_up_30_day_rate",
    "relapse_within_90_days_rate",
)


def outcomes(start: date, end: date) -> dict[str, Any]:
    """Admissions (cases opened) and discharges in [start, end], inclusive dates. The
    follow-up rates count high-intensity discharges only (FUI, CLINICAL.md §7); their
    denominator (`high_intensity_discharges`) and the `outpatient_discharges` they leave out
    are returned beside them."""
    # The UTC days [start, end] as a timestamp range, which the opened_at index serves (a
    # cast of the column to a date would be computed for every case).
    days = (start, end + timedelta(days=1))
    first, after = (datetime.combine(d, time(), tzinfo=UTC) for d in days)
    admissions = db.session.execute(
        sa.select(sa.func.count()).where(Case.opened_at >= first, Case.opened_at < after)
    ).scalar_one()
    row = _discharge_stats(start, end)
    rates = {
        key: (round(float(row[key]), 4) if row[key] is not None else None) for key in OUTCOME_RATES
    }
    return {
        "from": start,
        "to": end,
        "admissions": admissions,
        "discharges": {"total": row["total"], **{r: row[r] for r in DISCHARGE_REASONS}},
        #: the FUI denominator, and the outpatient discharges it leaves out.
        "high_intensity_discharges": row["high_intensity"],
        "outpatient_discharges": row["total"] - row["high_intensity"],
        **rates,
    }


def _discharge_stats(start: date, end: date) -> dict[str, Any]:
    """One query over the discharges in [start, end]: counts by reason, the high-intensity
    count and every rate."""
    discharged = sa.and_(
        Case.status == CaseStatus.DISCHARGED,
        Case.discharge_date >= start,
        Case.discharge_date <= end,
    )
    began = as_date(sa.func.coalesce(Case.admitted_at, Case.opened_at))
    total = sa.func.count()
    stmt = sa.select(
        total.label("total"),
        *[_count(Case.discharge_reason == r).label(r) for r in DISCHARGE_REASONS],
        _ratio(_count(Case.discharge_reason == "completed"), total).label("completion_rate"),
        sa.func.avg(days_between(Case.discharge_date, began)).label("average_length_of_stay_days"),
        _count(_high_intensity()).label("high_intensity"),
        _fui_rate(7).label("follow_up_7_day_rate"),
        _fui_rate(30).label("follow_up_30_day_rate"),
        _ratio(_count(_relapsed_within(90)), total).label("relapse_within_90_days_rate"),
    ).where(discharged)
    return db.session.execute(stmt).one()._asdict()
