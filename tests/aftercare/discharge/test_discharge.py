"""Discharge with aftercare: a completed discharge needs an agreed plan, other reasons flag a
missing one, every discharge schedules follow-ups, and a refused discharge changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from aftercare.follow_ups.models import FollowUp
from auth.models import CaseloadMembership, MembershipKind
from core.extensions import db
from intake.flags.models import Flag
from tests.aftercare.plans.test_plans import (
    agree,
    audit_actions,
    backdate,
    centre_today,
    discharge,
    draft_plan,
    save_plan,
)
from tests.factories import make_bed, open_new_case


@pytest.fixture
def case(app, clinician, counsellor):
    return open_new_case(app, clinician, counsellor.user_id)


def follow_ups_of(app, case_id):
    with app.app_context():
        return db.session.execute(
            sa.select(FollowUp.offset_days, FollowUp.due_on, FollowUp.assigned_to_id)
            .where(FollowUp.case_id == case_id)
            .order_by(FollowUp.due_on)
        ).all()


def flags_of(app, client_id):
    with app.app_context():
        return db.session.execute(
            sa.select(Flag.type, Flag.severity, Flag.category, Flag.source_kind).where(
                Flag.client_id == client_id
            )
        ).all()


def test_completed_with_an_agreed_plan_schedules_follow_ups(app, clinician, counsellor, case):
    agree(counsellor, case["id"])
    backdate(app, case["id"], 20)
    discharged_on = centre_today() - timedelta(days=10)
    response = discharge(clinician, case["id"], "completed", discharged_on)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["discharge_reason"]) == ("discharged", "completed")
    assert body["discharge_date"] == discharged_on.isoformat()
    assert response.headers["ETag"]
    due = [(f["offset_days"], f["due_on"], f["status"]) for f in body["follow_ups"]]
    assert due == [
        (7, (discharged_on + timedelta(days=7)).isoformat(), "overdue"),
        (30, (discharged_on + timedelta(days=30)).isoformat(), "due"),
        (90, (discharged_on + timedelta(days=90)).isoformat(), "due"),
    ]
    assert {f["assigned_to"] for f in body["follow_ups"]} == {counsellor.user_id}
    assert len(follow_ups_of(app, case["id"])) == 3
    assert flags_of(app, case["client_id"]) == []  # an agreed plan: nothing missing


def test_completed_without_a_plan_is_409_and_changes_nothing(app, clinician, counsellor):
    with app.app_context():
        bed = make_bed()
        db.session.commit()
    first = open_new_case(app, clinician, counsellor.user_id, level="3.7")
    waiting = open_new_case(app, clinician, counsellor.user_id, level="3.7")
    assert (first["status"], waiting["status"]) == ("admitted", "waitlisted")
    response = discharge(clinician, first["id"], "completed")
    assert response.status_code == 409
    body = response.get_json()
    assert body["missing"] == ["aftercare_plan"]
    assert "agreed aftercare plan" in body["message"]
    after = clinician.get(f"/api/v1/cases/{first['id']}").get_json()
    assert (after["status"], after["bed"]["id"], after["discharge_date"]) == ("admitted", bed, None)
    assert clinician.get(f"/api/v1/cases/{waiting['id']}").get_json()["status"] == "waitlisted"
    assert follow_ups_of(app, first["id"]) == []
    assert flags_of(app, first["client_id"]) == []
    assert "case.discharge" not in audit_actions(app, first["client_id"])


def test_completed_with_a_draft_plan_is_409_naming_the_draft(app, clinician, counsellor, case):
    save_plan(counsellor, case["id"], draft_plan())
    response = discharge(clinician, case["id"], "completed")
    assert response.status_code == 409
    body = response.get_json()
    assert body["missing"] == ["aftercare_plan.status"]
    assert body["aftercare_plan_status"] == "draft" and "draft" in body["message"]
    assert clinician.get(f"/api/v1/cases/{case['id']}").get_json()["status"] == "active"
    assert follow_ups_of(app, case["id"]) == []


@pytest.mark.parametrize("reason", ["against_advice", "transferred", "administrative"])
def test_other_reasons_without_a_plan_raise_aftercare_missing(app, clinician, case, reason):
    response = discharge(clinician, case["id"], reason)
    assert response.status_code == 200, response.get_json()
    assert len(response.get_json()["follow_ups"]) == 3
    assert flags_of(app, case["client_id"]) == [
        ("aftercare_missing", "warning", "care", "follow_up")
    ]
    flags = clinician.get(f"/api/v1/clients/{case['client_id']}/flags").get_json()["items"]
    assert flags[0]["source"]["kind"] == "follow_up"


def test_against_advice_with_a_draft_plan_raises_aftercare_missing(app, clinician, counsellor):
    case = open_new_case(app, clinician, counsellor.user_id)
    save_plan(counsellor, case["id"], draft_plan())
    assert discharge(clinician, case["id"], "against_advice").status_code == 200
    assert [f[0] for f in flags_of(app, case["client_id"])] == ["aftercare_missing"]


def test_against_advice_with_an_agreed_plan_raises_no_flag(app, clinician, counsellor, case):
    agree(counsellor, case["id"])
    assert discharge(clinician, case["id"], "against_advice").status_code == 200
    assert flags_of(app, case["client_id"]) == []


def test_follow_up_offsets_come_from_configuration(app, clinician, case, monkeypatch):
    monkeypatch.setitem(app.config, "FOLLOW_UP_OFFSETS_DAYS", [14, 3])
    today = centre_today()
    body = discharge(clinician, case["id"], "transferred", today).get_json()
    assert [(f["offset_days"], f["due_on"]) for f in body["follow_ups"]] == [
        (3, (today + timedelta(days=3)).isoformat()),
        (14, (today + timedelta(days=14)).isoformat()),
    ]


def test_discharge_keeps_the_primary_counsellor_for_aftercare(app, clinician, counsellor, case):
    agree(counsellor, case["id"])
    discharge(clinician, case["id"])
    with app.app_context():
        kinds = db.session.execute(
            sa.select(CaseloadMembership.kind, CaseloadMembership.staff_id).where(
                CaseloadMembership.case_id == case["id"], CaseloadMembership.ended_at.is_(None)
            )
        ).all()
    assert kinds == [(MembershipKind.AFTERCARE, counsellor.user_id)]
    follow_ups = counsellor.get(f"/api/v1/follow-ups?case_id={case['id']}").get_json()
    assert follow_ups["total"] == 3


def test_a_discharged_case_is_not_discharged_again(app, clinician, counsellor, case):
    agree(counsellor, case["id"])
    assert discharge(clinician, case["id"]).status_code == 200
    again = discharge(clinician, case["id"])
    assert again.status_code == 409 and "discharged" in again.get_json()["message"]
    assert len(follow_ups_of(app, case["id"])) == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reason": "finished"}, "reason"),
        ({"date": (centre_today() + timedelta(days=2)).isoformat()}, "date"),
        ({"date": (centre_today() - timedelta(days=31)).isoformat()}, "date"),
        ({"date": "yesterday"}, "date"),
        ({"summary": ""}, "summary"),
        ({"follow_up_days": [7]}, "follow_up_days"),
    ],
)
def test_bad_input_is_422_naming_the_field(app, clinician, counsellor, case, change, field):
    agree(counsellor, case["id"])
    backdate(app, case["id"], 60)
    response = discharge(clinician, case["id"], **change)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"]
    assert clinician.get(f"/api/v1/cases/{case['id']}").get_json()["status"] == "active"
    assert follow_ups_of(app, case["id"]) == []


def test_date_before_admission_is_422(clinician, counsellor, case):
    agree(counsellor, case["id"])
    response = discharge(clinician, case["id"], on=centre_today() - timedelta(days=1))
    assert response.status_code == 422 and "date" in response.get_json()["errors"]["json"]


@pytest.mark.parametrize("role", ["intake", "counsellor", "manager", "admin"])
def test_only_clinicians_discharge(login_as, case, role):
    assert discharge(login_as(role), case["id"], "transferred").status_code == 403


def test_unknown_case_is_404(clinician):
    assert discharge(clinician, 999999, "transferred").status_code == 404


def test_the_route_lives_in_aftercare(app):
    endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule == "/api/v1/cases/<int:case_id>/discharge"
    }
    assert endpoints == {"discharge.discharge_case"}


def test_discharge_is_audited_with_the_client(app, clinician, case):
    discharge(clinician, case["id"], "against_advice")
    actions = audit_actions(app, case["client_id"])
    for action in ("case.read_for_discharge", "case.discharge", "flag.raise"):
        assert action in actions, action
    assert actions.count("follow_up.schedule") == 3
