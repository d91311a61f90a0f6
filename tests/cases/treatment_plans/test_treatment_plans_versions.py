"""Treatment plan API, happy paths: create, then replace with If-Match, every version kept and
paginated, one plan per case, read-only once discharged, never deleted."""

from __future__ import annotations

import sqlalchemy as sa

from cases.treatment_plans.models import TreatmentPlan, TreatmentPlanRevision
from core.extensions import db
from tests.cases.notes.notes_helpers import discharge, open_case
from tests.cases.treatment_plans.treatment_plans_helpers import PLAN, plan_url, put, revised

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
