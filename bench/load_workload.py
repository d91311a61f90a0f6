"""`bench.load`'s workload: each request a simulated user can make (an `Op` builds one
`Request` from the user's caseload and the data set's `as_of`), and each role's weighted mix
of them (`WORKLOAD`)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from bench.generate_model import LAST
from bench.load_users import StaffUser

API = "/api/v1"


@dataclass(frozen=True)
class Request:
    label: str  #: the endpoint, as it appears in the table
    method: str
    path: str
    body: dict[str, Any] | None = None
    expect: frozenset[int] = frozenset({200})
    #: a 409 must list its conflicts (booking)
    conflicts: bool = False


Op = Callable[[random.Random, StaffUser, date], Request]


def _query(path: str, **params: Any) -> str:
    params = {k: v for k, v in params.items() if v is not None}
    return f"{API}{path}?{urlencode(params)}" if params else f"{API}{path}"


def _week(rng: random.Random, as_of: date) -> tuple[str, str]:
    """A week (Monday to Monday, UTC) from four weeks before `as_of` to two weeks after."""
    monday = as_of - timedelta(days=as_of.weekday()) + timedelta(weeks=rng.randint(-4, 2))
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return start.isoformat(), (start + timedelta(days=7)).isoformat()


def _facilitates(user: StaffUser) -> int | None:
    return user.user_id if user.role in ("counsellor", "clinician") else None


def clients_list(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    return Request("GET /clients", "GET", _query("/clients", page=rng.randint(1, 3), per_page=20))


def clients_search(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    # an MRN prefix, or a surname
    q = rng.choice(user.caseload.mrns)[:6] if rng.random() < 0.3 else rng.choice(LAST)
    return Request("GET /clients?q=", "GET", _query("/clients", q=q, per_page=20))


def client_get(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    client_id = rng.choice(user.caseload.client_ids)
    return Request("GET /clients/{id}", "GET", f"{API}/clients/{client_id}")


def case_get(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    case_id = rng.choice(user.caseload.case_ids)
    return Request("GET /cases/{id}", "GET", f"{API}/cases/{case_id}")


def cases_list(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    status = rng.choice(["active", "admitted", None])
    counsellor = user.user_id if user.role == "counsellor" else None
    path = _query("/cases", status=status, counsellor_id=counsellor, per_page=50)
    return Request("GET /cases", "GET", path)


def waitlist(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    return Request("GET /waitlist", "GET", f"{API}/waitlist")


def beds(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    return Request("GET /beds", "GET", f"{API}/beds")


def sessions_week(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    start, end = _week(rng, as_of)
    path = _query(
        "/sessions", **{"from": start, "to": end}, facilitator_id=_facilitates(user), per_page=200
    )
    return Request("GET /sessions?from=&to=", "GET", path)


def book(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    day = as_of + timedelta(days=rng.randint(15, 180))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    minutes = rng.randrange(8 * 60, 18 * 60, 30)
    starts = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=minutes)
    body = {
        "type": "individual",
        "facilitator_id": user.user_id,
        "room_id": user.caseload.room_id,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(minutes=50)).isoformat(),
        "case_ids": [rng.choice(user.caseload.bookable_case_ids)],
    }
    return Request("POST /sessions", "POST", f"{API}/sessions", body, frozenset({201, 409}), True)


def note(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    case_id = rng.choice(user.caseload.case_ids)
    text = rng.choice(
        [
            "Client engaged well; reviewed triggers and coping plan.",
            "Reports two days of cravings; practised urge surfing.",
            "Discussed relapse-prevention plan and support contacts.",
        ]
    )
    body = {"kind": "progress", "body": {"text": text}}
    return Request(
        "POST /cases/{id}/notes", "POST", f"{API}/cases/{case_id}/notes", body, frozenset({201})
    )


def follow_ups(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    status = rng.choice(["due", "overdue"])
    counsellor = user.user_id if user.role == "counsellor" else None
    path = _query("/follow-ups", status=status, counsellor_id=counsellor, per_page=50)
    return Request("GET /follow-ups", "GET", path)


def caseload_report(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    path = _query("/reports/caseload", as_of=as_of.isoformat())
    return Request("GET /reports/caseload", "GET", path)


def urgent_flags(rng: random.Random, user: StaffUser, as_of: date) -> Request:
    path = _query("/flags", status="active", severity="urgent", acknowledged="false")
    return Request("GET /flags?urgent", "GET", path)


#: Each role's mix of requests, weighted. Counsellors and clinicians write notes and book;
#: intake workers find people and check capacity; the manager watches the centre.
WORKLOAD: dict[str, list[tuple[Op, int]]] = {
    "counsellor": [
        (clients_list, 4), (clients_search, 8), (client_get, 14), (case_get, 14),
        (cases_list, 8), (waitlist, 3), (beds, 3), (sessions_week, 12), (book, 5),
        (note, 8), (follow_ups, 8), (urgent_flags, 7),
    ],
    "clinician": [
        (clients_list, 3), (clients_search, 8), (client_get, 12), (case_get, 14),
        (cases_list, 10), (waitlist, 8), (beds, 8), (sessions_week, 8), (book, 4),
        (note, 8), (follow_ups, 5), (urgent_flags, 10),
    ],
    "intake": [
        (clients_list, 10), (clients_search, 25), (client_get, 20), (case_get, 8),
        (cases_list, 8), (waitlist, 12), (beds, 12), (urgent_flags, 5),
    ],
    "manager": [
        (caseload_report, 15), (cases_list, 12), (case_get, 10), (client_get, 8),
        (clients_search, 8), (waitlist, 10), (beds, 10), (sessions_week, 10),
        (follow_ups, 10), (urgent_flags, 7),
    ],
}  # fmt: skip

#: Table order.
LABELS = [
    "GET /clients",
    "GET /clients?q=",
    "GET /clients/{id}",
    "GET /cases",
    "GET /cases/{id}",
    "GET /waitlist",
    "GET /beds",
    "GET /sessions?from=&to=",
    "POST /sessions",
    "POST /cases/{id}/notes",
    "GET /follow-ups",
    "GET /reports/caseload",
    "GET /flags?urgent",
]
