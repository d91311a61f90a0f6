"""Follow-ups after discharge: listing by status (computed against today in the centre's time
zone), completion and its rules, the relapse path, the end of aftercare access, caseload
scoping and the audit trail. The whole journey is in `test_aftercare_journey`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from auth.models import CaseloadMembership, MembershipKind
from core.audit import AuditEvent
from core.extensions import db
from tests.aftercare.plans.test_plans import (
    PLAN,
    agree,
    audit_actions,
    backdate,
    centre_today,
    discharge,
)
from tests.factories import EMPTY_PAGE, open_new_case, statements

FOLLOW_UPS = "/api/v1/follow-ups"


def now_iso(**delta: Any) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


def complete(
    api: Any,
    follow_up_id: int,
    outcome: str = "abstinent",
    headers: dict[str, str] | None = None,
    **changes: Any,
) -> Any:
    body = {"contacted_at": now_iso(), "outcome": outcome, "notes": "Phoned; doing well."}
    return api.post(
        f"{FOLLOW_UPS}/{follow_up_id}/complete", json={**body, **changes}, headers=headers
    )


@pytest.fixture
def discharged(app, clinician, counsellor):
    """A case discharged as completed 10 days ago: its 7-day follow-up is overdue."""
    case = open_new_case(app, clinician, counsellor.user_id)
    agree(counsellor, case["id"])
    backdate(app, case["id"], 20)
    response = discharge(clinician, case["id"], on=centre_today() - timedelta(days=10))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# --- the "Done when" ------------------------------------------------------------------


# --- listing ----------------------------------------------------------------------------------


def test_status_filters(counsellor, discharged):
    def ids(query):
        response = counsellor.get(f"{FOLLOW_UPS}?{query}")
        assert response.status_code == 200, response.get_json()
        return [f["offset_days"] for f in response.get_json()["items"]]

    assert ids("status=overdue") == [7]
    assert ids("status=due") == [30, 90]
    assert ids("status=completed") == []
    first = counsellor.get(f"{FOLLOW_UPS}?status=overdue").get_json()["items"][0]
    assert complete(counsellor, first["id"]).status_code == 200
    assert ids("status=overdue") == []
    assert ids("status=completed") == [7]
    assert ids(f"case_id={discharged['id']}") == [7, 30, 90]


def test_overdue_is_judged_against_today_in_the_centre(counsellor, discharged, clock):
    # Discharged 10 days ago: due on today - 3, today + 20 and today + 80.
    def statuses_on(day):
        clock.set_today(day)
        counsellor.sign_in_again()
        return [f["status"] for f in counsellor.get(FOLLOW_UPS).get_json()["items"]]

    today = centre_today()
    assert statuses_on(today) == ["overdue", "due", "due"]
    assert statuses_on(today + timedelta(days=20)) == ["overdue", "due", "due"]  # due today
    assert statuses_on(today + timedelta(days=21)) == ["overdue", "overdue", "due"]
    assert statuses_on(today - timedelta(days=4)) == ["due", "due", "due"]


def test_counsellor_filter_and_pagination(app, clinician, counsellor, login_as, discharged):
    other = login_as("counsellor")
    case = open_new_case(app, clinician, other.user_id)
    discharge(clinician, case["id"], "transferred")
    everything = clinician.get(FOLLOW_UPS).get_json()
    assert everything["total"] == 6
    mine = clinician.get(f"{FOLLOW_UPS}?counsellor_id={counsellor.user_id}").get_json()
    assert {f["case_id"] for f in mine["items"]} == {discharged["id"]}
    page = clinician.get(f"{FOLLOW_UPS}?per_page=2&page=2").get_json()
    assert (page["page"], page["per_page"], page["total"], len(page["items"])) == (2, 2, 6, 2)
    dates = [f["due_on"] for f in everything["items"]]
    assert dates == sorted(dates)


def test_counsellors_see_their_caseload_only(app, clinician, counsellor, login_as, discharged):
    other = login_as("counsellor")
    assert other.get(FOLLOW_UPS).get_json() == EMPTY_PAGE
    assert other.get(f"{FOLLOW_UPS}?case_id={discharged['id']}").get_json()["total"] == 0
    follow_up = discharged["follow_ups"][0]
    for response in (
        other.get(f"{FOLLOW_UPS}/{follow_up['id']}"),
        complete(other, follow_up["id"]),
    ):
        assert response.status_code == 404
        assert set(response.get_json()) == {"code", "status", "message"}
    assert counsellor.get(FOLLOW_UPS).get_json()["total"] == 3
    assert login_as("manager").get(FOLLOW_UPS).get_json()["total"] == 3


def test_item_shape(counsellor, discharged):
    follow_up = discharged["follow_ups"][1]
    response = counsellor.get(f"{FOLLOW_UPS}/{follow_up['id']}")
    assert response.status_code == 200 and response.headers["ETag"]
    body = response.get_json()
    assert set(body) == {
        "id",
        "case_id",
        "client_id",
        "due_on",
        "status",
        "assigned_to",
        "outcome",
        "contacted_at",
        "notes",
        "completed_at",
        "completed_by",
        "offset_days",
        "version",
    }
    assert (body["case_id"], body["client_id"]) == (discharged["id"], discharged["client_id"])
    assert (body["status"], body["outcome"], body["completed_at"]) == ("due", None, None)


@pytest.mark.parametrize("query", ["status=late", "counsellor=3", "case_id=x", "per_page=500"])
def test_bad_query_is_422(clinician, query):
    assert clinician.get(f"{FOLLOW_UPS}?{query}").status_code == 422


def test_list_query_count_does_not_grow(app, clinician, counsellor, discharged):
    with statements(app) as seen:
        assert counsellor.get(FOLLOW_UPS).get_json()["total"] == 3
    with_three = len(seen)
    for _ in range(2):
        case = open_new_case(app, clinician, counsellor.user_id)
        discharge(clinician, case["id"], "transferred")
    with statements(app) as seen:
        assert counsellor.get(FOLLOW_UPS).get_json()["total"] == 9
    assert len(seen) == with_three


# --- completing -------------------------------------------------------------------------------


def test_completing_twice_is_409(counsellor, discharged):
    follow_up = discharged["follow_ups"][0]
    first = complete(counsellor, follow_up["id"], "lapse", notes="One drink at a wedding.")
    assert first.status_code == 200
    body = first.get_json()
    assert (body["outcome"], body["notes"], body["version"]) == (
        "lapse",
        "One drink at a wedding.",
        2,
    )
    assert first.headers["ETag"]
    again = complete(counsellor, follow_up["id"], "relapse")
    assert again.status_code == 409
    after = counsellor.get(f"{FOLLOW_UPS}/{follow_up['id']}").get_json()
    assert after["outcome"] == "lapse"


def test_a_lapse_raises_no_flag(app, counsellor, clinician, discharged):
    complete(counsellor, discharged["follow_ups"][0]["id"], "lapse")
    flags = clinician.get(f"/api/v1/clients/{discharged['client_id']}/flags").get_json()
    assert [f["type"] for f in flags["items"]] == []
    case = clinician.get(f"/api/v1/cases/{discharged['id']}").get_json()
    assert case["re_engagement_recommended"] is False


def test_if_match_when_sent_must_match(counsellor, discharged):
    follow_up = discharged["follow_ups"][0]
    stale = complete(counsellor, follow_up["id"], headers={"If-Match": '"follow_ups-1-v9"'})
    assert stale.status_code == 412
    etag = counsellor.get(f"{FOLLOW_UPS}/{follow_up['id']}").headers["ETag"]
    assert complete(counsellor, follow_up["id"], headers={"If-Match": etag}).status_code == 200


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"contacted_at": "2026-01-05T10:00:00"}, "contacted_at"),  # no offset
        ({"contacted_at": "soon"}, "contacted_at"),
        ({"contacted_at": now_iso(hours=2)}, "contacted_at"),  # in the future
        ({"contacted_at": now_iso(days=-11)}, "contacted_at"),  # before the discharge date
        ({"outcome": "sober"}, "outcome"),
        ({"notes": ""}, "notes"),
        ({"phoned_by": 3}, "phoned_by"),
    ],
)
def test_bad_completion_is_422_naming_the_field(counsellor, discharged, changes, field):
    follow_up = discharged["follow_ups"][0]
    response = complete(counsellor, follow_up["id"], **changes)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]["json"]
    assert counsellor.get(f"{FOLLOW_UPS}/{follow_up['id']}").get_json()["status"] == "overdue"


def test_missing_fields_are_422(counsellor, discharged):
    follow_up_id = discharged["follow_ups"][0]["id"]
    response = counsellor.post(f"{FOLLOW_UPS}/{follow_up_id}/complete", json={})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]["json"]) == {"contacted_at", "outcome", "notes"}


def test_contact_on_the_discharge_date_counts(counsellor, discharged):
    on_the_day = datetime.fromisoformat(discharged["discharge_date"]).replace(hour=12, tzinfo=UTC)
    response = complete(
        counsellor, discharged["follow_ups"][0]["id"], contacted_at=on_the_day.isoformat()
    )
    assert response.status_code == 200, response.get_json()


def test_clinician_completes_any_follow_up(clinician, discharged):
    response = complete(clinician, discharged["follow_ups"][2]["id"], "unreachable")
    assert response.status_code == 200
    assert response.get_json()["completed_by"] == clinician.user_id


@pytest.mark.parametrize("role", ["intake", "manager", "admin"])
def test_roles_that_may_not_complete(login_as, discharged, role):
    assert complete(login_as(role), discharged["follow_ups"][0]["id"]).status_code == 403


def test_manager_reads_intake_does_not(login_as, discharged):
    follow_up_id = discharged["follow_ups"][0]["id"]
    assert login_as("manager").get(f"{FOLLOW_UPS}/{follow_up_id}").status_code == 200
    assert login_as("intake").get(f"{FOLLOW_UPS}/{follow_up_id}").status_code == 403
    assert login_as("intake").get(FOLLOW_UPS).status_code == 403


def test_unknown_follow_up_is_404(clinician):
    assert clinician.get(f"{FOLLOW_UPS}/999999").status_code == 404
    assert complete(clinician, 999999).status_code == 404


# --- the end of aftercare ---------------------------------------------------------------------


def aftercare_memberships(app, case_id):
    with app.app_context():
        return db.session.execute(
            sa.select(CaseloadMembership.staff_id).where(
                CaseloadMembership.case_id == case_id,
                CaseloadMembership.kind == MembershipKind.AFTERCARE,
                CaseloadMembership.ended_at.is_(None),
            )
        ).all()


def test_the_last_follow_up_ends_aftercare_access(app, counsellor, discharged):
    first, second, last = discharged["follow_ups"]
    complete(counsellor, first["id"])
    complete(counsellor, second["id"], "declined")
    assert aftercare_memberships(app, discharged["id"]) == [(counsellor.user_id,)]
    assert counsellor.get(f"/api/v1/clients/{discharged['client_id']}").status_code == 200
    done = complete(counsellor, last["id"])
    assert done.status_code == 200 and done.get_json()["status"] == "completed"
    assert aftercare_memberships(app, discharged["id"]) == []
    assert counsellor.get(f"/api/v1/clients/{discharged['client_id']}").status_code == 404
    assert counsellor.get(PLAN.format(discharged["id"])).status_code == 404
    assert "caseload.aftercare_end" in audit_actions(app, discharged["client_id"])


# --- audit ------------------------------------------------------------------------------------


def test_follow_up_reads_and_completion_are_audited(app, counsellor, discharged):
    follow_up = discharged["follow_ups"][0]
    counsellor.get(FOLLOW_UPS)
    counsellor.get(f"{FOLLOW_UPS}/{follow_up['id']}")
    complete(counsellor, follow_up["id"], "relapse")
    actions = audit_actions(app, discharged["client_id"])
    assert actions.count("follow_up.list") == 3
    for action in (
        "follow_up.read",
        "follow_up.complete",
        "flag.raise",
        "case.re_engagement_recommended",
    ):
        assert action in actions, action
    with app.app_context():
        event = db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == "follow_up.complete")
        ).scalar_one()
    assert (event.record_id, event.actor_id, event.detail) == (
        follow_up["id"],
        counsellor.user_id,
        {"fields": ["contacted_at", "notes", "outcome"]},  # no clinical content
    )
