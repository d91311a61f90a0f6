"""Relapse-prevention (aftercare) plans through the API: versions, If-Match, what agreeing
needs, strict input, who may read and write, and the audit trail. The helpers at the top
are shared by the other aftercare tests."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from cases.episodes.models import Case
from core.audit import AuditEvent
from core.extensions import db
from tests.factories import open_new_case

PLAN = "/api/v1/cases/{}/aftercare-plan"

#: A plan a clinician would agree to: every section filled in.
AGREED_PLAN: dict[str, Any] = {
    "goals": ["Stay abstinent from alcohol", "Return to work part-time"],
    "triggers": ["Friday payday", "Arguments at home"],
    "warning_signs": ["Skipping meetings", "Poor sleep"],
    "coping_strategies": ["Call sponsor", "Urge surfing", "Leave the situation"],
    "support_contacts": [{"name": "Sam Reyes", "relationship": "sponsor", "phone": "+1 555 0100"}],
    "support_groups": [{"name": "SMART Recovery", "schedule": "Tuesdays 19:00"}],
    "lapse_plan": "Stop, call the sponsor the same day, book a session with the counsellor.",
    "crisis_plan": {
        "crisis_line": "988",
        "safety_steps": ["Remove alcohol from home", "Go to a safe place", "Call 988"],
        "naloxone_offered": False,
        "safe_storage": "Return leftover diazepam to the pharmacy.",
    },
    "medication_plan": "Diazepam taper continues: 5 mg less every 2 weeks, GP reviews.",
    "status": "agreed",
}


def agreed_plan(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(AGREED_PLAN)
    body.update(changes)
    return body


def draft_plan(**changes: Any) -> dict[str, Any]:
    return agreed_plan(status="draft", **changes)


def centre_today() -> date:
    return datetime.now(UTC).date()


def backdate(app: Any, case_id: int, days: int) -> None:
    """Pretend the case was opened (and admitted) `days` ago, so it can be discharged on an
    earlier date."""
    then = datetime.now(UTC) - timedelta(days=days)
    with app.app_context():
        values: dict[str, Any] = {"opened_at": then}
        admitted = db.session.execute(
            sa.select(Case.admitted_at).where(Case.id == case_id)
        ).scalar()
        if admitted is not None:
            values["admitted_at"] = then
        db.session.execute(sa.update(Case).where(Case.id == case_id).values(**values))
        db.session.commit()


def save_plan(api: Any, case_id: int, body: dict[str, Any], etag: str | None = None) -> Any:
    headers = {"If-Match": etag} if etag else {}
    return api.put(PLAN.format(case_id), json=body, headers=headers)


def agree(api: Any, case_id: int) -> Any:
    """Create the case's plan as agreed."""
    response = save_plan(api, case_id, agreed_plan())
    assert response.status_code == 201, response.get_json()
    return response


def discharge(
    api: Any, case_id: int, reason: str = "completed", on: date | None = None, **extra: Any
) -> Any:
    body = {"reason": reason, "date": (on or centre_today()).isoformat(), "summary": "Done."}
    return api.post(f"/api/v1/cases/{case_id}/discharge", json={**body, **extra})


def audit_actions(app: Any, client_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.execute(
                sa.select(AuditEvent.action)
                .where(AuditEvent.client_id == client_id)
                .order_by(AuditEvent.id)
            ).scalars()
        )


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def case(app, clinician, counsellor):
    return open_new_case(app, clinician, counsellor.user_id)


# --- saving and reading -----------------------------------------------------------------------


def test_no_plan_yet_is_404(counsellor, case):
    response = counsellor.get(PLAN.format(case["id"]))
    assert response.status_code == 404
    assert counsellor.get(PLAN.format(case["id"]) + "/versions").get_json()["items"] == []


def test_first_save_is_201_without_if_match(counsellor, case):
    response = save_plan(counsellor, case["id"], draft_plan())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["case_id"], body["version"], body["status"]) == (case["id"], 1, "draft")
    assert body["coping_strategies"] == AGREED_PLAN["coping_strategies"]
    assert body["crisis_plan"]["crisis_line"] == "988"
    assert body["agreed_at"] is None and body["updated_by"] == counsellor.user_id
    assert response.headers["ETag"]
    read = counsellor.get(PLAN.format(case["id"]))
    assert read.status_code == 200 and read.get_json() == body
    assert read.headers["ETag"] == response.headers["ETag"]


def test_omitted_sections_are_empty(counsellor, case):
    body = save_plan(counsellor, case["id"], {"goals": ["Sleep well"]}).get_json()
    assert body["status"] == "draft"
    assert (body["triggers"], body["support_contacts"], body["crisis_plan"]) == ([], [], None)
    assert body["lapse_plan"] is None and body["medication_plan"] is None


def test_update_needs_if_match(counsellor, case):
    first = save_plan(counsellor, case["id"], draft_plan())
    missing = save_plan(counsellor, case["id"], agreed_plan())
    assert missing.status_code == 428
    stale = save_plan(counsellor, case["id"], agreed_plan(), etag='"aftercare_plans-1-v99"')
    assert stale.status_code == 412
    ok = save_plan(counsellor, case["id"], agreed_plan(), etag=first.headers["ETag"])
    assert ok.status_code == 200, ok.get_json()
    assert (ok.get_json()["version"], ok.get_json()["status"]) == (2, "agreed")
    assert ok.get_json()["agreed_at"] is not None
    again = save_plan(counsellor, case["id"], draft_plan(), etag=first.headers["ETag"])
    assert again.status_code == 412  # the ETag of version 1 is stale now


def test_every_version_is_kept_oldest_first(counsellor, clinician, case):
    v1 = save_plan(counsellor, case["id"], draft_plan(goals=["One"]))
    v2 = save_plan(clinician, case["id"], agreed_plan(), etag=v1.headers["ETag"])
    v3 = save_plan(
        counsellor, case["id"], draft_plan(goals=["One", "Two"]), etag=v2.headers["ETag"]
    )
    assert v3.status_code == 200 and v3.get_json()["version"] == 3
    assert v3.get_json()["agreed_at"] is None  # back to a draft: no longer agreed
    versions = counsellor.get(PLAN.format(case["id"]) + "/versions").get_json()
    assert versions["total"] == 3
    items = versions["items"]
    assert [(v["version"], v["status"]) for v in items] == [
        (1, "draft"),
        (2, "agreed"),
        (3, "draft"),
    ]
    saved_by = [v["saved_by"] for v in items]
    assert saved_by == [counsellor.user_id, clinician.user_id, counsellor.user_id]
    assert items[0]["content"]["goals"] == ["One"]
    assert items[2]["content"]["goals"] == ["One", "Two"]
    assert set(items[1]["content"]) == set(AGREED_PLAN) - {"status"}
    assert all(v["saved_at"] for v in items)


def test_saving_the_same_plan_again_keeps_the_version(counsellor, case):
    first = save_plan(counsellor, case["id"], draft_plan())
    same = save_plan(counsellor, case["id"], draft_plan(), etag=first.headers["ETag"])
    assert same.status_code == 200 and same.get_json()["version"] == 1
    assert counsellor.get(PLAN.format(case["id"]) + "/versions").get_json()["total"] == 1


def test_plan_can_be_written_after_discharge(app, clinician, counsellor, case):
    assert discharge(clinician, case["id"], "against_advice").status_code == 200
    created = save_plan(counsellor, case["id"], draft_plan())
    assert created.status_code == 201
    agreed = save_plan(counsellor, case["id"], agreed_plan(), etag=created.headers["ETag"])
    assert agreed.status_code == 200 and agreed.get_json()["status"] == "agreed"


# --- agreeing ---------------------------------------------------------------------------------


def test_agreeing_an_incomplete_plan_is_422_naming_what_is_missing(counsellor, case):
    response = save_plan(counsellor, case["id"], {"goals": ["Stay sober"], "status": "agreed"})
    assert response.status_code == 422
    body = response.get_json()
    expected = {
        "triggers",
        "coping_strategies",
        "lapse_plan",
        "crisis_plan.crisis_line",
        "crisis_plan.safety_steps",
    }
    assert set(body["missing"]) == expected
    assert set(body["errors"]["json"]) == expected
    assert counsellor.get(PLAN.format(case["id"])).status_code == 404  # nothing saved


def test_blank_entries_do_not_count_towards_agreement(counsellor, case):
    body = agreed_plan(coping_strategies=["  "], lapse_plan="   ")
    response = save_plan(counsellor, case["id"], body)
    assert response.status_code == 422
    assert set(response.get_json()["missing"]) == {"coping_strategies", "lapse_plan"}


def test_agreeing_when_opioids_are_involved_needs_naloxone_offered(app, clinician, counsellor):
    substances = [{"substance": "heroin", "category": "opioid", "prescribed": False}]
    case = open_new_case(app, clinician, counsellor.user_id, substances=substances)
    refused = save_plan(counsellor, case["id"], agreed_plan())  # naloxone_offered: false
    assert refused.status_code == 422
    assert refused.get_json()["missing"] == ["crisis_plan.naloxone_offered"]
    plan = agreed_plan()
    plan["crisis_plan"]["naloxone_offered"] = True
    assert save_plan(counsellor, case["id"], plan).status_code == 201


def test_agreeing_with_a_medication_plan_needs_safe_storage(counsellor, case):
    plan = agreed_plan()
    del plan["crisis_plan"]["safe_storage"]
    response = save_plan(counsellor, case["id"], plan)
    assert response.status_code == 422
    assert response.get_json()["missing"] == ["crisis_plan.safe_storage"]
    plan["medication_plan"] = None
    assert save_plan(counsellor, case["id"], plan).status_code == 201


def test_a_draft_may_be_incomplete(counsellor, case):
    response = save_plan(counsellor, case["id"], {"status": "draft"})
    assert response.status_code == 201


# --- strict input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"goals": ["x"], "owner": 1}, "owner"),
        ({"crisis_plan": {"crisis_line": "988", "pager": "1"}}, "crisis_plan"),
        ({"crisis_plan": {"safety_steps": ["Call"]}}, "crisis_plan"),
        ({"support_contacts": [{"name": "Ann", "relationship": "sister"}]}, "support_contacts"),
        ({"support_groups": [{"name": "AA"}]}, "support_groups"),
        ({"goals": "stay sober"}, "goals"),
        ({"goals": [""]}, "goals"),
        ({"status": "final"}, "status"),
        ({"lapse_plan": 5}, "lapse_plan"),
        ({"version": 3}, "version"),
    ],
)
def test_bad_input_is_422_naming_the_field(counsellor, case, body, field):
    response = save_plan(counsellor, case["id"], body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]
    assert counsellor.get(PLAN.format(case["id"])).status_code == 404


# --- who may read and write -------------------------------------------------------------------


def test_intake_and_admin_may_not_read_or_write(login_as, case):
    for role in ("intake", "admin"):
        api = login_as(role)
        assert save_plan(api, case["id"], draft_plan()).status_code == 403
        assert api.get(PLAN.format(case["id"])).status_code == 403


def test_manager_reads_but_does_not_write(login_as, counsellor, case):
    first = save_plan(counsellor, case["id"], draft_plan())
    manager = login_as("manager")
    assert manager.get(PLAN.format(case["id"])).status_code == 200
    assert manager.get(PLAN.format(case["id"]) + "/versions").status_code == 200
    refused = save_plan(manager, case["id"], agreed_plan(), etag=first.headers["ETag"])
    assert refused.status_code == 403


def test_other_counsellor_gets_404_with_no_client_data(login_as, counsellor, case):
    save_plan(counsellor, case["id"], draft_plan())
    other = login_as("counsellor")
    for response in (
        other.get(PLAN.format(case["id"])),
        other.get(PLAN.format(case["id"]) + "/versions"),
        save_plan(other, case["id"], draft_plan(), etag="*"),
    ):
        assert response.status_code == 404
        body = response.get_json()
        assert set(body) == {"code", "status", "message"}
        assert "aftercare" not in body["message"]  # says "No such case", like an unknown id
    unknown = other.get(PLAN.format(999999)).get_json()
    assert unknown["message"] == other.get(PLAN.format(case["id"])).get_json()["message"]


def test_unknown_case_is_404(clinician):
    assert clinician.get(PLAN.format(999999)).status_code == 404
    assert save_plan(clinician, 999999, draft_plan()).status_code == 404


# --- audit ------------------------------------------------------------------------------------


def test_reads_and_writes_are_audited_with_the_client(app, counsellor, case):
    first = save_plan(counsellor, case["id"], draft_plan())
    save_plan(counsellor, case["id"], agreed_plan(), etag=first.headers["ETag"])
    counsellor.get(PLAN.format(case["id"]))
    counsellor.get(PLAN.format(case["id"]) + "/versions")
    actions = audit_actions(app, case["client_id"])
    for action in (
        "aftercare_plan.create",
        "aftercare_plan.update",
        "aftercare_plan.read",
        "aftercare_plan.versions",
    ):
        assert action in actions, action
    with app.app_context():
        event = db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == "aftercare_plan.update")
        ).scalar_one()
    assert event.actor_id == counsellor.user_id
    # field names and the version, never the plan's content (no clinical content)
    assert event.detail["version"] == 2 and "status" in event.detail["fields"]
    assert "agreed" not in str(event.detail)


def test_refused_agreement_is_audited_as_failed(app, counsellor, case):
    save_plan(counsellor, case["id"], {"status": "agreed"})
    with app.app_context():
        outcomes = db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.outcome).where(
                AuditEvent.actor_id == counsellor.user_id
            )
        ).all()
    assert ("plans.save_aftercare_plan", "422") in outcomes
    assert not any(action == "aftercare_plan.create" for action, _ in outcomes)
