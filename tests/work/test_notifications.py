"""Notifications: the sweep turns due items into notifications exactly once however often it
runs, urgent flags notify at once, and a notification is only ever shown to its own user while
they may still see the client."""

from __future__ import annotations

import copy
from datetime import timedelta

import sqlalchemy as sa

from auth.models import User
from cases.treatment_plans.models import TreatmentPlan
from core.audit import AuditEvent
from core.clock import centre_today
from core.extensions import db
from tests.factories import EMPTY_PAGE, make_case, open_new_case
from tests.work import scenario
from work import tasks
from work.models import Notification


def listed(api, **query):
    answer = api.get("/api/v1/me/notifications", query_string=query)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def sweep(app):
    """The worker's periodic task, enqueued and run in-process (Huey's immediate mode under
    test; a periodic task keeps no result): how many notifications it added."""
    assert tasks.huey.immediate
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))
        tasks.sweep()
        return db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) - before


def test_done_when_after_the_sweep_the_same_items_are_notifications_each_once(
    app, clock, clinician, counsellor
):
    case = open_new_case(app, clinician, counsellor.user_id)
    written = counsellor.post(
        f"/api/v1/cases/{case['id']}/notes", json={"kind": "progress", "body": {"text": "Ok."}}
    )
    assert written.status_code == 201
    clock.after(timedelta(hours=25))
    counsellor.sign_in_again()
    with app.app_context():
        follow_up_id = scenario.follow_up(case["id"], counsellor.user_id)
        score_id = scenario.score(case["id"], hours_ago=5)
        db.session.commit()
    queue = counsellor.get("/api/v1/me/work").get_json()["items"]

    first, second = sweep(app), sweep(app)

    page = listed(counsellor)
    assert second == 0 and page["total"] == 2 <= first
    got = sorted((n["kind"], n["record_id"], n["link"]) for n in page["items"])
    assert got == [
        ("follow_up_due", follow_up_id, f"/cases/{case['id']}#follow-ups"),
        ("withdrawal_check_due", score_id, f"/cases/{case['id']}#withdrawal"),
    ]
    # the same items as the queue's (the unsigned note is the queue's only: not swept)
    swept = {(i["kind"], i["link"], i["due_at"]) for i in queue if i["kind"] != "note_unsigned"}
    assert {(n["kind"], n["link"], n["due_at"]) for n in page["items"]} == swept
    assert all(n["read_at"] is None and n["client_id"] == case["client_id"] for n in page["items"])


def test_a_lost_sweep_is_made_good_by_the_next_and_a_new_due_date_reminds_again(
    app, clock, counsellor
):
    with app.app_context():
        case_id = make_case(counsellor.user_id)
        scenario.follow_up(case_id, counsellor.user_id)
        db.session.commit()
    # no sweep ran today (lost); tomorrow's finds the follow-up, now overdue, once
    clock.after(timedelta(days=1))
    counsellor.sign_in_again()
    assert sweep(app) == 1 and sweep(app) == 0
    with app.app_context():
        plan_id = scenario.plan(case_id, centre_today())
        db.session.commit()
    assert sweep(app) == 1
    with app.app_context():  # saved again, same review date: already reminded
        found = db.session.get(TreatmentPlan, plan_id)
        found.problems = copy.deepcopy(found.problems)
        db.session.commit()
    assert sweep(app) == 0
    with app.app_context():  # reviewed, next review set (and come): a new reminder
        problems = copy.deepcopy(found.problems)
        problems[0]["goals"][0]["review_date"] = (centre_today() - timedelta(days=1)).isoformat()
        db.session.get(TreatmentPlan, plan_id).problems = problems
        db.session.commit()
    assert sweep(app) == 1
    assert listed(counsellor)["total"] == 3


def test_each_person_on_the_caseload_is_reminded(app, login_as, clinician, counsellor):
    helper = login_as("counsellor")
    case = open_new_case(app, clinician, counsellor.user_id)
    moved = clinician.patch(
        f"/api/v1/cases/{case['id']}",
        json={"care_team_ids": [helper.user_id]},
        headers={"If-Match": f'"cases-{case["id"]}-v{case["version"]}"'},
    )
    assert moved.status_code == 200, moved.get_json()
    with app.app_context():
        scenario.score(case["id"], hours_ago=9, band="moderate", severe=False, total=25)
        scenario.consent(case["client_id"], clinician.user_id, centre_today())
        db.session.commit()
    # the score and the consent to both counsellors, and the consent to the clinician who
    # recorded it (the clinician is not on the caseload: no reminder of the score)
    assert sweep(app) == 5
    assert sorted(n["kind"] for n in listed(helper)["items"]) == [
        "consent_expiring",
        "withdrawal_check_due",
    ]
    assert [n["kind"] for n in listed(clinician)["items"]] == ["consent_expiring"]


def test_a_reassigned_case_hides_its_notifications_from_the_old_counsellor(
    app, login_as, clinician, counsellor
):
    other = login_as("counsellor")
    case = open_new_case(app, clinician, counsellor.user_id)
    with app.app_context():
        scenario.score(case["id"], hours_ago=5)
        db.session.commit()
    assert sweep(app) == 1
    [notification] = listed(counsellor)["items"]
    moved = clinician.patch(
        f"/api/v1/cases/{case['id']}",
        json={"primary_counsellor_id": other.user_id},
        headers={"If-Match": f'"cases-{case["id"]}-v{case["version"]}"'},
    )
    assert moved.status_code == 200, moved.get_json()

    assert listed(counsellor) == EMPTY_PAGE
    hidden = counsellor.post(f"/api/v1/notifications/{notification['id']}/read")
    assert hidden.status_code == 404
    with app.app_context():
        still = db.session.get(Notification, notification["id"])
        assert still is not None and still.read_at is None  # kept, never shown
    assert sweep(app) == 1  # the new counsellor is reminded
    assert [n["kind"] for n in listed(other)["items"]] == ["withdrawal_check_due"]


def test_reading_ones_own_notification_and_only_ones_own(app, login_as, counsellor):
    other = login_as("counsellor")
    with app.app_context():
        case_id = make_case(counsellor.user_id)
        scenario.follow_up(case_id, counsellor.user_id)
        db.session.commit()
    sweep(app)
    [notification] = listed(counsellor, unread="true")["items"]

    assert other.post(f"/api/v1/notifications/{notification['id']}/read").status_code == 404
    assert counsellor.post("/api/v1/notifications/999999/read").status_code == 404
    read = counsellor.post(f"/api/v1/notifications/{notification['id']}/read")
    assert read.status_code == 200 and read.get_json()["read_at"] is not None
    again = counsellor.post(f"/api/v1/notifications/{notification['id']}/read")
    assert again.get_json()["read_at"] == read.get_json()["read_at"]
    assert listed(counsellor, unread="true")["total"] == 0
    assert listed(counsellor, unread="false")["total"] == 1
    with app.app_context():
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(
                AuditEvent.record_type == "notification", AuditEvent.actor_id == counsellor.user_id
            )
        ).all()
    assert "notification.read" in actions and "notification.list" in actions


def test_an_urgent_flag_notifies_at_once(app, login_as, clinician, counsellor):
    raiser = login_as("counsellor")
    case = open_new_case(app, clinician, counsellor.user_id)
    clinician.patch(
        f"/api/v1/cases/{case['id']}",
        json={"care_team_ids": [raiser.user_id]},
        headers={"If-Match": f'"cases-{case["id"]}-v{case["version"]}"'},
    )
    flag = raiser.post(
        f"/api/v1/clients/{case['client_id']}/flags",
        json={"type": "suicide_risk", "severity": "urgent", "note": "Said so in group."},
    )
    assert flag.status_code == 201, flag.get_json()
    flag_id = flag.get_json()["id"]

    for api in (counsellor, clinician):  # on the caseload; every clinician
        [n] = listed(api)["items"]
        assert (n["kind"], n["record_id"], n["link"]) == (
            "flag_unacknowledged",
            flag_id,
            f"/clients/{case['client_id']}#flags",
        )
    assert listed(raiser)["total"] == 0  # not the one who raised it
    # the same urgent finding again re-alerts, and notifies again; a warning does not
    raiser.post(
        f"/api/v1/clients/{case['client_id']}/flags",
        json={"type": "suicide_risk", "severity": "urgent", "note": "Again."},
    )
    raiser.post(
        f"/api/v1/clients/{case['client_id']}/flags",
        json={"type": "self_harm", "severity": "warning", "note": "Scratches."},
    )
    assert listed(counsellor)["total"] == 2
    assert sweep(app) == 0  # flags are not swept


def test_the_sweep_reminds_only_active_staff(app, counsellor):
    with app.app_context():
        case_id = make_case(counsellor.user_id)
        scenario.follow_up(case_id, counsellor.user_id, centre_today() - timedelta(days=3))
        db.session.get(User, counsellor.user_id).active = False
        db.session.commit()
    assert sweep(app) == 0
