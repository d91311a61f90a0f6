"""Placement (outpatient with an override, inpatient at the recommendation), then on the case
page a progress note written and signed, a taper drafted and approved, and a withdrawal score
entered and seen on the chart — in Chromium, axe-core on every screen."""

from __future__ import annotations

import re
from datetime import date

from core.extensions import db
from tests.browser.conftest import axe_check, csp_clean, sign_in
from tests.factories import make_client, make_submitted_assessment


def _assessment(live_app, level: str) -> int:
    with live_app.app_context():
        client_id = make_client()
        assessment_id = make_submitted_assessment(client_id, recommended_level=level)
        db.session.commit()
    return assessment_id


def _place(page, assessment_id: int, level: str | None = None, reason: str | None = None):
    page.goto(f"/assessments/{assessment_id}/placement")
    axe_check(page)
    if level:
        page.get_by_label("Level of care").select_option(level)
    if reason:
        page.get_by_label("Reason for a level other than the recommendation").fill(reason)
    page.get_by_label("Primary counsellor").select_option(index=1)
    page.get_by_role("button", name="Place the client").click()


def test_outpatient_placement_with_an_override_needs_a_reason(page, live_app):
    assessment_id = _assessment(live_app, "1")
    sign_in(page, "clinician@demo.centre")
    _place(page, assessment_id, level="2.1")
    assert page.locator(".error").first.is_visible()
    assert "reason" in page.locator("main").inner_text().lower()
    page.get_by_label("Reason for a level other than the recommendation").fill(
        "Lives alone; daily structure needed"
    )
    page.get_by_role("button", name="Place the client").click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    assert "2.1" in page.locator("main").inner_text()
    axe_check(page)


def test_inpatient_placement_then_note_taper_and_withdrawal_on_the_case_page(page, live_app):
    assessment_id = _assessment(live_app, "3.7")
    sign_in(page, "clinician@demo.centre")
    _place(page, assessment_id)
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    case_url = page.url
    axe_check(page)
    csp_clean(page)

    _sign_a_note(page)
    _draft_and_approve_a_taper(page)
    _record_a_ciwa_b(page)
    page.goto(case_url)
    withdrawal = page.locator("#withdrawal")
    assert withdrawal.locator("svg").count() >= 1
    assert withdrawal.locator("table tbody tr").count() >= 1
    axe_check(page)
    csp_clean(page)


def _sign_a_note(page) -> None:
    note = page.locator("#note-form")
    note.locator("textarea").first.fill("Settled on the ward; sleeping 5 hours.")
    note.get_by_role("button", name="Save and sign").click()
    page.wait_for_url(re.compile(r"/cases/\d+"))
    assert "signed" in page.locator("#notes, section:has(#note-form)").first.inner_text().lower()


def _draft_and_approve_a_taper(page) -> None:
    taper = page.locator("#taper-draft")
    taper.locator("summary").click()
    taper.get_by_label(re.compile("Medication")).first.fill("Valium")
    taper.get_by_label(re.compile("Current daily dose")).first.fill("20")
    taper.get_by_label("Start date").fill(date.today().isoformat())
    taper.get_by_role("button", name="Draft the plan").first.click()
    page.wait_for_url(re.compile(r"/cases/\d+"))
    assert page.locator("#taper").count() == 1, page.locator("main").inner_text()[:500]
    approve = page.locator("#taper").get_by_role("button", name=re.compile("Approve plan"))
    approve.first.click()
    page.wait_for_url(re.compile(r"/cases/\d+"))
    assert "approved" in page.locator("#taper").inner_text().lower()
    assert page.locator("#taper svg").count() >= 1


def _record_a_ciwa_b(page) -> None:
    page.locator("#withdrawal summary", has_text="Record a CIWA-B score").click()
    form = page.locator("form[aria-label='Record a CIWA-B score']")
    for select in form.locator("select").all():
        select.select_option(index=1)
    form.get_by_role("button", name=re.compile("Record the CIWA-B score")).click()
    page.wait_for_url(re.compile(r"/cases/\d+"))
