"""Treatment plan API: create/replace with If-Match, strict shape, every version kept,
caseload scope and audit."""

from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from cases.treatment_plans.models import TreatmentPlan, TreatmentPlanRevision
from core.audit import AuditEvent
from core.extensions import db
from tests.cases.notes.test_notes import assert_no_client_data, discharge, events, open_case
from tests.concurrency.conftest import race, race_app  # noqa: F401 (fixture)
from tests.factories import make_client, make_submitted_assessment, make_user, token_for

PLAN = {
    "problems": [
        {
            "description": "Physical dependence on prescribed lorazepam",
            "goals": [
                {
                    "description": "Reduce to zero over 16 weeks without seizures",
                    "target_date": "2027-03-31",
                    "review_date": "2026-12-15",
                    "interventions": [
                        {
                            "type": "medication_taper",
                            "description": "Diazepam switch, 10% steps",
                            "frequency": "every 2 weeks",
                        },
                        {"type": "cbt", "frequency": "weekly"},
                    ],
                }
            ],
        },
        {
            "description": "Sleep",
            "goals": [
                {
                    "description": "Six hours a night",
                    "target_date": "2027-01-31",
                    "review_date": "2027-01-31",
                    "interventions": [{"type": "holistic"}],
                }
            ],
        },
    ]
}
INTERVENTION_TYPES = [
    "cbt",
    "group",
    "family",
    "motivational_interviewing",
    "contingency_management",
    "medication_taper",
    "holistic",
]


def plan_url(case_id, suffix=""):
    return f"/api/v1/cases/{case_id}/treatment-plan{suffix}"


def put(api, case_id, plan=None, etag=None):
    headers = {"If-Match": etag} if etag else {}
    return api.put(plan_url(case_id), json=PLAN if plan is None else plan, headers=headers)


def revised(**goal_changes):
    plan = copy.deepcopy(PLAN)
    plan["problems"][0]["goals"][0].update(goal_changes)
    return plan


@pytest.fixture
def case(login_as):
    return open_case(login_as)


# --- happy paths -------------------------------------------------------------------------------


def test_no_plan_yet_is_404(case):
    response = case.counsellor.get(plan_url(case.id))
    assert response.status_code == 404
    assert case.counsellor.get(plan_url(case.id, "/versions")).get_json()["items"] == []


def test_first_put_creates_the_plan(case):
    created = put(case.counsellor, case.id)
    assert created.status_code == 201, created.get_json()
    plan = created.get_json()
    assert plan["case_id"] == case.id and plan["version"] == 1
    assert plan["updated_by"] == case.counsellor.user_id
    assert created.headers["ETag"] == f'"treatment_plans-{plan["id"]}-v1"'
    # Optional intervention fields come back as null.
    assert plan["problems"][1]["goals"][0]["interventions"] == [
        {"type": "holistic", "description": None, "frequency": None}
    ]
    [taper, _] = plan["problems"][0]["goals"][0]["interventions"]
    assert taper == PLAN["problems"][0]["goals"][0]["interventions"][0]
    read = case.clinician.get(plan_url(case.id))
    assert read.status_code == 200
    assert read.get_json() == plan and read.headers["ETag"] == created.headers["ETag"]


def test_replace_needs_if_match_and_keeps_every_version(app, case):
    created = put(case.clinician, case.id)
    plan_id = created.get_json()["id"]
    later = revised(review_date="2027-01-15")
    assert put(case.counsellor, case.id, later).status_code == 428
    replaced = put(case.counsellor, case.id, later, created.headers["ETag"])
    assert replaced.status_code == 200, replaced.get_json()
    assert replaced.get_json()["version"] == 2
    assert replaced.get_json()["updated_by"] == case.counsellor.user_id
    assert replaced.headers["ETag"] == f'"treatment_plans-{plan_id}-v2"'
    stale = put(
        case.counsellor, case.id, revised(review_date="2027-02-01"), created.headers["ETag"]
    )
    assert stale.status_code == 412
    current = case.counsellor.get(plan_url(case.id)).get_json()
    assert current["problems"][0]["goals"][0]["review_date"] == "2027-01-15"

    versions = case.counsellor.get(plan_url(case.id, "/versions"))
    assert versions.status_code == 200
    page = versions.get_json()
    assert page["total"] == 2
    assert [v["version"] for v in page["items"]] == [2, 1]
    assert [v["saved_by"] for v in page["items"]] == [
        case.counsellor.user_id,
        case.clinician.user_id,
    ]
    assert page["items"][0]["problems"] == current["problems"]
    assert page["items"][1]["problems"] == created.get_json()["problems"]
    assert all(v["saved_at"] for v in page["items"])
    with app.app_context():
        rows = db.session.execute(
            sa.select(TreatmentPlanRevision.version).where(TreatmentPlanRevision.plan_id == plan_id)
        ).scalars()
        assert sorted(rows) == [1, 2]


def test_if_match_star_names_no_version_and_is_428(case):
    """`*` would match whatever is current: the lost update If-Match exists to prevent."""
    created = put(case.counsellor, case.id)
    refused = put(case.counsellor, case.id, revised(description="Stop lorazepam"), "*")
    assert refused.status_code == 428
    current = case.counsellor.get(plan_url(case.id))
    assert current.headers["ETag"] == created.headers["ETag"]


def test_unchanged_put_saves_no_new_version(case):
    created = put(case.counsellor, case.id)
    again = put(case.clinician, case.id, PLAN, created.headers["ETag"])
    assert again.status_code == 200
    assert again.get_json()["version"] == 1
    assert again.get_json()["updated_by"] == case.counsellor.user_id
    assert case.counsellor.get(plan_url(case.id, "/versions")).get_json()["total"] == 1


def test_versions_are_paginated(case):
    etag = put(case.counsellor, case.id).headers["ETag"]
    for day in ("2027-01-01", "2027-01-02"):
        etag = put(case.counsellor, case.id, revised(review_date=day), etag).headers["ETag"]
    page = case.counsellor.get(
        plan_url(case.id, "/versions"), query_string={"page": 2, "per_page": 1}
    ).get_json()
    assert page["total"] == 3 and [v["version"] for v in page["items"]] == [2]


def test_one_plan_per_case(app, case):
    etag = put(case.counsellor, case.id).headers["ETag"]
    put(case.counsellor, case.id, revised(description="Taper"), etag)
    with app.app_context():
        count = db.session.execute(
            sa.select(sa.func.count())
            .select_from(TreatmentPlan)
            .where(TreatmentPlan.case_id == case.id)
        ).scalar_one()
    assert count == 1


def test_discharged_case_plan_is_read_only(case):
    created = put(case.counsellor, case.id)
    discharge(case)
    response = put(case.counsellor, case.id, revised(description="x"), created.headers["ETag"])
    assert response.status_code == 409
    assert case.counsellor.get(plan_url(case.id)).get_json()["version"] == 1


def test_discharged_case_without_plan_takes_none(login_as):
    case = open_case(login_as)
    discharge(case)
    assert put(case.clinician, case.id).status_code == 409


def test_plans_are_never_deleted(case):
    put(case.counsellor, case.id)
    assert case.clinician.delete(plan_url(case.id)).status_code == 405


# --- bad input ---------------------------------------------------------------------------------


def test_unknown_intervention_type_lists_allowed_values(case):
    plan = copy.deepcopy(PLAN)
    plan["problems"][0]["goals"][0]["interventions"][1]["type"] = "hypnosis"
    response = put(case.counsellor, case.id, plan)
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    [message] = errors["problems"]["0"]["goals"]["0"]["interventions"]["1"]["type"]
    for allowed in INTERVENTION_TYPES:
        assert allowed in message


def test_review_date_after_target_date_is_422(case):
    response = put(case.counsellor, case.id, revised(review_date="2027-04-01"))
    assert response.status_code == 422
    goal_errors = response.get_json()["errors"]["json"]["problems"]["0"]["goals"]["0"]
    assert goal_errors == {"review_date": ["Must be on or before target_date."]}


@pytest.mark.parametrize("bad", ["31/03/2027", "2027-02-30", "2027-03-31T00:00:00", 20270331])
def test_dates_must_be_iso_dates(case, bad):
    response = put(case.counsellor, case.id, revised(target_date=bad))
    assert response.status_code == 422
    goal_errors = response.get_json()["errors"]["json"]["problems"]["0"]["goals"]["0"]
    assert "target_date" in goal_errors


@pytest.mark.parametrize(
    ("plan", "path"),
    [
        ({}, ["problems"]),
        ({"problems": []}, ["problems"]),
        ({"problems": [{"description": "x", "goals": []}]}, ["problems", "0", "goals"]),
        ({"problems": [{"description": "x"}]}, ["problems", "0", "goals"]),
        ({"problems": [{"goals": PLAN["problems"][1]["goals"]}]}, ["problems", "0", "description"]),
        (revised(interventions=[]), ["problems", "0", "goals", "0", "interventions"]),
        (revised(review_date=None), ["problems", "0", "goals", "0", "review_date"]),
        (revised(description="  "), ["problems", "0", "goals", "0", "description"]),
    ],
)
def test_shape_is_validated_strictly(case, plan, path):
    response = put(case.counsellor, case.id, plan)
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]["json"]
    for key in path:
        errors = errors[key]
    assert errors


@pytest.mark.parametrize(
    ("plan", "path"),
    [
        ({**PLAN, "status": "agreed"}, ["status"]),
        (
            {"problems": [{**PLAN["problems"][1], "priority": 1}]},
            ["problems", "0", "priority"],
        ),
        (revised(owner="me"), ["problems", "0", "goals", "0", "owner"]),
        (
            revised(interventions=[{"type": "cbt", "room": "3"}]),
            ["problems", "0", "goals", "0", "interventions", "0", "room"],
        ),
    ],
)
def test_unknown_fields_are_rejected_at_every_level(case, plan, path):
    response = put(case.counsellor, case.id, plan)
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    for key in path:
        errors = errors[key]
    assert errors == ["Unknown field."]


def test_malformed_json_is_400(case):
    response = case.counsellor.put(
        plan_url(case.id), data='{"problems": [', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


def test_bad_replacement_changes_nothing(case):
    created = put(case.counsellor, case.id)
    bad = put(case.counsellor, case.id, revised(review_date="2030-01-01"), created.headers["ETag"])
    assert bad.status_code == 422
    assert case.counsellor.get(plan_url(case.id)).get_json() == created.get_json()
    assert case.counsellor.get(plan_url(case.id, "/versions")).get_json()["total"] == 1


# --- permissions -------------------------------------------------------------------------------


def test_intake_has_no_access(login_as, case):
    intake = login_as("intake")
    put(case.counsellor, case.id)
    assert intake.get(plan_url(case.id)).status_code == 403
    assert put(intake, case.id).status_code == 403
    assert intake.get(plan_url(case.id, "/versions")).status_code == 403


def test_manager_reads_but_does_not_write(login_as, case):
    manager = login_as("manager")
    created = put(case.counsellor, case.id)
    assert manager.get(plan_url(case.id)).status_code == 200
    assert manager.get(plan_url(case.id, "/versions")).status_code == 200
    replaced = put(manager, case.id, revised(description="x"), created.headers["ETag"])
    assert replaced.status_code == 403


def test_counsellor_on_another_caseload_gets_404_without_client_data(login_as, case):
    stranger = login_as("counsellor")
    created = put(case.counsellor, case.id)
    secret = PLAN["problems"][0]["description"]
    responses = [
        stranger.get(plan_url(case.id)),
        stranger.get(plan_url(case.id, "/versions")),
        put(stranger, case.id, revised(description="x"), created.headers["ETag"]),
    ]
    for response in responses:
        assert response.status_code == 404
        assert_no_client_data(response, case, secret)
    assert case.counsellor.get(plan_url(case.id)).get_json()["version"] == 1


def test_counsellor_cannot_create_plan_on_another_caseload(login_as, case):
    stranger = login_as("counsellor")
    assert put(stranger, case.id).status_code == 404
    assert case.counsellor.get(plan_url(case.id)).status_code == 404


# --- audit -------------------------------------------------------------------------------------


def test_every_read_and_write_is_audited_with_client_id(app, case):
    created = put(case.counsellor, case.id)
    plan_id = created.get_json()["id"]
    case.clinician.get(plan_url(case.id))
    put(case.clinician, case.id, revised(description="Taper"), created.headers["ETag"])
    case.counsellor.get(plan_url(case.id, "/versions"))
    plan_events = events(
        app, AuditEvent.record_type == "treatment_plan", AuditEvent.record_id == plan_id
    )
    assert [(e.action, e.detail) for e in plan_events] == [
        ("treatment_plan.create", {"version": 1}),
        ("treatment_plan.read", None),
        ("treatment_plan.update", {"version": 2}),
    ]
    assert [e.actor_id for e in plan_events] == [
        case.counsellor.user_id,
        case.clinician.user_id,
        case.clinician.user_id,
    ]
    revision_events = events(app, AuditEvent.action == "treatment_plan.versions")
    assert len(revision_events) == 2
    assert all(e.record_type == "treatment_plan_revision" for e in revision_events)
    everything = plan_events + revision_events
    assert {e.client_id for e in everything} == {case.client_id}
    assert {e.outcome for e in everything} == {"success"}
    case_reads = events(
        app,
        AuditEvent.action == "case.read_for_treatment_plan",
        AuditEvent.record_id == case.id,
    )
    assert len(case_reads) == 4 and {e.client_id for e in case_reads} == {case.client_id}


def test_reading_a_missing_plan_is_audited_as_refused(app, case):
    case.counsellor.get(plan_url(case.id))
    [event] = events(
        app,
        AuditEvent.actor_id == case.counsellor.user_id,
        AuditEvent.action == "treatment_plans.get_treatment_plan",
    )
    assert event.outcome == "404" and event.record_id == case.id


# --- racing writers (committed data on a scratch database) ------------------------------------


def committed_case(app):
    """A committed active case and two clinician tokens for it."""
    with app.app_context():
        counsellor = make_user("counsellor")
        tokens = [token_for(make_user("clinician")) for _ in range(2)]
        client_id = make_client()
        assessment_id = make_submitted_assessment(client_id, recommended_level="1")
        db.session.commit()
    response = app.test_client().post(
        "/api/v1/cases",
        json={
            "client_id": client_id,
            "assessment_id": assessment_id,
            "level": "1",
            "primary_counsellor_id": counsellor,
        },
        headers={"Authorization": f"Bearer {tokens[0]}"},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"], tokens


def test_two_first_saves_race_one_creates_the_other_needs_if_match(race_app):  # noqa: F811
    case_id, tokens = committed_case(race_app)

    def save(i):
        return (
            race_app.test_client()
            .put(plan_url(case_id), json=PLAN, headers={"Authorization": f"Bearer {tokens[i]}"})
            .status_code
        )

    assert sorted(race(2, save)) == [201, 428]


def test_two_replacements_race_one_wins_the_other_gets_412(race_app):  # noqa: F811
    case_id, tokens = committed_case(race_app)
    created = race_app.test_client().put(
        plan_url(case_id), json=PLAN, headers={"Authorization": f"Bearer {tokens[0]}"}
    )
    etag = created.headers["ETag"]

    def replace(i):
        return (
            race_app.test_client()
            .put(
                plan_url(case_id),
                json=revised(description=f"Editor {i}"),
                headers={"Authorization": f"Bearer {tokens[i]}", "If-Match": etag},
            )
            .status_code
        )

    assert sorted(race(2, replace)) == [200, 412]
    with race_app.app_context():
        versions = db.session.execute(
            sa.select(TreatmentPlanRevision.version).order_by(TreatmentPlanRevision.version)
        ).scalars()
        assert list(versions) == [1, 2]
