"""Screen 10, the relapse-prevention plan editor, through the Flask test client: a draft
saved, agreeing refused with the service's reasons beside the fields (nothing saved), then
agreed; naloxone for an opioid case; schema errors beside their inputs; a stale version
(412, the other plan shown, the user's text kept); versions listed and a past one opened;
caseload filtering and roles; the discharge's plan check; a query count that does not grow
with the versions. The follow-up pages are in test_aftercare_follow_up_pages.py."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from aftercare.plans.models import AftercarePlan, PlanStatus
from cases.episodes.models import Case
from core.audit import AuditEvent
from core.clock import centre_today
from core.extensions import db
from intake.assessments.models import Assessment
from tests.factories import make_case, statements

#: A plan that may be agreed (no opioids, no medication plan), as the form posts it.
AGREEABLE: dict[str, Any] = {
    "goals": "Stay sober\nBack to work part-time",
    "triggers": "Friday payday\nArguments at home",
    "warning_signs": "Skipping meetings",
    "coping_strategies": "Call my sponsor\nUrge surfing",
    "support_contacts.0.name": "Sam Reyes",
    "support_contacts.0.relationship": "sponsor",
    "support_contacts.0.phone": "+1 555 0100",
    "support_groups.0.name": "SMART Recovery",
    "support_groups.0.schedule": "Tuesdays 19:00",
    "lapse_plan": "Stop, call the sponsor the same day, book a session.",
    "crisis_plan.crisis_line": "988",
    "crisis_plan.safety_steps": "Leave the place\nCall 988",
    "crisis_plan.naloxone_offered": "",
    "status": "agreed",
}


@pytest.fixture
def counsellor(sign_in):
    return sign_in("counsellor", name="Cass Counsellor")


@pytest.fixture
def case_id(app, counsellor):
    with app.app_context():
        found = make_case(counsellor.user_id)
        db.session.commit()
    return found


def editor(browser, case_id: int, status: int = 200) -> str:
    answer = browser.get(f"/cases/{case_id}/aftercare")
    assert answer.status_code == status, answer.get_data(as_text=True)[:800]
    return answer.get_data(as_text=True)


def version_of(text: str) -> str:
    form = text[text.index('id="plan-form"') :]
    return html.unescape(re.search(r'name="version" value="([^"]*)"', form).group(1))


def save(browser, case_id: int, version: str = "", **fields: Any) -> Any:
    return browser.post(f"/cases/{case_id}/aftercare", {**AGREEABLE, "version": version, **fields})


def stored(app, case_id: int) -> AftercarePlan | None:
    with app.app_context():
        return db.session.execute(
            sa.select(AftercarePlan).where(AftercarePlan.case_id == case_id)
        ).scalar_one_or_none()


def discharge(app, clinician, case_id: int, reason: str = "completed", days_ago: int = 0) -> Any:
    """Discharge through the case page's form, dated `days_ago` (the case is backdated)."""
    with app.app_context():
        on = centre_today() - timedelta(days=days_ago)
        if days_ago:
            then = datetime.now(UTC) - timedelta(days=days_ago + 5)
            db.session.execute(sa.update(Case).where(Case.id == case_id).values(opened_at=then))
            db.session.commit()
    body = {"reason": reason, "date": on.isoformat(), "summary": "Completed the programme."}
    return clinician.post(f"/cases/{case_id}/discharge", body)


def error_beside(text: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="ap-{re.escape(field)}-error">(.*?)</p>', text)
    assert found, f"no error beside {field}"
    return html.unescape(found.group(1))


def test_a_draft_is_saved_then_agreeing_shows_what_is_missing_and_saves_nothing(
    app, counsellor, case_id
):
    text = editor(counsellor, case_id)
    assert "No aftercare plan yet" in text
    assert 'href="#ap-triggers"' in text and 'href="#ap-crisis_plan.crisis_line"' in text
    title = re.search(r"<title>(.*?)</title>", text, re.S).group(1)
    assert "Aftercare plan" in title and "Test" not in title

    draft = save(counsellor, case_id, lapse_plan="", status="draft")
    assert draft.status_code == 303
    assert draft.headers["Location"].endswith(f"/{case_id}/aftercare?done=saved")
    plan = stored(app, case_id)
    assert (plan.version, plan.status) == (1, PlanStatus.DRAFT)
    assert plan.content["goals"] == ["Stay sober", "Back to work part-time"]
    assert plan.content["support_contacts"] == [
        {"name": "Sam Reyes", "relationship": "sponsor", "phone": "+1 555 0100"}
    ]
    assert plan.content["crisis_plan"]["naloxone_offered"] is False

    text = editor(counsellor, case_id)
    assert "Say what to do after a lapse." in text  # the gap, in words, before agreeing
    refused = save(counsellor, case_id, version_of(text), lapse_plan="", triggers="")
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert error_beside(text, "lapse_plan") == "Say what to do after a lapse."
    assert "trigger or high-risk situation" in error_beside(text, "triggers")
    assert "Friday payday" not in text.split('id="plan-form"')[1].split("ap-triggers")[1][:300]
    assert "Call my sponsor" in text  # the user's text stays in the form
    plan = stored(app, case_id)
    assert (plan.version, plan.status) == (1, PlanStatus.DRAFT)  # nothing saved

    agreed = save(counsellor, case_id, version_of(text))
    assert agreed.status_code == 303
    plan = stored(app, case_id)
    assert (plan.version, plan.status) == (2, PlanStatus.AGREED) and plan.agreed_at is not None
    text = editor(counsellor, case_id)
    assert "<strong>agreed</strong>" in text and 'id="agreement-gaps"' not in text


def test_a_save_is_confirmed_by_a_banner_and_an_unknown_word_shows_none(counsellor, case_id):
    draft = save(counsellor, case_id, status="draft")
    saved = counsellor.get(draft.headers["Location"]).get_data(as_text=True)
    assert '<p class="banner ok" role="status" id="done">Draft saved.</p>' in saved
    agreed = save(counsellor, case_id, version_of(saved))
    assert agreed.headers["Location"].endswith("?done=agreed")
    text = counsellor.get(agreed.headers["Location"]).get_data(as_text=True)
    assert 'id="done">Plan agreed.</p>' in text and "Draft saved" not in text
    for odd in ("bogus", "<script>", ""):
        text = counsellor.get(f"/cases/{case_id}/aftercare?done={odd}").get_data(as_text=True)
        assert 'id="done"' not in text


def test_an_opioid_case_needs_naloxone_offered(app, counsellor, case_id):
    with app.app_context():
        case = db.session.get(Case, case_id)
        db.session.get(Assessment, case.assessment_id).substances = [
            {"name": "heroin", "category": "opioid"}
        ]
        db.session.commit()
    refused = save(counsellor, case_id)
    assert refused.status_code == 422
    assert "offer naloxone" in error_beside(
        refused.get_data(as_text=True), "crisis_plan.naloxone_offered"
    )
    assert stored(app, case_id) is None
    done = save(counsellor, case_id, **{"crisis_plan.naloxone_offered": ["", "true"]})
    assert done.status_code == 303
    assert stored(app, case_id).content["crisis_plan"]["naloxone_offered"] is True


def test_schema_errors_are_beside_their_inputs(app, counsellor, case_id):
    refused = save(
        counsellor,
        case_id,
        status="draft",
        triggers="Payday\n" + "x" * 1001,
        **{"support_contacts.0.phone": "", "support_groups.3.name": "Walk group"},
    )
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert error_beside(text, "triggers") == "Line 2: Length must be between 1 and 1000."
    assert error_beside(text, "support_contacts.0.phone") == "Missing data for required field."
    # the kept group row is renumbered from 0, its error beside it, then one empty row
    assert "Missing data" in error_beside(text, "support_groups.1.schedule")
    assert 'value="Walk group"' in text and 'id="ap-support_groups.2.name"' in text
    assert "Support contact 1: phone" in text  # the summary names the row
    assert stored(app, case_id) is None


def test_a_stale_version_saves_nothing_and_shows_their_plan(app, sign_in, counsellor, case_id):
    opened = editor(counsellor, case_id)
    clinician = sign_in("clinician")
    assert save(clinician, case_id, status="draft", goals="Their goal").status_code == 303
    stale = save(counsellor, case_id, version_of(opened), status="draft", goals="My goal")
    assert stale.status_code == 412
    text = stale.get_data(as_text=True)
    assert "Someone else saved this aftercare plan" in text
    theirs = text[text.index('id="their-plan"') : text.index('id="plan-editor"')]
    assert "Their goal" in theirs
    assert "My goal" in text[text.index('id="plan-form"') :]
    assert stored(app, case_id).content["goals"] == ["Their goal"]
    again = save(counsellor, case_id, version_of(text), status="draft", goals="My goal")
    assert again.status_code == 303 and stored(app, case_id).content["goals"] == ["My goal"]


def test_versions_are_listed_and_a_past_one_opens_read_only(app, counsellor, case_id):
    assert save(counsellor, case_id, status="draft", goals="First").status_code == 303
    text = editor(counsellor, case_id)
    assert save(counsellor, case_id, version_of(text)).status_code == 303
    text = editor(counsellor, case_id)
    versions = text[text.index('id="versions"') :]
    assert versions.count("Version ") >= 2 and ">draft<" in versions and ">agreed<" in versions
    past = counsellor.get(f"/cases/{case_id}/aftercare/versions/1")
    assert past.status_code == 200
    body = past.get_data(as_text=True)
    assert "<li>First</li>" in body and "<strong>draft</strong>" in body
    assert 'id="plan-form"' not in body
    assert counsellor.get(f"/cases/{case_id}/aftercare/versions/9").status_code == 404
    with app.app_context():
        read = db.session.scalars(
            sa.select(AuditEvent.detail).where(AuditEvent.action == "aftercare_plan.version_read")
        ).all()
    assert len(read) == 1 and "First" not in str(read)  # audited, no clinical content


def test_another_caseload_gets_the_unknown_id_page(app, sign_in, case_id):
    stranger = sign_in("counsellor")
    other, missing = editor(stranger, case_id, 404), editor(stranger, 999999, 404)
    assert other == missing
    assert save(stranger, case_id).status_code == 404
    assert save(stranger, case_id, triggers="x" * 1001).status_code == 404
    assert stranger.get(f"/cases/{case_id}/aftercare/versions/1").status_code == 404
    assert stored(app, case_id) is None


def test_a_manager_reads_the_plan_and_may_not_write_it(app, sign_in, counsellor, case_id):
    assert save(counsellor, case_id).status_code == 303
    manager = sign_in("manager")
    text = editor(manager, case_id)
    assert 'id="plan-read"' in text and 'id="plan-form"' not in text
    assert "Friday payday" in text
    assert save(manager, case_id, goals="Mine now").status_code == 403


def test_the_discharge_needs_the_agreed_plan_then_schedules_three_follow_ups(
    app, sign_in, counsellor, case_id
):
    clinician = sign_in("clinician")
    refused = discharge(app, clinician, case_id)
    assert refused.status_code == 409 and 'id="discharge-refused"' in refused.get_data(as_text=True)
    assert save(counsellor, case_id).status_code == 303
    assert discharge(app, clinician, case_id).status_code == 303
    listed = counsellor.get("/follow-ups").get_data(as_text=True)
    rows = re.findall(rf'<a href="/cases/{case_id}">Case {case_id}</a>', listed)
    assert len(rows) == 3
    for days in (7, 30, 90):
        assert f"{days}-day follow-up: record the outcome" in listed


def test_the_editor_query_count_does_not_grow_with_the_versions(app, counsellor, case_id):
    assert save(counsellor, case_id, status="draft").status_code == 303
    editor(counsellor, case_id)  # warm up
    with statements(app) as few:
        editor(counsellor, case_id)
    for n in range(4):
        text = editor(counsellor, case_id)
        save(counsellor, case_id, version_of(text), status="draft", goals=f"Goal {n}")
    with statements(app) as many:
        text = editor(counsellor, case_id)
    assert text.count("/aftercare/versions/") == 5
    assert len(many) == len(few), "\n".join(many)
    assert len(few) == 19, len(few)  # pinned: the same on SQLite and PostgreSQL
