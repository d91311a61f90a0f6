"""Every session write route, role and caseload, against API.md "Who may change a session".

The counsellor acting is A; "own" targets A's cases (or a session A facilitates that books
only A's cases), "other" targets counsellor B's (a case of B's, or a session of B's that A
cannot see), and "shared" a session A facilitates that also books one of B's cases.
Clinicians may do everything; intake, manager and admin nothing (403 before parsing). A
denial for another caseload must be indistinguishable from a reference to a record that
does not exist: the same request with a missing id answers the same status and body, and
nothing changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.extensions import db
from tests.factories import make_case, make_user
from tests.scheduling.conftest import MISSING_CASE, NEXT_MONDAY, book, booked_id

ROLES = ("intake", "counsellor", "clinician", "manager", "admin")
MISSING_SESSION = 876543
OK, FORBIDDEN, UNSEEN = "ok", "forbidden", "unseen"

#: (route, caseload) → what a counsellor gets (a clinician always succeeds).
COUNSELLOR_GETS: dict[tuple[str, str], str] = {
    ("book", "own"): OK,
    ("book", "other"): UNSEEN,
    ("update", "own"): OK,
    ("update", "other"): UNSEEN,
    ("update", "shared"): FORBIDDEN,
    ("add_participant", "own"): OK,
    ("add_participant", "other"): UNSEEN,
    ("withdraw", "own"): OK,
    ("withdraw", "other"): UNSEEN,
    ("attendance", "own"): OK,
    ("attendance", "other"): UNSEEN,
    ("cancel", "own"): OK,
    ("cancel", "other"): UNSEEN,
    ("cancel", "shared"): FORBIDDEN,
}
SUCCESS = {"book": 201}


@dataclass
class World:
    counsellor: int  #: A
    cases: dict[str, int]  #: a1, a2 (A's), b1, b2 (B's)
    sessions: dict[str, int]  #: group, started, own, other, shared


@pytest.fixture
def world(app, login_as) -> World:
    with app.app_context():
        a, b = make_user("counsellor"), make_user("counsellor")
        cases = {"a1": make_case(a), "a2": make_case(a), "b1": make_case(b), "b2": make_case(b)}
        db.session.commit()
    clinician = login_as("clinician")
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    both = [cases["a1"], cases["b1"]]
    at = {h: NEXT_MONDAY.replace(hour=h) for h in (10, 12, 14)}
    group = {"type": "group", "capacity": 10}
    sessions = {
        "group": booked_id(book(clinician, clinician.user_id, both, start=at[10], **group)),
        "started": booked_id(book(clinician, clinician.user_id, both, start=started, **group)),
        "own": booked_id(book(clinician, a, [cases["a1"]], start=at[12])),
        "other": booked_id(book(clinician, b, [cases["b1"]], start=at[12])),
        "shared": booked_id(book(clinician, a, both, start=at[14], **group)),
    }
    return World(a, cases, sessions)


def request_for(route: str, caseload: str, world: World, missing: bool = False) -> tuple:
    """(method, url, body) of the probe; `missing` swaps the other caseload's id for one
    that does not exist."""
    c, s = world.cases, world.sessions
    case = MISSING_CASE if missing else c["a2" if caseload == "own" else "b2"]
    booked = MISSING_CASE if missing else c["a1" if caseload == "own" else "b1"]
    target = MISSING_SESSION if missing else s[caseload]
    if route == "book":
        start = NEXT_MONDAY.replace(hour=16)
        body = {"type": "cbt", "facilitator_id": world.counsellor, "case_ids": [case]}
        body |= {
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
        }
        return "POST", "/api/v1/sessions", body
    if route == "update":
        return "PATCH", f"/api/v1/sessions/{target}", {"title": "Renamed"}
    if route == "cancel":
        return "POST", f"/api/v1/sessions/{target}/cancel", {"reason": "Probe"}
    if route == "add_participant":
        return "POST", f"/api/v1/sessions/{s['group']}/participants", {"case_id": case}
    if route == "withdraw":
        return "POST", f"/api/v1/sessions/{s['group']}/participants/{booked}/withdraw", {}
    records = [{"case_id": booked, "status": "attended"}]
    return "POST", f"/api/v1/sessions/{s['started']}/attendance", {"records": records}


def send(api: Any, probe: tuple, etag: str) -> Any:
    method, url, body = probe
    headers = {"Authorization": f"Bearer {api.token}", "If-Match": etag}
    return api.http.open(url, method=method, json=body, headers=headers)


def etag_of(login_as, probe: tuple) -> str:
    """The target's current ETag as a clinician reads it (the same for every reader)."""
    url = probe[1].removesuffix("/cancel")
    response = login_as("clinician").get(url) if probe[0] == "PATCH" else None
    return response.headers["ETag"] if response and response.status_code == 200 else '"none"'


def snapshot(app, login_as) -> list[Any]:
    """Every session as a clinician sees it: what a denied write must leave unchanged."""
    return (
        login_as("clinician")
        .get("/api/v1/sessions", query_string={"per_page": 200})
        .get_json()["items"]
    )


def expected(role: str, route: str, caseload: str) -> str:
    if role == "clinician":
        return OK
    if role == "counsellor":
        return COUNSELLOR_GETS[(route, caseload)]
    return "role"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("route", "caseload"), list(COUNSELLOR_GETS))
def test_session_write_access(app, login_as, world, role, route, caseload):
    actor = login_as(role, user_id=world.counsellor if role == "counsellor" else None)
    probe = request_for(route, caseload, world)
    etag = etag_of(login_as, probe)
    before = snapshot(app, login_as)
    response = send(actor, probe, etag)
    outcome = expected(role, route, caseload)
    if outcome == OK:
        assert response.status_code == SUCCESS.get(route, 200), response.get_json()
        return
    if outcome in ("role", FORBIDDEN):
        assert response.status_code == 403, response.get_json()
    else:
        twin = send(actor, request_for(route, caseload, world, missing=True), etag)
        assert response.status_code == twin.status_code, (response.get_json(), twin.get_json())
        assert response.status_code in (404, 422)
        assert response.get_json() == twin.get_json()
    assert snapshot(app, login_as) == before
