"""Treatment plan API, bad input: the strict shape at every level, dates, unknown fields,
malformed JSON, and a bad replacement changing nothing."""

from __future__ import annotations

import copy

import pytest

from tests.cases.treatment_plans.treatment_plans_helpers import (
    INTERVENTION_TYPES,
    PLAN,
    plan_url,
    put,
    revised,
)

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
