"""Demo clients for `seed-demo`."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from auth.cli import demo_user
from core.extensions import db
from intake.clients.models import Client, Sex
from intake.clients.service import register_client

DEMO_CLIENTS = [
    ("Alex", "Morgan", date(1984, 5, 2), Sex.FEMALE),
    ("Sam", "Okafor", date(1991, 11, 19), Sex.MALE),
    ("Jordan", "Lee", date(1977, 3, 8), Sex.UNKNOWN),
]


def seed_demo_clients() -> list[str]:
    actor = demo_user("intake@demo.centre")
    created = 0
    for first, last, dob, sex in DEMO_CLIENTS:
        exists = db.session.execute(
            sa.select(Client.id).where(
                Client.first_name == first, Client.last_name == last, Client.date_of_birth == dob
            )
        ).first()
        if not exists:
            register_client(
                {"first_name": first, "last_name": last, "date_of_birth": dob, "sex": sex},
                actor=actor,
            )
            created += 1
    return [f"Demo clients: {len(DEMO_CLIENTS)} ({created} new)."]
