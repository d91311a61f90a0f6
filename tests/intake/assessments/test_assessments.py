"""Intake assessment API: draft → submit, results, flags, dual diagnosis, caseload scope."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.extensions import db
from intake.assessments.models import Assessment
from intake.assessments.rule_set import RULE_VERSION
from intake.flags.models import Flag
from intake.instruments.dsm5 import DSM5_CRITERIA
from tests.factories import add_to_caseload, make_client

NO_CRITERIA = dict.fromkeys(DSM5_CRITERIA, False)
CALM = {
    key: {"rating": 1}
    for key in (
        "withdrawal",
        "biomedical",
        "emotional_behavioural",
        "readiness",
        "relapse_potential",
        "recovery_environment",
    )
}
LORAZEPAM = {
    "substance": "lorazepam",
    "category": "benzodiazepine",
    "daily_dose_mg": 2,
    "prescribed": True,
    "taken_as_prescribed": True,
    "duration_months": 30,
}


def prescribed_lorazepam_sections():
    """The issue's worked example: dependent on prescribed lorazepam, not addicted."""
    return {
        "substances": [LORAZEPAM],
        "dsm5": {
            "primary_substance": "lorazepam",
            "medically_supervised": True,
            "criteria": {**NO_CRITERIA, "tolerance": True, "withdrawal": True},
        },
        "screenings": {
            "phq9": [2, 2, 1, 1, 2, 1, 2, 1, 0],
            "pc_ptsd5": {"trauma_exposure": True, "items": [True, True, True, False, False]},
        },
        "withdrawal_history": {"seizures": False, "delirium": False},
        "dimensions": CALM,
        "goals": {
            "ideas": "Come off slowly",
            "concerns": "Sleep",
            "expectations": "Support",
            "what_health_looks_like": "Working again",
        },
    }


@pytest.fixture
def client_id(app):
    with app.app_context():
        cid = make_client(sex="female")
        db.session.commit()
    return cid


def start(api, client_id, **body):
    return api.post(f"/api/v1/clients/{client_id}/assessments", json=body)


def fill(api, assessment, sections):
    return api.patch(
        f"/api/v1/assessments/{assessment.get_json()['id']}",
        json=sections,
        headers={"If-Match": assessment.headers["ETag"]},
    )


def submit(api, assessment_id):
    return api.post(f"/api/v1/assessments/{assessment_id}/submit")


def test_worked_example_dependence_without_addiction(intake, client_id):
    draft = start(intake, client_id, assessed_on="2026-11-20")
    assert draft.status_code == 201 and draft.get_json()["status"] == "draft"
    filled = fill(intake, draft, prescribed_lorazepam_sections())
    assert filled.status_code == 200, filled.get_json()
    response = submit(intake, draft.get_json()["id"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    results = body["results"]
    assert body["status"] == "submitted"
    assert results["rule_version"] == RULE_VERSION
    assert results["sud"]["physical_dependence"] is True
    assert results["sud"]["use_disorder"] is False
    assert sorted(results["sud"]["not_counted"]) == ["tolerance", "withdrawal"]
    assert results["diazepam_equivalent_mg_per_day"] == 20
    assert results["equivalence_table"] == "ashton"
    assert results["screenings"]["phq9"]["score"] == 12
    assert {f["type"] for f in results["flags"]} == {"depression", "ptsd"}
    recommendation = results["recommendation"]
    assert recommendation["level"] == "1" and recommendation["setting"] == "outpatient"
    assert recommendation["rationale"] and all(
        isinstance(s, str) for s in recommendation["rationale"]
    )
    client = intake.get(f"/api/v1/clients/{client_id}").get_json()
    assert client["dual_diagnosis"] is True
    assert {f["type"] for f in client["active_flags"]} == {"depression", "ptsd"}


def test_submitted_assessment_is_frozen(intake, client_id):
    draft = start(intake, client_id)
    filled = fill(intake, draft, prescribed_lorazepam_sections())
    submitted = submit(intake, draft.get_json()["id"])
    again = intake.patch(
        f"/api/v1/assessments/{draft.get_json()['id']}",
        json={"goals": {"ideas": "x"}},
        headers={"If-Match": submitted.headers["ETag"]},
    )
    assert again.status_code == 409
    assert submit(intake, draft.get_json()["id"]).status_code == 409
    assert (
        filled.headers["ETag"]
        != intake.get(f"/api/v1/assessments/{draft.get_json()['id']}").headers["ETag"]
    )


def test_submit_incomplete_names_every_missing_section(intake, client_id):
    draft = start(intake, client_id)
    response = submit(intake, draft.get_json()["id"])
    assert response.status_code == 422
    assert set(response.get_json()["missing"]) == {"substances", "dsm5", "dimensions"}


def test_submit_needs_dose_for_current_benzodiazepine(app, intake, client_id):
    sections = prescribed_lorazepam_sections()
    sections["substances"] = [{**LORAZEPAM, "daily_dose_mg": None}]
    draft = start(intake, client_id)
    fill(intake, draft, sections)
    response = submit(intake, draft.get_json()["id"])
    assert response.status_code == 422
    assert "substances.0.daily_dose_mg" in response.get_json()["errors"]["json"]
    with app.app_context():
        assert db.session.get(Assessment, draft.get_json()["id"]).status.value == "draft"
        assert (
            db.session.execute(sa.select(Flag).where(Flag.client_id == client_id)).first() is None
        )


def test_supervision_needs_prescribed_and_taken_as_prescribed(intake, client_id):
    sections = prescribed_lorazepam_sections()
    sections["substances"] = [{**LORAZEPAM, "taken_as_prescribed": False}]
    draft = start(intake, client_id)
    fill(intake, draft, sections)
    response = submit(intake, draft.get_json()["id"])
    assert response.status_code == 422
    assert "dsm5.medically_supervised" in response.get_json()["errors"]["json"]


def test_unsupervised_tolerance_and_withdrawal_is_mild_use_disorder(intake, client_id):
    sections = prescribed_lorazepam_sections()
    sections["dsm5"]["medically_supervised"] = False
    draft = start(intake, client_id)
    fill(intake, draft, sections)
    sud = submit(intake, draft.get_json()["id"]).get_json()["results"]["sud"]
    assert (sud["use_disorder"], sud["severity"], sud["counted"]) == (True, "mild", 2)


@pytest.mark.parametrize(
    ("sections", "field"),
    [
        ({"screenings": {"phq9": [0] * 8}}, "screenings"),
        ({"screenings": {"phq9": [0] * 8 + [4]}}, "screenings"),
        ({"screenings": {"gad7": [True] * 7}}, "screenings"),
        ({"dimensions": {"withdrawal": {"rating": 5}}}, "dimensions"),
        ({"substances": [{**LORAZEPAM, "substance": "bromazepamx"}]}, "substances.0.substance"),
        ({"substances": [{**LORAZEPAM, "category": "benzo"}]}, "substances"),
        ({"psychiatric_history": ["sadness"]}, "psychiatric_history"),
        ({"dsm5": {"criteria": {"cravings": True}}}, "dsm5"),
        ({"results": {}}, "results"),
    ],
)
def test_bad_sections_are_422_naming_the_field(intake, client_id, sections, field):
    draft = start(intake, client_id)
    response = fill(intake, draft, sections)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]


def test_patch_requires_if_match(intake, client_id):
    draft = start(intake, client_id)
    url = f"/api/v1/assessments/{draft.get_json()['id']}"
    assert intake.patch(url, json={"goals": {"ideas": "x"}}).status_code == 428
    assert (
        intake.patch(url, json={"goals": {"ideas": "x"}}, headers={"If-Match": '"x"'}).status_code
        == 412
    )


def test_suicide_risk_is_urgent_and_needs_review(intake, client_id):
    sections = prescribed_lorazepam_sections()
    sections["screenings"]["phq9"] = [0, 0, 0, 0, 0, 0, 0, 0, 1]
    draft = start(intake, client_id)
    fill(intake, draft, sections)
    results = submit(intake, draft.get_json()["id"]).get_json()["results"]
    assert results["recommendation"]["requires_urgent_review"] is True
    urgent = [f for f in results["flags"] if f["type"] == "suicide_risk"]
    assert urgent and urgent[0]["severity"] == "urgent"
    client = intake.get(f"/api/v1/clients/{client_id}").get_json()
    assert client["active_flags"][0]["severity"] == "urgent"


def test_counsellor_needs_client_on_caseload(app, login_as, client_id):
    counsellor = login_as("counsellor")
    assert start(counsellor, client_id).status_code == 404
    with app.app_context():
        add_to_caseload(counsellor.user_id, client_id)
        db.session.commit()
    assert start(counsellor, client_id).status_code == 201


def test_assessment_of_other_caseload_is_404_without_data(app, login_as, intake, client_id):
    draft = start(intake, client_id).get_json()
    counsellor = login_as("counsellor")
    response = counsellor.get(f"/api/v1/assessments/{draft['id']}")
    assert response.status_code == 404
    assert str(client_id) not in response.get_data(as_text=True)
    assert counsellor.get(f"/api/v1/clients/{client_id}/assessments").status_code == 404


def test_list_client_assessments(intake, client_id):
    start(intake, client_id, assessed_on="2026-01-01")
    start(intake, client_id, assessed_on="2026-02-01")
    body = intake.get(f"/api/v1/clients/{client_id}/assessments").get_json()
    assert [a["assessed_on"] for a in body["items"]] == ["2026-02-01", "2026-01-01"]
