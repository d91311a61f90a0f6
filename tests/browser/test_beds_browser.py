"""The bed board in Chromium, from the keyboard: a clinician discharges an inpatient from the
board and the freed bed is taken by the waitlisted patient (the board says so); a bed that
comes free without a discharge is filled from the waitlist by hand; a counsellor sees an
occupant off their caseload only as "occupied". axe-core on every screen of the journey."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from itertools import count

import sqlalchemy as sa

from auth.models import User
from cases.episodes.models import Case
from core.extensions import db
from tests.browser.conftest import axe_check, csp_clean, sign_in
from tests.browser.keyboard import fill, press_button, tab_to
from tests.factories import make_bed, make_case

#: Sorts before the demo's unit "North", so the journey's beds are on the board's first page.
UNIT = "Annex (browser)"
_room = count(1)
#: Ahead of anyone else waiting: urgent review, waitlisted long ago.
FIRST_IN_LINE = datetime(2001, 1, 1, tzinfo=UTC)


def _counsellor_id() -> int:
    return db.session.scalars(
        sa.select(User.id).where(User.email == "counsellor@demo.centre")
    ).one()


def _inpatient(bed_id: int | None) -> int:
    """An inpatient case of the demo counsellor: in `bed_id`, or first on the waitlist."""
    case = db.session.get(Case, make_case(_counsellor_id(), level="3.7"))
    case.setting = "inpatient"
    if bed_id is None:
        case.status, case.waitlisted_at, case.requires_urgent_review = (
            "waitlisted",
            FIRST_IN_LINE,
            True,
        )
    else:
        case.status, case.bed_id, case.admitted_at = "admitted", bed_id, FIRST_IN_LINE
    db.session.flush()
    return case.id


def _ward(live_app, occupied: bool, waiting: bool = True) -> tuple[int, int | None, int | None]:
    """A new room with one bed (occupied or free) and a case first on the waitlist."""
    with live_app.app_context():
        bed = make_bed(UNIT, str(next(_room)), "A")
        inside = _inpatient(bed) if occupied else None
        waiting = _inpatient(None) if waiting else None
        db.session.commit()
    return bed, inside, waiting


def _status(live_app, case_id: int) -> tuple[str, int | None]:
    with live_app.app_context():
        case = db.session.get(Case, case_id)
        return case.status.value, case.bed_id


def test_a_discharge_from_the_board_admits_the_waitlisted_patient(page, live_app):
    bed, inpatient, waiting = _ward(live_app, occupied=True)
    sign_in(page, "clinician@demo.centre")
    page.goto("/beds")
    axe_check(page)
    csp_clean(page)
    assert f"Case {inpatient}" in page.locator(f"#bed-{bed}").inner_text()
    tab_to(page, lambda a: a["tag"] == "A" and a["text"] == f"Discharge case {inpatient}")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/beds/discharge/{inpatient}$"))
    assert f"case {waiting}" in page.locator("#bed-next").inner_text()
    whose = page.locator("#discharge-client").inner_text()
    assert "MRN " in whose and "born " in whose  # who is being discharged
    assert "MRN" not in page.title()
    axe_check(page)
    fill(page, {"reason": "transferred", "summary": "Moved to the partner programme."})
    press_button(page, "Discharge")
    page.wait_for_url(re.compile(r"/beds\?"))
    outcome = page.locator("#outcome").inner_text()
    assert f"Case {inpatient} was discharged." in outcome
    assert f"case {waiting}" in outcome and "first case on the waitlist" in outcome
    assert f"Case {waiting}" in page.locator(f"#bed-{bed}").inner_text()
    assert _status(live_app, inpatient)[0] == "discharged"
    assert _status(live_app, waiting) == ("admitted", bed)
    axe_check(page)
    csp_clean(page)


def test_a_free_bed_is_filled_from_the_waitlist_by_hand(page, live_app):
    bed, _none, waiting = _ward(live_app, occupied=False)
    sign_in(page, "clinician@demo.centre")
    page.goto("/beds")
    assert "Free" in page.locator(f"#bed-{bed}").inner_text()
    assert page.get_by_label(f"Bed for case {waiting}").is_visible()
    axe_check(page)
    fill(page, {"bed_id": str(bed)})
    press_button(page, f"Admit case {waiting}")
    page.wait_for_url(re.compile(r"/beds\?"))
    assert f"Case {waiting} was admitted from the waitlist" in page.locator("#outcome").inner_text()
    assert f"Case {waiting}" in page.locator(f"#bed-{bed}").inner_text()
    assert _status(live_app, waiting) == ("admitted", bed)
    axe_check(page)
    csp_clean(page)


def test_a_counsellor_off_the_caseload_sees_only_occupied(page, live_app):
    bed, inpatient, _none = _ward(live_app, occupied=True, waiting=False)
    sign_in(page, "counsellor2@demo.centre")
    page.goto("/beds")
    cell = page.locator(f"#bed-{bed}").inner_text()
    assert "Occupied (not on your caseload)" in cell and str(inpatient) not in cell
    assert page.get_by_role("button", name=re.compile("Admit")).count() == 0
    axe_check(page)
    csp_clean(page)
