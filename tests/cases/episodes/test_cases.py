"""Placement and case management through the API: levels, overrides, beds, the waitlist,
transitions, reassignment and caseload-scoped access."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from auth.models import CaseloadMembership, MembershipKind
from core.extensions import db
from tests.factories import make_bed, make_client, make_submitted_assessment, make_user


def new_client(app, recommended="1", urgent=False):
    with app.app_context():
        cid = make_client()
        aid = make_submitted_assessment(cid, recommended_level=recommended, urgent=urgent)
        db.session.commit()
    return cid, aid


def add_beds(app, n):
    with app.app_context():
        ids = [make_bed() for _ in range(n)]
        db.session.commit()
    return ids


def place(api, client_id, assessment_id, counsellor_id, level, **extra):
    body = {
        "client_id": client_id,
        "assessment_id": assessment_id,
        "level": level,
        "primary_counsellor_id": counsellor_id,
        **extra,
    }
    return api.post("/api/v1/cases", json=body)


def today():
    return date.today().isoformat()


def test_outpatient_at_recommended_level_is_active(app, clinician, counsellor):
    cid, aid = new_client(app, "2.1")
    response = place(clinician, cid, aid, counsellor.user_id, "2.1")
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert (case["status"], case["setting"], case["bed"]) == ("active", "outpatient", None)
    assert case["level_history"][0]["to_level"] == "2.1"
    assert response.headers["ETag"]


def test_override_needs_a_reason(app, clinician, counsellor):
    add_beds(app, 1)
    cid, aid = new_client(app, "1")
    missing = place(clinician, cid, aid, counsellor.user_id, "3.7")
    assert missing.status_code == 422
    assert "override_reason" in missing.get_json()["errors"]["json"]
    ok = place(clinician, cid, aid, counsellor.user_id, "3.7", override_reason="Lives alone, fell")
    assert ok.status_code == 201
    body = ok.get_json()
    assert (body["status"], body["setting"], body["override_reason"]) == (
        "admitted",
        "inpatient",
        "Lives alone, fell",
    )
    assert body["recommended_level"] == "1" and body["bed"]["id"]


def test_last_bed_then_waitlist_then_discharge_admits_the_waiting(app, clinician, counsellor):
    (bed,) = add_beds(app, 1)
    first = place(clinician, *new_client(app, "3.7"), counsellor.user_id, "3.7").get_json()
    second = place(clinician, *new_client(app, "3.7"), counsellor.user_id, "3.7").get_json()
    assert first["status"] == "admitted" and first["bed"]["id"] == bed
    assert second["status"] == "waitlisted" and second["bed"] is None
    waitlist = clinician.get("/api/v1/waitlist").get_json()
    assert [c["id"] for c in waitlist["items"]] == [second["id"]]
    discharged = clinician.post(
        f"/api/v1/cases/{first['id']}/discharge",
        json={"reason": "transferred", "date": today(), "summary": "Detox complete"},
    )
    assert discharged.status_code == 200, discharged.get_json()
    assert discharged.get_json()["status"] == "discharged"
    admitted = clinician.get(f"/api/v1/cases/{second['id']}").get_json()
    assert admitted["status"] == "admitted" and admitted["bed"]["id"] == bed
    board = clinician.get("/api/v1/beds").get_json()["items"]
    assert [(b["id"], b["occupant"]["case_id"]) for b in board] == [(bed, second["id"])]


def test_waitlist_puts_urgent_review_first(app, clinician, counsellor):
    add_beds(app, 0)
    plain = place(clinician, *new_client(app, "3.5"), counsellor.user_id, "3.5").get_json()
    urgent = place(clinician, *new_client(app, "3.5", urgent=True), counsellor.user_id, "3.5")
    order = [c["id"] for c in clinician.get("/api/v1/waitlist").get_json()["items"]]
    assert order == [urgent.get_json()["id"], plain["id"]]


def test_named_bed_occupied_is_409(app, clinician, counsellor):
    bed, _ = add_beds(app, 2)
    place(clinician, *new_client(app, "4"), counsellor.user_id, "4", bed_id=bed)
    response = place(clinician, *new_client(app, "4"), counsellor.user_id, "4", bed_id=bed)
    assert response.status_code == 409


def test_one_open_case_per_client(app, clinician, counsellor):
    cid, aid = new_client(app, "1")
    first = place(clinician, cid, aid, counsellor.user_id, "1").get_json()
    again = place(clinician, cid, aid, counsellor.user_id, "1")
    assert again.status_code == 409
    assert again.get_json()["open_case_id"] == first["id"]


def test_draft_assessment_is_409_and_other_clients_is_422(app, clinician, counsellor):
    cid, _ = new_client(app)
    _, other_aid = new_client(app)
    with app.app_context():
        from intake.assessments.models import Assessment, AssessmentStatus

        draft = Assessment(client_id=cid, assessed_on=date.today(), status=AssessmentStatus.DRAFT)
        db.session.add(draft)
        db.session.commit()
        draft_id = draft.id
    assert place(clinician, cid, draft_id, counsellor.user_id, "1").status_code == 409
    wrong = place(clinician, cid, other_aid, counsellor.user_id, "1")
    assert wrong.status_code == 422 and "assessment_id" in wrong.get_json()["errors"]["json"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"level": "3"}, "level"),
        ({"level": "inpatient"}, "level"),
        ({"primary_counsellor_id": "x"}, "primary_counsellor_id"),
        ({"status": "admitted"}, "status"),
        ({"version": 3}, "version"),
    ],
)
def test_bad_case_input_is_422(app, clinician, counsellor, overrides, field):
    cid, aid = new_client(app)
    body = {
        "client_id": cid,
        "assessment_id": aid,
        "level": "1",
        "primary_counsellor_id": counsellor.user_id,
        **overrides,
    }
    response = clinician.post("/api/v1/cases", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]


def test_primary_counsellor_must_be_a_counsellor(app, clinician):
    cid, aid = new_client(app)
    response = place(clinician, cid, aid, clinician.user_id, "1")
    assert response.status_code == 422
    assert "primary_counsellor_id" in response.get_json()["errors"]["json"]


def test_counsellor_sees_only_own_caseload_and_reassignment_moves_access(
    app, login_as, clinician, counsellor
):
    other = login_as("counsellor")
    cid, aid = new_client(app)
    case = place(clinician, cid, aid, counsellor.user_id, "1")
    case_id = case.get_json()["id"]
    assert counsellor.get(f"/api/v1/cases/{case_id}").status_code == 200
    assert counsellor.get(f"/api/v1/clients/{cid}").status_code == 200
    hidden = other.get(f"/api/v1/cases/{case_id}")
    assert hidden.status_code == 404 and str(cid) not in hidden.get_data(as_text=True)
    assert other.get("/api/v1/cases").get_json()["total"] == 0
    moved = clinician.patch(
        f"/api/v1/cases/{case_id}",
        json={"primary_counsellor_id": other.user_id},
        headers={"If-Match": case.headers["ETag"]},
    )
    assert moved.status_code == 200
    assert counsellor.get(f"/api/v1/cases/{case_id}").status_code == 404
    assert counsellor.get(f"/api/v1/clients/{cid}").status_code == 404
    assert other.get(f"/api/v1/cases/{case_id}").status_code == 200


def test_care_team_gets_access_and_loses_it_when_removed(app, login_as, clinician, counsellor):
    helper = login_as("counsellor")
    cid, aid = new_client(app)
    case = place(clinician, cid, aid, counsellor.user_id, "1", care_team_ids=[helper.user_id])
    body = case.get_json()
    assert body["care_team_ids"] == [helper.user_id]
    assert helper.get(f"/api/v1/cases/{body['id']}").status_code == 200
    removed = clinician.patch(
        f"/api/v1/cases/{body['id']}",
        json={"care_team_ids": []},
        headers={"If-Match": case.headers["ETag"]},
    )
    assert removed.get_json()["care_team_ids"] == []
    assert helper.get(f"/api/v1/cases/{body['id']}").status_code == 404


def test_level_change_outpatient_to_inpatient_takes_bed_and_back_frees_it(
    app, clinician, counsellor
):
    (bed,) = add_beds(app, 1)
    case = place(clinician, *new_client(app, "1"), counsellor.user_id, "1")
    url = f"/api/v1/cases/{case.get_json()['id']}"
    no_reason = clinician.patch(
        url, json={"level": "3.7"}, headers={"If-Match": case.headers["ETag"]}
    )
    assert no_reason.status_code == 422
    up = clinician.patch(
        url,
        json={"level": "3.7", "change_reason": "Seizure risk"},
        headers={"If-Match": case.headers["ETag"]},
    )
    assert up.status_code == 200, up.get_json()
    assert (up.get_json()["status"], up.get_json()["bed"]["id"]) == ("admitted", bed)
    down = clinician.patch(
        url,
        json={"level": "2.5", "change_reason": "Stable"},
        headers={"If-Match": up.headers["ETag"]},
    )
    body = down.get_json()
    assert (body["status"], body["bed"], body["setting"]) == ("active", None, "outpatient")
    assert [h["to_level"] for h in body["level_history"]] == ["1", "3.7", "2.5"]
    assert body["level_history"][1]["reason"] == "Seizure risk"


def test_level_change_to_inpatient_without_bed_waitlists(app, clinician, counsellor):
    case = place(clinician, *new_client(app, "1"), counsellor.user_id, "1")
    up = clinician.patch(
        f"/api/v1/cases/{case.get_json()['id']}",
        json={"level": "3.5", "change_reason": "Relapsing at home"},
        headers={"If-Match": case.headers["ETag"]},
    )
    assert up.get_json()["status"] == "waitlisted"


def test_waitlisted_to_outpatient_level_is_409(app, clinician, counsellor):
    case = place(clinician, *new_client(app, "3.5"), counsellor.user_id, "3.5")
    response = clinician.patch(
        f"/api/v1/cases/{case.get_json()['id']}",
        json={"level": "1", "change_reason": "x"},
        headers={"If-Match": case.headers["ETag"]},
    )
    assert response.status_code == 409


def test_manager_may_reassign_but_not_change_level(app, login_as, clinician, counsellor):
    manager = login_as("manager")
    case = place(clinician, *new_client(app), counsellor.user_id, "1")
    response = manager.patch(
        f"/api/v1/cases/{case.get_json()['id']}",
        json={"level": "2.1", "change_reason": "x"},
        headers={"If-Match": case.headers["ETag"]},
    )
    assert response.status_code == 403


def test_patch_needs_if_match(app, clinician, counsellor):
    case = place(clinician, *new_client(app), counsellor.user_id, "1")
    url = f"/api/v1/cases/{case.get_json()['id']}"
    assert clinician.patch(url, json={"care_team_ids": []}).status_code == 428
    assert (
        clinician.patch(url, json={"care_team_ids": []}, headers={"If-Match": '"x"'}).status_code
        == 412
    )


@pytest.mark.parametrize(("days_ago", "status"), [(0, 200), (30, 200), (31, 422), (-1, 422)])
def test_discharge_date_window(app, clinician, counsellor, days_ago, status):
    case = place(clinician, *new_client(app), counsellor.user_id, "1").get_json()
    with app.app_context():
        from cases.episodes.models import Case

        db.session.execute(
            sa.update(Case)
            .where(Case.id == case["id"])
            .values(opened_at=datetime.now(UTC) - timedelta(days=60))
        )
        db.session.commit()
    when = (date.today() - timedelta(days=days_ago)).isoformat()
    response = clinician.post(
        f"/api/v1/cases/{case['id']}/discharge",
        json={"reason": "against_advice", "date": when, "summary": "Left"},
    )
    assert response.status_code == status
    if status == 422:
        assert "date" in response.get_json()["errors"]["json"]


def test_discharged_is_final(app, clinician, counsellor):
    case = place(clinician, *new_client(app), counsellor.user_id, "1").get_json()
    body = {"reason": "transferred", "date": today(), "summary": "Done"}
    discharged = clinician.post(f"/api/v1/cases/{case['id']}/discharge", json=body)
    assert discharged.status_code == 200
    assert clinician.post(f"/api/v1/cases/{case['id']}/discharge", json=body).status_code == 409
    etag = {"If-Match": discharged.headers["ETag"]}
    url = f"/api/v1/cases/{case['id']}"
    assert clinician.patch(url, json={"care_team_ids": []}, headers=etag).status_code == 409


def test_new_episode_links_previous_and_client_lists_episodes(app, clinician, counsellor):
    cid, aid = new_client(app)
    first = place(clinician, cid, aid, counsellor.user_id, "1").get_json()
    open_link = place(clinician, cid, aid, counsellor.user_id, "1", previous_case_id=first["id"])
    assert open_link.status_code == 409  # still open: one open case per client
    clinician.post(
        f"/api/v1/cases/{first['id']}/discharge",
        json={"reason": "transferred", "date": today(), "summary": "Done"},
    )
    second = place(
        clinician,
        cid,
        aid,
        counsellor.user_id,
        "2.1",
        previous_case_id=first["id"],
        override_reason="Relapse",
    )
    assert second.status_code == 201 and second.get_json()["previous_case_id"] == first["id"]
    episodes = clinician.get(f"/api/v1/clients/{cid}").get_json()["episodes"]
    assert [e["id"] for e in episodes] == [first["id"], second.get_json()["id"]]


def test_discharge_keeps_primary_access_for_aftercare_only(app, login_as, clinician, counsellor):
    helper = login_as("counsellor")
    cid, aid = new_client(app)
    case = place(clinician, cid, aid, counsellor.user_id, "1", care_team_ids=[helper.user_id])
    clinician.post(
        f"/api/v1/cases/{case.get_json()['id']}/discharge",
        json={"reason": "transferred", "date": today(), "summary": "Done"},
    )
    assert counsellor.get(f"/api/v1/clients/{cid}").status_code == 200
    assert helper.get(f"/api/v1/clients/{cid}").status_code == 404
    with app.app_context():
        kinds = (
            db.session.execute(
                sa.select(CaseloadMembership.kind).where(
                    CaseloadMembership.client_id == cid, CaseloadMembership.ended_at.is_(None)
                )
            )
            .scalars()
            .all()
        )
    assert kinds == [MembershipKind.AFTERCARE]


def test_deactivating_counsellor_with_open_cases_is_409_until_reassigned(
    app, login_as, clinician, counsellor
):
    admin = login_as("admin")
    case = place(clinician, *new_client(app), counsellor.user_id, "1").get_json()
    staff = admin.get(f"/api/v1/staff/{counsellor.user_id}")
    refused = admin.patch(
        f"/api/v1/staff/{counsellor.user_id}",
        json={"active": False},
        headers={"If-Match": staff.headers["ETag"]},
    )
    assert refused.status_code == 409
    assert refused.get_json()["open_case_ids"] == [case["id"]]


def test_beds_are_managed_by_managers(app, login_as):
    manager = login_as("manager")
    created = manager.post("/api/v1/beds", json={"unit": "East", "room": "2", "label": "A"})
    assert created.status_code == 201
    assert (
        manager.post("/api/v1/beds", json={"unit": "East", "room": "2", "label": "A"}).status_code
        == 409
    )
    assert (
        login_as("clinician")
        .post("/api/v1/beds", json={"unit": "E", "room": "1", "label": "B"})
        .status_code
        == 403
    )
    retired = manager.patch(
        f"/api/v1/beds/{created.get_json()['id']}",
        json={"active": False},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert retired.status_code == 200 and retired.get_json()["active"] is False


def test_counsellor_bed_board_hides_other_caseloads(app, login_as, clinician, counsellor):
    add_beds(app, 1)
    place(clinician, *new_client(app, "4"), counsellor.user_id, "4")
    other = login_as("counsellor")
    (entry,) = other.get("/api/v1/beds").get_json()["items"]
    assert entry["occupied"] is True and entry["occupant"] is None
    (own,) = counsellor.get("/api/v1/beds").get_json()["items"]
    assert own["occupant"]["case_id"] is not None


def test_staff_ids_from_factory_are_counsellors(app):
    with app.app_context():
        assert make_user("counsellor") > 0
