"""Factories for test data and an API client that sends a bearer token."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from auth.models import CaseloadMembership, CredentialKind, MembershipKind, Role, User
from auth.passwords import hash_password
from auth.service import issue_credential
from cases.episodes.models import Bed, Case
from core.extensions import db
from intake.assessments.models import Assessment, AssessmentStatus
from intake.clients.models import Client
from scheduling.sessions.models import (
    SessionParticipant,
    SessionStatus,
    SessionType,
    TherapySession,
)

_seq = itertools.count(1)
DEFAULT_PASSWORD = "correct-battery-staple-9"
#: what a list answers when nothing matches.
EMPTY_PAGE = {"items": [], "page": 1, "per_page": 50, "total": 0, "total_is_lower_bound": False}


def make_user(role: str, *, password: str = DEFAULT_PASSWORD, **kw: Any) -> int:
    """Create a staff user (inside an app context) and return its id."""
    n = next(_seq)
    user = User(
        email=kw.pop("email", f"{role}{n}@test.centre"),
        name=kw.pop("name", f"{role.title()} Tester {n}"),
        role=Role(role),
        password_hash=hash_password(password),
        **kw,
    )
    db.session.add(user)
    db.session.flush()
    return user.id


def token_for(user_id: int, kind: CredentialKind = CredentialKind.BEARER) -> str:
    return issue_credential(db.session.get(User, user_id), kind).secret


def make_client(**kw: Any) -> int:
    """Register a client directly (inside an app context) and return its id."""
    n = next(_seq)
    client = Client(
        first_name=kw.pop("first_name", f"Test{n}"),
        last_name=kw.pop("last_name", "Client"),
        date_of_birth=kw.pop("date_of_birth", date(1980, 1, 1 + n % 28)),
        mrn=f"T{n:08d}",
        **kw,
    )
    db.session.add(client)
    db.session.flush()
    return client.id


def add_to_caseload(staff_id: int, client_id: int, case_id: int | None = None) -> None:
    db.session.add(
        CaseloadMembership(
            staff_id=staff_id, client_id=client_id, case_id=case_id, kind=MembershipKind.PRIMARY
        )
    )
    db.session.flush()


@dataclass
class ApiClient:
    """A test client that authenticates every request with a bearer token."""

    http: FlaskClient
    token: str
    user_id: int

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, url: str, **kw: Any) -> TestResponse:
        return self.http.get(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, url: str, json: Any = None, **kw: Any) -> TestResponse:
        return self.http.post(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def patch(self, url: str, json: Any = None, **kw: Any) -> TestResponse:
        return self.http.patch(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def put(self, url: str, json: Any = None, **kw: Any) -> TestResponse:
        return self.http.put(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def delete(self, url: str, **kw: Any) -> TestResponse:
        return self.http.delete(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def sign_in_again(self) -> None:
        """A fresh token for the same user, after the clock moved past the old one's life."""
        with self.http.application.app_context():
            self.token = token_for(self.user_id)
            db.session.commit()


def make_submitted_assessment(
    client_id: int, *, recommended_level: str = "1", urgent: bool = False, **kw: Any
) -> int:
    """A submitted assessment with the given recommendation (placement tests start here)."""

    assessment = Assessment(
        client_id=client_id,
        assessed_on=kw.pop("assessed_on", date(2026, 11, 1)),
        status=AssessmentStatus.SUBMITTED,
        use_disorder=kw.pop("use_disorder", True),
        physical_dependence=kw.pop("physical_dependence", True),
        recommended_level=recommended_level,
        requires_urgent_review=urgent,
        results={"recommendation": {"level": recommended_level}},
        rule_version="test",
        **kw,
    )
    db.session.add(assessment)
    db.session.flush()
    return assessment.id


def make_bed(unit: str = "North", room: str = "1", label: str | None = None) -> int:
    bed = Bed(unit=unit, room=room, label=label or f"B{next(_seq)}")
    db.session.add(bed)
    db.session.flush()
    return bed.id


def make_case(counsellor_id: int, *, level: str = "1", status: str = "active") -> int:
    """An open outpatient case (client, submitted assessment, caseload membership)."""
    client_id = make_client()
    assessment_id = make_submitted_assessment(client_id, recommended_level=level)
    case = Case(
        client_id=client_id,
        assessment_id=assessment_id,
        level=level,
        setting="outpatient",
        status=status,
        recommended_level=level,
        primary_counsellor_id=counsellor_id,
    )
    db.session.add(case)
    db.session.flush()
    add_to_caseload(counsellor_id, client_id, case.id)
    return case.id


# --- opening cases through the API ------------------------------------------------------------


def post_case(
    clinician: ApiClient, client_id: int, assessment_id: int, level: str, counsellor_id: int
) -> dict[str, Any]:
    """Place the client at `level` with `counsellor_id` as primary counsellor (POST
    /api/v1/cases, which must answer 201): the case's JSON."""
    response = clinician.post(
        "/api/v1/cases",
        json={
            "client_id": client_id,
            "assessment_id": assessment_id,
            "level": level,
            "primary_counsellor_id": counsellor_id,
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def submit_assessment_via_api(
    intake: ApiClient, client_id: int, sections: dict[str, Any]
) -> dict[str, Any]:
    """Start an assessment, fill in `sections` (with If-Match) and submit it, all through the
    API: the submitted assessment's JSON (its results hold the recommendation)."""
    draft = intake.post(f"/api/v1/clients/{client_id}/assessments", json={})
    assert draft.status_code == 201, draft.get_json()
    assessment_id = draft.get_json()["id"]
    filled = intake.patch(
        f"/api/v1/assessments/{assessment_id}",
        json=sections,
        headers={"If-Match": draft.headers["ETag"]},
    )
    assert filled.status_code == 200, filled.get_json()
    submitted = intake.post(f"/api/v1/assessments/{assessment_id}/submit")
    assert submitted.status_code == 200, submitted.get_json()
    return submitted.get_json()


def open_new_case(
    app: Flask,
    clinician: ApiClient,
    counsellor_id: int,
    *,
    level: str = "1",
    client: dict[str, Any] | None = None,
    **assessment: Any,
) -> dict[str, Any]:
    """A new client (`client`: make_client's keyword arguments) with a submitted assessment
    recommending `level` (`assessment`: make_submitted_assessment's), both made directly, then
    placed at that level through the API with `counsellor_id` as primary counsellor: the
    case's JSON."""
    with app.app_context():
        client_id = make_client(**(client or {}))
        assessment_id = make_submitted_assessment(client_id, recommended_level=level, **assessment)
        db.session.commit()
    return post_case(clinician, client_id, assessment_id, level, counsellor_id)


def open_assessed_case(
    app: Flask,
    login_as: Callable[..., ApiClient],
    clinician: ApiClient,
    counsellor_id: int,
    sections: dict[str, Any],
    **client: Any,
) -> dict[str, int]:
    """A new client (`client`: make_client's keyword arguments) assessed through the API with
    `sections` by a new intake worker, then placed at the recommended level with
    `counsellor_id` as primary counsellor: {"id", "client_id", "assessment_id"}."""
    with app.app_context():
        client_id = make_client(**client)
        db.session.commit()
    assessment = submit_assessment_via_api(login_as("intake"), client_id, sections)
    level = assessment["results"]["recommendation"]["level"]
    case = post_case(clinician, client_id, assessment["id"], level, counsellor_id)
    return {"id": case["id"], "client_id": client_id, "assessment_id": assessment["id"]}


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run while the block runs (to pin query counts)."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def make_group_session(
    facilitator: int,
    starts: datetime,
    participants: Any = (),
    *,
    status: SessionStatus = SessionStatus.SCHEDULED,
) -> TherapySession:
    """A group session of an hour, its participants `(case_id, attendance)` booked."""
    s = TherapySession(
        type=SessionType.GROUP,
        facilitator_id=facilitator,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        capacity=8,
        status=status,
    )
    db.session.add(s)
    db.session.flush()
    for case_id, attendance in participants:
        case = db.session.get(Case, case_id)
        db.session.add(
            SessionParticipant(
                session_id=s.id,
                case_id=case_id,
                client_id=case.client_id,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                attendance=attendance,
            )
        )
    return s
