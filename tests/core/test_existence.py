"""Hidden equals missing (API.md Corrections, "Existence"): for every kind of client record a
counsellor can name in a path or a filter, an id on another caseload and an id that does not
exist get the same status and the same JSON body, after the same number of SQL statements
(the caseload check is part of the query that loads the record, so neither the answer nor
its cost tells the two apart)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core.extensions import db
from tests.factories import make_client, make_submitted_assessment, statements

MISSING = 2_000_000
NOW = datetime.now(UTC)
TREATMENT_PLAN = {
    "problems": [
        {
            "description": "Sleep",
            "goals": [
                {
                    "description": "Six hours a night",
                    "target_date": "2027-01-31",
                    "review_date": "2027-01-15",
                    "interventions": [{"type": "holistic"}],
                }
            ],
        }
    ]
}
AFTERCARE_PLAN = {"goals": ["Stay well"], "status": "draft"}
TAPER = {
    "medication": "lorazepam",
    "current_daily_dose_mg": 2,
    "switch_to_diazepam": False,
    "start_date": "2026-03-02",
}
ANY = {"If-Match": '"any-v1"'}  # checked only after the record is found

#: (what, method, url, body, headers): every route of a client record a counsellor may call.
ROUTES: list[tuple[str, str, str, Any, dict[str, str] | None]] = [
    ("client", "get", "/clients/{client}", None, None),
    ("client assessments", "get", "/clients/{client}/assessments", None, None),
    ("client flags", "get", "/clients/{client}/flags", None, None),
    ("edit client", "patch", "/clients/{client}", {"phone": "555"}, ANY),
    ("start assessment", "post", "/clients/{client}/assessments", {}, None),
    (
        "raise flag",
        "post",
        "/clients/{client}/flags",
        {"type": "self_harm", "severity": "warning", "note": "n"},
        None,
    ),
    ("assessment", "get", "/assessments/{assessment}", None, None),
    ("edit assessment", "patch", "/assessments/{assessment}", {}, ANY),
    ("submit assessment", "post", "/assessments/{assessment}/submit", None, None),
    ("flag", "get", "/flags/{flag}", None, None),
    ("acknowledge flag", "post", "/flags/{flag}/acknowledge", None, None),
    ("case", "get", "/cases/{case}", None, None),
    ("notes", "get", "/cases/{case}/notes", None, None),
    (
        "write note",
        "post",
        "/cases/{case}/notes",
        {"kind": "progress", "body": {"text": "x"}},
        None,
    ),
    ("note", "get", "/notes/{note}", None, None),
    ("edit note", "patch", "/notes/{note}", {"body": {"text": "y"}}, ANY),
    ("sign note", "post", "/notes/{note}/sign", None, None),
    ("addendum", "post", "/notes/{note}/addenda", {"text": "z"}, None),
    ("taper plans", "get", "/cases/{case}/taper-plans", None, None),
    ("taper plan", "get", "/taper-plans/{plan}", None, None),
    ("withdrawal scores", "get", "/cases/{case}/withdrawal-scores", None, None),
    ("treatment plan", "get", "/cases/{case}/treatment-plan", None, None),
    ("treatment plan versions", "get", "/cases/{case}/treatment-plan/versions", None, None),
    ("save treatment plan", "put", "/cases/{case}/treatment-plan", TREATMENT_PLAN, ANY),
    ("aftercare plan", "get", "/cases/{case}/aftercare-plan", None, None),
    ("aftercare plan versions", "get", "/cases/{case}/aftercare-plan/versions", None, None),
    ("save aftercare plan", "put", "/cases/{case}/aftercare-plan", AFTERCARE_PLAN, ANY),
    ("follow-up", "get", "/follow-ups/{follow_up}", None, None),
    ("attendance", "get", "/cases/{case}/attendance", None, None),
    # filters: a hidden id filters to nothing, exactly like a missing one
    ("cases of client", "get", "/cases?client_id={client}", None, None),
    ("follow-ups of case", "get", "/follow-ups?case_id={case}", None, None),
    ("follow-ups of client", "get", "/follow-ups?client_id={client}", None, None),
    ("sessions of case", "get", "/sessions?case_id={case}", None, None),
]


def _created(response, what):
    assert response.status_code in (200, 201), (what, response.get_json())
    return response.get_json()


def _hidden_case(app, clinician, owner_id) -> dict[str, int]:
    """A client on `owner_id`'s caseload with an assessment draft, a flag and an open case
    carrying a note, a taper plan, a withdrawal score and treatment and aftercare plans."""
    with app.app_context():
        client_id = make_client()
        assessment_id = make_submitted_assessment(client_id, recommended_level="1")
        db.session.commit()
    placement = {
        "client_id": client_id,
        "assessment_id": assessment_id,
        "level": "1",
        "primary_counsellor_id": owner_id,
    }
    case_id = _created(clinician.post("/api/v1/cases", json=placement), "case")["id"]
    base = f"/api/v1/cases/{case_id}"
    flag = {"type": "self_harm", "severity": "urgent", "note": "n"}
    score = {"instrument": "ciwa_b", "items": [1] * 10 + [0] * 10, "observed_at": NOW.isoformat()}
    note = {"kind": "progress", "body": {"text": "Seen"}}
    made = {
        "client": client_id,
        "case": case_id,
        "assessment": _created(
            clinician.post(f"/api/v1/clients/{client_id}/assessments", json={}), "assessment"
        )["id"],
        "flag": _created(clinician.post(f"/api/v1/clients/{client_id}/flags", json=flag), "flag")[
            "id"
        ],
        "note": _created(clinician.post(f"{base}/notes", json=note), "note")["id"],
        "plan": _created(clinician.post(f"{base}/taper-plans", json=TAPER), "taper")["id"],
    }
    _created(clinician.post(f"{base}/withdrawal-scores", json=score), "withdrawal score")
    _created(clinician.put(f"{base}/treatment-plan", json=TREATMENT_PLAN), "treatment plan")
    _created(clinician.put(f"{base}/aftercare-plan", json=AFTERCARE_PLAN), "aftercare plan")
    return made


def _hidden_follow_up(app, clinician, owner_id) -> int:
    with app.app_context():
        client_id = make_client()
        assessment_id = make_submitted_assessment(client_id, recommended_level="1")
        db.session.commit()
    placement = {
        "client_id": client_id,
        "assessment_id": assessment_id,
        "level": "1",
        "primary_counsellor_id": owner_id,
    }
    case_id = _created(clinician.post("/api/v1/cases", json=placement), "case")["id"]
    discharge = {"reason": "transferred", "date": NOW.date().isoformat(), "summary": "Moved"}
    discharged = _created(
        clinician.post(f"/api/v1/cases/{case_id}/discharge", json=discharge), "discharge"
    )
    return discharged["follow_ups"][0]["id"]


@pytest.fixture
def hidden(app, login_as) -> tuple[Any, dict[str, int]]:
    """A counsellor (the caller) and the ids of records on another counsellor's caseload."""
    clinician = login_as("clinician")
    owner = login_as("counsellor")
    caller = login_as("counsellor")
    ids = _hidden_case(app, clinician, owner.user_id)
    ids["follow_up"] = _hidden_follow_up(app, clinician, owner.user_id)
    assert caller.get("/api/v1/auth/me").status_code == 200  # warm: first-use bookkeeping
    return caller, ids


def _answer(app, caller, method, url, body, headers):
    with statements(app) as seen:
        response = getattr(caller, method)(f"/api/v1{url}", json=body, headers=headers)
    return response.status_code, response.get_json(), len(seen)


@pytest.mark.parametrize(
    ("method", "template", "body", "headers"),
    [pytest.param(*route[1:], id=route[0]) for route in ROUTES],
)
def test_hidden_record_answers_and_costs_like_a_missing_one(
    app, hidden, method, template, body, headers
):
    caller, ids = hidden
    hidden_url = template.format(**ids)
    missing_url = template.format(**dict.fromkeys(ids, MISSING))
    status, answer, cost = _answer(app, caller, method, hidden_url, body, headers)
    missing = _answer(app, caller, method, missing_url, body, headers)
    assert (status, answer) == missing[:2]
    assert cost == missing[2], f"{cost} statements for a hidden id, {missing[2]} for a missing one"
    if "?" in template:
        assert status == 200 and answer["items"] == [] and answer["total"] == 0
    else:
        assert status == 404 and set(answer) == {"code", "status", "message"}
        assert answer["message"].startswith("No such ")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/clients/{client}", "No such client."),
        ("/assessments/{assessment}", "No such assessment."),
        ("/flags/{flag}", "No such flag."),
        ("/flags/{flag}/acknowledge", "No such flag."),
        ("/cases/{case}", "No such case."),
        ("/notes/{note}", "No such note."),
        ("/taper-plans/{plan}", "No such taper plan."),
        ("/cases/{case}/withdrawal-scores", "No such case."),
    ],
)
def test_a_hidden_record_is_named_by_its_own_kind(app, hidden, url, message):
    caller, ids = hidden
    method = "post" if url.endswith("acknowledge") else "get"
    status, answer, _ = _answer(app, caller, method, url.format(**ids), None, None)
    assert (status, answer["message"]) == (404, message)


def test_statement_counts_are_pinned(app, hidden):
    """One statement loads the credential and the record with its caseload check
    (`auth.credentials.reads_record`): a hidden assessment, flag or client costs exactly
    what a missing one does, and no more than a case does."""
    caller, ids = hidden
    costs = {
        kind: _answer(app, caller, "get", url.format(**ids), None, None)[2]
        for kind, url in {
            "client": "/clients/{client}",
            "assessment": "/assessments/{assessment}",
            "flag": "/flags/{flag}",
            "case": "/cases/{case}",
        }.items()
    }
    # Requests by id name the record in the path; the failed-request audit looks up its
    # client (one more statement) except for a client, named by its own id.
    assert costs["assessment"] == costs["flag"] == costs["case"] == costs["client"] + 1
