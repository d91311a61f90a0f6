"""Audit details carry no clinical content (API.md "Corrections to version 1"): ids, action,
outcome and field names, never a flag type, severity, score, band, drug or outcome. The rule
is enforced centrally in `core.audit` (`sanitise_detail`), whatever a domain passes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from core import audit
from core.audit import AuditEvent, sanitise_detail
from core.extensions import db
from intake.instruments.dsm5 import DSM5_CRITERIA
from tests.factories import make_client

#: values the scenario below writes into clinical records (field names such as `band` or
#: `severity` may appear: they say what changed, not what it is).
CLINICAL = (
    "suicide",
    "urgent",
    "warning",
    "severe",
    "moderate",
    "alprazolam",
    "diazepam",
    "depression",
    "relapse",
    "against_advice",
    "ciwa",
    "phq",
)
#: the only keys whose values may be integers.
INT_KEYS = ("page", "per_page", "version")
DIMENSIONS = (
    *("withdrawal", "biomedical", "emotional_behavioural"),
    *("readiness", "relapse_potential", "recovery_environment"),
)


# --- the sanitiser ----------------------------------------------------------------------------


FILTERS = {"client_id": 5, "from_": "2026-01-01T00:00:00+00:00", "page": 1, "per_page": 50}


@pytest.mark.parametrize(
    ("detail", "stored"),
    [
        ({"type": "suicide_risk", "severity": "urgent"}, {"fields": ["severity", "type"]}),
        ({"outcome": "relapse", "follow_up_id": 7}, {"follow_up_id": 7, "fields": ["outcome"]}),
        ({"fields": ["b", "a"], "level": "3.7"}, {"fields": ["a", "b", "level"]}),
        ({"case_ids": [1, 2], "session_count": 3}, {"case_ids": [1, 2], "session_count": 3}),
        (
            {"score": 27, "band": "severe", "kind": "progress"},
            {"kind": "progress", "fields": ["band", "score"]},
        ),
        (
            {"view_args": {"case_id": 4, "instrument": "cows"}},
            {"view_args": {"case_id": 4, "fields": ["instrument"]}},
        ),
        ({"filters": FILTERS}, {"filters": FILTERS}),
        (
            {"as_of": "2026-12-01", "email": "a@b.c", "duplicate_override": True},
            {"as_of": "2026-12-01", "email": "a@b.c", "duplicate_override": True},
        ),
        ({"version": 2, "status": "agreed"}, {"version": 2, "fields": ["status"]}),
        ({"case_id": "12", "kind": "Not A Name!"}, {"fields": ["case_id", "kind"]}),
        ({"as_of": "severe", "to": 3}, {"fields": ["as_of", "to"]}),
        ({"Suicide Risk": True, "fields": ["ok", "no spaces!"]}, {"fields": ["ok"]}),
        ({}, None),
        (None, None),
    ],
)
def test_sanitise_detail_keeps_ids_and_metadata_and_names_the_rest(detail, stored):
    assert sanitise_detail(detail) == stored


def test_record_and_record_many_store_the_sanitised_detail(app):
    with app.app_context():
        one = audit.record("flag.raise", actor=None, detail={"type": "suicide_risk", "flag_id": 3})
        audit.record_many(
            "x.list",
            actor=type("A", (), {"id": 1, "email": "a@b.c"})(),
            record_type="x",
            rows=[(1, None), (2, None)],
            detail={"band": "severe"},
        )
        db.session.flush()
        many = db.session.execute(
            sa.select(AuditEvent.detail).where(AuditEvent.action == "x.list")
        ).scalars()
        assert one.detail == {"flag_id": 3, "fields": ["type"]}
        assert list(many) == [{"fields": ["band"]}, {"fields": ["band"]}]


# --- a clinical scenario through the API ------------------------------------------------------


def ok(response, *status: int):
    assert response.status_code in (status or (200,)), response.get_json()
    return response.get_json()


def assess(intake, client_id):
    """An assessment on alprazolam with a PHQ-9 that raises depression and suicide flags."""
    draft = intake.post(f"/api/v1/clients/{client_id}/assessments", json={})
    body = {
        "substances": [
            {
                "substance": "alprazolam",
                "category": "benzodiazepine",
                "daily_dose_mg": 2,
                "prescribed": True,
                "taken_as_prescribed": True,
            }
        ],
        "dsm5": {
            "primary_substance": "alprazolam",
            "medically_supervised": True,
            "criteria": {**dict.fromkeys(DSM5_CRITERIA, False), "withdrawal": True},
        },
        "screenings": {"phq9": [3] * 9},
        "dimensions": {key: {"rating": 2} for key in DIMENSIONS},
    }
    aid = ok(draft, 201)["id"]
    ok(
        intake.patch(
            f"/api/v1/assessments/{aid}", json=body, headers={"If-Match": draft.headers["ETag"]}
        )
    )
    return ok(intake.post(f"/api/v1/assessments/{aid}/submit"))


def medication(clinician, case_id):
    today = datetime.now(UTC).date().isoformat()
    plan = clinician.post(
        f"/api/v1/cases/{case_id}/taper-plans",
        json={
            "medication": "alprazolam",
            "current_daily_dose_mg": 2,
            "switch_to_diazepam": True,
            "start_date": today,
        },
    )
    plan = ok(plan, 201)
    ok(
        clinician.post(
            f"/api/v1/taper-plans/{plan['id']}/approve",
            json={"approval_note": "Agreed with prescriber."},
        )
    )
    scores = {
        "instrument": "ciwa_b",
        "items": [3] * 15 + [0] * 5,
        "observed_at": datetime.now(UTC).isoformat(),
    }
    ok(clinician.post(f"/api/v1/cases/{case_id}/withdrawal-scores", json=scores), 201)
    ok(clinician.get(f"/api/v1/cases/{case_id}/withdrawal-scores"))


def flags(clinician, client_id):
    flag = ok(
        clinician.post(
            f"/api/v1/clients/{client_id}/flags",
            json={"type": "suicide_risk", "severity": "urgent", "note": "Said so at intake."},
        ),
        200,  # the PHQ-9 already raised it: escalated, not duplicated
        201,
    )
    ok(clinician.post(f"/api/v1/flags/{flag['id']}/acknowledge"))
    ok(clinician.post(f"/api/v1/flags/{flag['id']}/resolve", json={"reason": "Reviewed."}))
    ok(clinician.get("/api/v1/flags", query_string={"severity": "urgent"}))


def aftercare(clinician, counsellor, case_id):
    today = datetime.now(UTC).date().isoformat()
    body = {"reason": "against_advice", "date": today, "summary": "Left."}
    ok(clinician.post(f"/api/v1/cases/{case_id}/discharge", json=body))
    follow_ups = ok(counsellor.get("/api/v1/follow-ups", query_string={"case_id": case_id}))
    first = follow_ups["items"][0]["id"]
    body = {"contacted_at": datetime.now(UTC).isoformat(), "outcome": "relapse", "notes": "Using."}
    ok(clinician.post(f"/api/v1/follow-ups/{first}/complete", json=body))


def walk(value: Any, key: str = ""):
    """(key, value) for every scalar inside a detail."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v, key)
    else:
        yield key, value


def test_no_audit_detail_carries_clinical_content(app, login_as):
    intake, clinician, counsellor = (
        login_as("intake"),
        login_as("clinician"),
        login_as("counsellor"),
    )
    with app.app_context():
        client_id = make_client()
        db.session.commit()
    assessment = assess(intake, client_id)
    case = clinician.post(
        "/api/v1/cases",
        json={
            "client_id": client_id,
            "assessment_id": assessment["id"],
            "level": assessment["results"]["recommendation"]["level"],
            "primary_counsellor_id": counsellor.user_id,
        },
    )
    case_id = ok(case, 201)["id"]
    medication(clinician, case_id)
    flags(clinician, client_id)
    aftercare(clinician, counsellor, case_id)
    ok(login_as("manager").get("/api/v1/audit-events", query_string={"client_id": client_id}))

    with app.app_context():
        details = db.session.execute(sa.select(AuditEvent.action, AuditEvent.detail)).all()
    details = [(action, detail) for action, detail in details if detail]
    actions = {action for action, _ in details}
    assert {"flag.raise", "follow_up.complete", "case.discharge"} <= actions, actions
    text = json.dumps([detail for _, detail in details]).lower()
    for word in CLINICAL:
        assert word not in text, (word, text)
    for _, detail in details:
        for key, value in walk(detail):
            if isinstance(value, int | float) and not isinstance(value, bool):
                assert key.endswith(("_id", "_ids", "_count")) or key in INT_KEYS, (key, detail)
