"""Who `bench.load`'s simulated users are: the staff mix for N users, a bearer token each,
and what each works on (`Caseload`): a counsellor their own open cases and those cases'
clients, every other role the whole centre."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from auth.models import Role, User
from bench.harness import OPEN, token_for
from cases.episodes.models import Case
from core.extensions import db
from intake.clients.models import Client
from scheduling.sessions.models import TherapySession

BOOKABLE = ("admitted", "active")


@dataclass
class Caseload:
    """What a simulated user works on."""

    case_ids: list[int]  #: cases they read and write notes on
    bookable_case_ids: list[int]  #: admitted or active: the ones they may book
    client_ids: list[int]
    mrns: list[str]
    room_id: int | None = None  #: where they hold sessions (counsellors)


@dataclass
class StaffUser:
    n: int
    role: str
    user_id: int
    token: str
    caseload: Caseload
    headers: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.headers = {
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/json",
        }


def role_mix(users: int) -> list[str]:
    """One manager, a tenth intake, a fifth clinicians, the rest counsellors."""
    manager = 1 if users >= 4 else 0
    intake = max(1, round(users / 10)) if users >= 3 else 0
    clinicians = max(1, round(users / 5)) if users >= 2 else 0
    counsellors = users - manager - intake - clinicians
    return (
        ["counsellor"] * counsellors
        + ["clinician"] * clinicians
        + ["intake"] * intake
        + ["manager"] * manager
    )


def _ids(stmt: sa.Select) -> list[Any]:
    return list(db.session.execute(stmt).scalars())


def _counsellor_caseload(counsellor_id: int) -> Caseload:
    rows = db.session.execute(
        sa.select(Case.id, Case.client_id, Case.status, Client.mrn)
        .join(Client, Client.id == Case.client_id)
        .where(Case.primary_counsellor_id == counsellor_id, Case.status.in_(OPEN))
        .order_by(Case.id)
    ).all()
    room_id = db.session.execute(
        sa.select(TherapySession.room_id)
        .where(TherapySession.facilitator_id == counsellor_id, TherapySession.room_id.is_not(None))
        .group_by(TherapySession.room_id)
        .order_by(sa.func.count().desc(), TherapySession.room_id)
        .limit(1)
    ).scalar()
    return Caseload(
        case_ids=[r.id for r in rows],
        bookable_case_ids=[r.id for r in rows if _status(r.status) in BOOKABLE],
        client_ids=sorted({r.client_id for r in rows}),
        mrns=[r.mrn for r in rows if r.mrn],
        room_id=room_id,
    )


def _status(value: Any) -> str:
    return getattr(value, "value", value)


def _centre_caseload() -> Caseload:
    """The whole centre, for roles that are not caseload-scoped."""
    cases = db.session.execute(sa.select(Case.id, Case.status).order_by(Case.id)).all()
    clients = db.session.execute(sa.select(Client.id, Client.mrn).order_by(Client.id)).all()
    return Caseload(
        case_ids=[c.id for c in cases],
        bookable_case_ids=[c.id for c in cases if _status(c.status) in BOOKABLE],
        client_ids=[c.id for c in clients],
        mrns=[c.mrn for c in clients if c.mrn],
    )


def make_users(app: Any, users: int) -> tuple[list[StaffUser], dict[str, int]]:
    """Tokens and caseloads for the simulated users; also how many accounts each role used."""
    with app.app_context():
        accounts: dict[str, list[int]] = {}
        for role in Role:
            accounts[role.value] = _ids(
                sa.select(User.id).where(User.role == role, User.active.is_(True)).order_by(User.id)
            )
        # Counsellors with an open case of their own (the inactive one has none).
        with_cases = set(
            _ids(sa.select(Case.primary_counsellor_id).where(Case.status.in_(OPEN)).distinct())
        )
        accounts["counsellor"] = [i for i in accounts["counsellor"] if i in with_cases]
        caseloads = {i: _counsellor_caseload(i) for i in accounts["counsellor"]}
        centre = _centre_caseload()
        db.session.rollback()
    if not centre.case_ids:
        raise SystemExit("no cases: prepare the database with `python -m bench.generate`")
    simulated: list[StaffUser] = []
    turns = {role: itertools.cycle(ids) for role, ids in accounts.items() if ids}
    used: dict[str, set[int]] = defaultdict(set)
    for n, role in enumerate(role_mix(users)):
        if role not in turns:
            raise SystemExit(f"the database has no active {role} account")
        user_id = next(turns[role])
        used[role].add(user_id)
        token, _ = token_for(app, sa.select(User).where(User.id == user_id))
        caseload = caseloads[user_id] if role == "counsellor" else centre
        simulated.append(StaffUser(n, role, user_id, token, caseload))
    return simulated, {role: len(ids) for role, ids in used.items()}
