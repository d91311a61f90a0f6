"""Demo sessions for `seed-demo`: a room and a weekly CBT series for one demo client, so the
calendars and the caseload report have something to show. Runs after the cases seeder."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from auth.cli import demo_user
from cases.episodes.models import Case
from core.db import utcnow
from core.extensions import db
from intake.clients.models import Client
from scheduling.rooms.models import Room
from scheduling.rooms.service import create_room
from scheduling.sessions.booking import book_session
from scheduling.sessions.models import SessionType

#: The demo client whose case gets the weekly series.
DEMO_SESSION_CLIENT = "Sam"


def seed_demo_sessions() -> list[str]:
    """One room and six weekly CBT sessions from next Monday, idempotently."""
    if db.session.execute(sa.select(Room.id)).first():
        return ["Demo room and sessions: already present."]
    create_room({"name": "Willow", "capacity": 10}, actor=demo_user("manager@demo.centre"))
    case_id = db.session.execute(
        sa.select(Case.id)
        .join(Client, Client.id == Case.client_id)
        .where(Client.first_name == DEMO_SESSION_CLIENT)
        .order_by(Case.id.desc())
    ).scalar()
    if case_id is None:
        return ["Demo room: 1 (no demo case to book sessions for)."]
    _book_weekly_cbt(case_id)
    return ["Demo room: 1; a weekly CBT series of 6 sessions."]


def _book_weekly_cbt(case_id: int) -> None:
    counsellor = demo_user("counsellor@demo.centre")
    today = utcnow().date()
    start = datetime.combine(today + timedelta(days=7 - today.weekday()), time(14), tzinfo=UTC)
    book_session(
        {
            "type": SessionType.CBT,
            "facilitator_id": counsellor.id,
            "case_ids": [case_id],
            "starts_at": start,
            "ends_at": start + timedelta(hours=1),
            "recurrence": {"frequency": "weekly", "count": 6},
        },
        actor=counsellor,
    )
