"""Screen 10 in Chromium: a clinician tries to agree an empty plan (the missing sections
shown beside the fields), writes and agrees it, opens a past version, discharges the case as
completed from the case page (three follow-ups, visible in the list); the counsellor records
a relapse on the 7-day follow-up and sees re-engagement recommended — axe-core on every
screen."""

from __future__ import annotations

import re

from core.extensions import db
from tests.browser.conftest import axe_check, csp_clean, sign_in
from tests.factories import make_case


def _case(live_app) -> int:
    """An open outpatient case on the demo counsellor's caseload."""
    from auth.models import User

    with live_app.app_context():
        counsellor = db.session.execute(
            db.select(User.id).where(User.email == "counsellor@demo.centre")
        ).scalar_one()
        case_id = make_case(counsellor)
        db.session.commit()
    return case_id


def _agree_the_plan(page, case_id: int) -> None:
    page.goto(f"/cases/{case_id}/aftercare")
    axe_check(page)
    page.get_by_role("button", name="Agree the plan").click()
    page.wait_for_url(re.compile(rf"/cases/{case_id}/aftercare"))
    assert page.locator("#ap-triggers-error").is_visible()
    assert "Say what to do after a lapse." in page.locator("#ap-lapse_plan-error").inner_text()
    axe_check(page)
    page.get_by_label("Triggers and high-risk situations").fill("Friday payday\nArguments")
    page.get_by_label("Coping strategies").fill("Call my sponsor")
    form = page.locator("#plan-form")
    contact = form.locator("fieldset", has_text="Support contact 1")
    contact.get_by_label("Name").fill("Sam Reyes")
    contact.get_by_label("Relationship").fill("sponsor")
    contact.get_by_label("Phone").fill("+1 555 0100")
    page.get_by_label("After a lapse").fill("Call the sponsor the same day.")
    page.get_by_label("Crisis line").fill("988")
    page.get_by_label("Safety steps").fill("Leave the place\nCall 988")
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_url(re.compile(rf"/cases/{case_id}/aftercare\?done=saved$"))
    assert page.locator("#done").inner_text() == "Draft saved."
    assert "draft" in page.locator("#plan-status").inner_text()
    page.get_by_role("button", name="Agree the plan").click()
    page.wait_for_url(re.compile(rf"/cases/{case_id}/aftercare\?done=agreed$"))
    assert page.locator("#done").inner_text() == "Plan agreed."
    assert "agreed" in page.locator("#plan-status").inner_text()
    axe_check(page)
    page.get_by_role("link", name="Version 1").click()
    page.wait_for_url(re.compile(r"/aftercare/versions/1$"))
    assert "Friday payday" in page.locator("main").inner_text()
    axe_check(page)


def _discharge(page, case_id: int) -> None:
    page.goto(f"/cases/{case_id}")
    section = page.locator("#discharge")
    section.get_by_label("Reason").select_option("completed")
    section.get_by_label("Discharge summary").fill("Completed the programme.")
    section.get_by_role("button", name="Discharge").click()
    page.wait_for_url(re.compile(rf"/cases/{case_id}"))
    assert page.locator("#follow-ups tbody tr").count() == 3
    axe_check(page)


def test_plan_agreed_discharge_follow_ups_and_a_relapse(page, live_app):
    case_id = _case(live_app)
    sign_in(page, "clinician@demo.centre")
    _agree_the_plan(page, case_id)
    _discharge(page, case_id)
    page.goto("/follow-ups?whose=all")
    rows = page.locator("#follow-up-list tbody tr", has=page.locator(f'a[href="/cases/{case_id}"]'))
    assert rows.count() == 3
    axe_check(page)
    csp_clean(page)

    page.context.clear_cookies()
    sign_in(page, "counsellor@demo.centre")
    page.goto("/follow-ups")
    axe_check(page)
    mine = page.locator("#follow-up-list tbody tr", has=page.locator(f'a[href="/cases/{case_id}"]'))
    assert mine.count() == 3
    mine.first.get_by_role("link", name=re.compile("7-day follow-up")).click()
    page.wait_for_url(re.compile(r"/follow-ups/\d+$"))
    call = page.locator("#contacts").inner_text()
    assert "Sam Reyes (sponsor), +1 555 0100" in call and "988" in call
    axe_check(page)
    page.get_by_role("combobox", name=re.compile("^Outcome")).select_option("relapse")
    page.get_by_role("textbox", name=re.compile("^Notes")).fill("Drinking daily again.")
    page.get_by_role("button", name="Record the outcome").click()
    page.wait_for_url(re.compile(r"/follow-ups/\d+$"))
    assert "Re-engagement recommended" in page.locator("#re-engagement").inner_text()
    assert "Relapse" in page.locator("#follow-up-outcome").inner_text()
    axe_check(page)
    page.goto(f"/cases/{case_id}/aftercare")
    assert page.locator("#re-engagement").is_visible()
    axe_check(page)
    csp_clean(page)
