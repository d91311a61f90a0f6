"""Records that put items in a work queue, written directly (inside an app context) unless
the test is about the route that writes them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from aftercare.follow_ups.models import FollowUp
from cases.episodes.models import Case
from cases.notes.models import Note, NoteKind
from cases.tapers.models import TaperPlan
from cases.treatment_plans.models import TreatmentPlan
from cases.withdrawal.models import WithdrawalScore
from core.clock import centre_today, now
from core.extensions import db
from intake.flags.models import Flag, FlagSeverity
from privacy.consents.models import Consent
from scheduling.sessions.models import Attendance, SessionParticipant, TherapySession
from work.models import Notification


def case_of(case_id: int) -> Case:
    return db.session.get(Case, case_id)


def follow_up(case_id: int, user_id: int, due_on: date | None = None) -> int:
    case = case_of(case_id)
    row = FollowUp(
        case_id=case_id,
        client_id=case.client_id,
        offset_days=7,
        due_on=due_on or centre_today(),
        assigned_to_id=user_id,
    )
    db.session.add(row)
    db.session.flush()
    return row.id


def note(case_id: int, user_id: int, created_at: datetime | None = None) -> int:
    at = created_at or now()
    row = Note(
        case_id=case_id,
        kind=NoteKind.PROGRESS,
        body={"text": "Session went well."},
        author_id=user_id,
        created_at=at,
        updated_at=at,
    )
    db.session.add(row)
    db.session.flush()
    return row.id


def score(
    case_id: int, *, hours_ago: float, band: str = "severe", severe: bool = True, total: int = 50
) -> int:
    row = WithdrawalScore(
        case_id=case_id,
        instrument="ciwa_b",
        items=[0] * 20,
        score=total,
        band=band,
        severe=severe,
        observed_at=now() - timedelta(hours=hours_ago),
        rule_version="test",
    )
    db.session.add(row)
    db.session.flush()
    return row.id


def plan(case_id: int, review_date: date, *more_reviews: date) -> int:
    goals = [
        {
            "description": "Attend group",
            "target_date": (d + timedelta(days=30)).isoformat(),
            "review_date": d.isoformat(),
            "interventions": [{"type": "group", "description": None, "frequency": None}],
        }
        for d in (review_date, *more_reviews)
    ]
    row = TreatmentPlan(case_id=case_id, problems=[{"description": "Use", "goals": goals}])
    db.session.add(row)
    db.session.flush()
    return row.id


def consent(client_id: int, recorded_by_id: int, expires_on: date) -> int:
    row = Consent(
        client_id=client_id,
        discloser="The centre",
        kind="tpo",
        recipient_class="treating providers",
        purpose="treatment",
        information=["diagnoses"],
        expires_on=expires_on,
        signed_on=centre_today() - timedelta(days=300),
        signature_method="wet",
        signed_by="The client",
        recorded_by_id=recorded_by_id,
    )
    db.session.add(row)
    db.session.flush()
    return row.id


def urgent_flag(client_id: int) -> int:
    row = Flag(
        client_id=client_id,
        type="suicide_risk",
        category="safety",
        severity=FlagSeverity.URGENT,
        source_kind="manual",
        history=[],
    )
    db.session.add(row)
    db.session.flush()
    return row.id


def taper(case_id: int, user_id: int) -> int:
    row = TaperPlan(
        case_id=case_id,
        medication="diazepam",
        current_daily_dose_mg=20.0,
        switch_to_diazepam=False,
        reduction_percent=10.0,
        interval_days=14,
        start_date=centre_today(),
        dose_increment_mg=1.0,
        steps=[],
        rule_version="test",
        created_by_id=user_id,
    )
    db.session.add(row)
    db.session.flush()
    return row.id


def session(
    facilitator_id: int, starts_at: datetime, *, case_id: int | None = None, **kw: Any
) -> int:
    """A one-hour individual session; with `case_id`, that case booked (attending as `kw`
    `attendance` says)."""
    attendance = kw.pop("attendance", None)
    row = TherapySession(
        type="individual",
        facilitator_id=facilitator_id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
    )
    db.session.add(row)
    db.session.flush()
    if case_id is not None:
        db.session.add(
            SessionParticipant(
                session_id=row.id,
                case_id=case_id,
                client_id=case_of(case_id).client_id,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                attendance=Attendance(attendance) if attendance else None,
            )
        )
        db.session.flush()
    return row.id


def notifications(user_id: int) -> list[Notification]:
    stmt = sa.select(Notification).where(Notification.user_id == user_id)
    return list(db.session.scalars(stmt.order_by(Notification.kind, Notification.record_id)))
