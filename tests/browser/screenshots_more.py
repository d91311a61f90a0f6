"""Screenshots of screens 8-12 (calendar, bed board, aftercare, dashboard, admin) at 1280x800
into docs/screenshots/, going the way a new user would: from the navigation and the links and
buttons the screens show, naming fields by the labels on screen. Called at the end of
`tests.browser.screenshots.main()`, after part 1's journey (which registers Sam Rivers and
places him as an outpatient), on the same demo database:

- a counsellor books a weekly group, first at a time that clashes with the demo CBT series
  (the conflict is shown), then at a free time earlier today, and takes its attendance;
- the counsellor writes and agrees Alex Morgan's relapse-prevention plan;
- a clinician moves two outpatients to an inpatient level (one takes the free bed, one joins
  the waitlist) and discharges Alex Morgan from the bed board, her bed going to the waitlist;
- the counsellor opens the follow-ups the discharge scheduled and records the first one;
- a manager reads the dashboard, downloads its CSV and filters the audit trail;
- an administrator creates a staff account and opens it.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.browser.conftest import sign_in

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
GROUP_CLIENTS = ("Alex Morgan", "Sam Okafor")


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"))
    print("wrote", OUT / f"{name}.png")


def _top(locator: Any) -> None:
    """Scroll so the element is at the top of the window (what a reader scrolls to)."""
    locator.evaluate("e => e.scrollIntoView({block: 'start'})")


def _as(browser: Any, base: str, email: str) -> Any:
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, email)
    return page


def _nav(page: Any, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()
    page.wait_for_load_state()


# -- screen 8: the calendar -------------------------------------------------------------------


def _cbt_slot(page: Any) -> tuple[str, str]:
    """The day (YYYY-MM-DD) and start (HH:MM) of the CBT session the week shows."""
    item = page.locator("#week .sessions li", has_text="CBT").first
    day = item.locator("xpath=ancestor::section[1]").get_attribute("aria-labelledby")
    start = re.search(r"\d\d:\d\d", item.inner_text())
    assert day and start, "the demo CBT session is not on next week's calendar"
    return day.removeprefix("day-"), start.group(0)


def _checked(page: Any, day: str, start: str) -> str:
    """Set the date and start time, and answer the conflict check's element id."""
    with page.expect_response(lambda r: r.url.endswith("/calendar/conflicts")):
        page.get_by_label(re.compile("^Date")).fill(day)
        page.get_by_label("Start time").fill(start)
    page.wait_for_timeout(500)  # a second check may follow the first (one per change)
    return page.locator("#conflicts > *").first.get_attribute("id") or ""


def _fill_group(page: Any) -> None:
    page.get_by_label("Type of session").select_option(label="Group")
    page.get_by_label("Title (optional)").fill("Relapse prevention group")
    page.get_by_label("Room").select_option(label="Willow (up to 10)")
    page.get_by_label("Length in minutes").fill("90")
    page.get_by_label("Capacity (groups)").fill("8")
    for name in GROUP_CLIENTS:
        page.get_by_label(re.compile(rf"^{name} · case")).check()
    page.get_by_label("Repeats").select_option(label="Weekly")
    page.get_by_label("Number of weeks").fill("4")


def _free_start(page: Any) -> None:
    """Move the booking to today at a time already begun (so attendance can be taken)."""
    now = datetime.now(ZoneInfo(os.environ.get("CENTRE_TIMEZONE", "UTC")))
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for back in (60, 150, 240, 330):
        start = max(midnight, now - timedelta(minutes=back + now.minute % 5))
        if _checked(page, now.date().isoformat(), start.strftime("%H:%M")) == "conflict-clear":
            return
    raise AssertionError("no free time found earlier today for the group")


def _book_group(page: Any) -> None:
    """Book the weekly group: first over the CBT session (the clash), then at a free time."""
    _nav(page, "Calendar")
    page.get_by_role("link", name="Next week →").click()
    day, start = _cbt_slot(page)
    page.get_by_role("link", name="Book a session").click()
    _fill_group(page)
    assert _checked(page, day, start) == "conflict-list", "the clash was not reported"
    _top(page.locator("#f-recurrence"))
    _shot(page, "08-calendar-book-conflict")
    _free_start(page)
    page.get_by_role("button", name="Book the session").click()
    page.wait_for_url(re.compile(r"/sessions/\d+\?done=booked"))
    _shot(page, "08-calendar-session")


def _take_attendance(page: Any) -> None:
    page.get_by_role("link", name="Take attendance").click()
    page.wait_for_url(re.compile(r"/sessions/\d+/attendance$"))
    for n, person in enumerate(page.locator("fieldset.attendance").all()):
        person.get_by_label("Late" if n == 1 else "Attended", exact=True).check()
    _shot(page, "08-calendar-attendance")
    page.get_by_role("button", name="Save attendance").click()
    page.wait_for_url(re.compile(r"\?done=attendance"))
    assert page.locator("#participants td", has_text="late").count() == 1


def calendar(page: Any) -> None:
    """Screen 8 as a counsellor: the weekly group, its attendance, the week, the feed."""
    _book_group(page)
    _take_attendance(page)
    page.get_by_role("link", name="Back to the week").click()
    page.get_by_role("link", name="Next week →").click()
    page.locator("#week .sessions li", has_text="Group").first.wait_for()
    _shot(page, "08-calendar-week")
    page.get_by_role("button", name="Get a subscription link").click()
    page.locator("#feed-url").wait_for()
    _shot(page, "08-calendar-subscription")


# -- screen 10: aftercare ---------------------------------------------------------------------

PLAN = {
    "Goals": "Stay alcohol-free\nBack to work part-time by March",
    "Triggers and high-risk situations": "Payday evenings\nArguments at home",
    "Early warning signs": "Skipping meetings\nPoor sleep",
    "Coping strategies": "Phone Jo\nEvening walk\nSMART Recovery tools",
    "After a lapse": "Tell the counsellor within a day; go to the next meeting.",
    "Crisis line": "988",
    "Safety steps": "Leave the situation\nPhone Jo\nPhone 988",
}


def _open_case(page: Any, search: str, client: str) -> None:
    """From the client list, by name, to the client's current case."""
    _nav(page, "Clients")
    page.get_by_label(re.compile("Search by name")).press_sequentially(search, delay=30)
    page.wait_for_selector("#results caption:has-text('matching the search')")
    page.get_by_role("link", name=client).click()
    page.wait_for_url(re.compile(r"/clients/\d+$"))
    page.locator("p", has_text="Current episode").get_by_role("link").click()
    page.wait_for_url(re.compile(r"/cases/\d+"))


def aftercare_plan(page: Any) -> None:
    """Screen 10 as a counsellor: Alex Morgan's relapse-prevention plan, agreed."""
    _open_case(page, "morgan", "Morgan, Alex")
    page.get_by_role("link", name="Aftercare plan").click()
    page.wait_for_url(re.compile(r"/aftercare$"))
    for label, value in PLAN.items():
        page.get_by_label(label, exact=True).fill(value)
    contact = page.locator("#ap-support_contacts fieldset").first
    contact.get_by_label("Name").fill("Jo Morgan")
    contact.get_by_label("Relationship").fill("Sister")
    contact.get_by_label("Phone").fill("555 0142")
    group = page.locator("#ap-support_groups fieldset").first
    group.get_by_label("Name").fill("SMART Recovery")
    group.get_by_label("When and where").fill("Thursdays 7pm, the library")
    page.get_by_role("button", name="Save as draft").click()
    page.locator("#agreement-gaps.ok").wait_for()
    page.get_by_role("button", name="Agree the plan").click()
    page.locator("#plan-status", has_text="agreed").wait_for()
    _shot(page, "10-aftercare-plan")


def follow_ups(page: Any) -> None:
    """Screen 10 as the counsellor: the follow-ups Alex Morgan's discharge scheduled."""
    _nav(page, "Follow-ups")
    page.locator("#follow-up-list tbody tr", has_text="7-day").wait_for()
    _shot(page, "10-follow-ups")
    page.get_by_role("link", name=re.compile("7-day follow-up")).first.click()
    page.wait_for_url(re.compile(r"/follow-ups/\d+$"))
    page.get_by_label(re.compile("^Outcome")).select_option(label="Abstinent since discharge")
    page.get_by_label("Notes").fill("Phoned; going to SMART Recovery on Thursdays, no use.")
    _shot(page, "10-follow-up-outcome")
    page.get_by_role("button", name="Record the outcome").click()
    page.locator("#follow-up-outcome").wait_for()


# -- screen 9: the bed board ------------------------------------------------------------------


def _to_inpatient(page: Any, search: str, client: str) -> None:
    _open_case(page, search, client)
    page.locator("#levels summary").click()
    page.get_by_label("New level").select_option(label="3.7 — medically monitored inpatient")
    page.get_by_label("Reason for the change").fill("Withdrawal needs medical monitoring.")
    page.get_by_role("button", name="Change the level").click()
    page.wait_for_url(re.compile(r"/cases/\d+"))


def beds(page: Any) -> None:
    """Screen 9 as a clinician: two admissions (a bed, the waitlist), then a discharge."""
    _to_inpatient(page, "okafor", "Okafor, Sam")
    _to_inpatient(page, "rivers", "Rivers, Sam")
    _nav(page, "Beds")
    page.locator("#waitlist-table").wait_for()
    _shot(page, "09-bed-board")
    occupied = page.locator("#beds tbody tr", has_text="(AM)")  # Alex Morgan's initials
    occupied.get_by_role("link", name=re.compile("^Discharge case")).click()
    page.get_by_label("Reason").select_option(label="Completed treatment")
    page.get_by_label("Discharge summary").fill(
        "Completed the programme; withdrawal uneventful. Aftercare plan agreed."
    )
    _shot(page, "09-bed-discharge")
    page.get_by_role("button", name="Discharge", exact=True).click()
    page.wait_for_url(re.compile(r"/beds\?discharged=\d+"))
    page.locator("#outcome-bed").wait_for()
    _shot(page, "09-bed-board-after")


# -- screens 11 and 12: the dashboard, the audit trail, staff accounts ---------------------------


def dashboard(page: Any) -> None:
    """Screen 11 as a manager: the dashboard, its CSV, then the outcomes."""
    _nav(page, "Dashboard")
    _shot(page, "11-dashboard")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("as CSV")).click()
    head = Path(download.value.path()).read_text().splitlines()[0]
    assert head.startswith("staff_id,name,open_cases"), head
    _top(page.locator("#outcomes"))
    _shot(page, "11-dashboard-outcomes")


def audit_trail(page: Any) -> None:
    """Screen 12 as the manager: who discharged, from the audit trail."""
    _nav(page, "Audit trail")
    page.get_by_label("User").select_option(label="Dr Clare Clinician (clinician@demo.centre)")
    page.get_by_label("Action").fill("case.discharge")
    page.get_by_role("button", name="Filter").click()
    page.locator("#audit-events caption", has_text="matching the filters").wait_for()
    _shot(page, "12-audit-trail")


def staff(page: Any) -> None:
    """Screen 12 as an administrator: a new staff account, then its page."""
    _nav(page, "Staff")
    page.get_by_role("link", name="New staff account").click()
    page.get_by_label(re.compile("^Name")).fill("Nia Byrne")
    page.get_by_label("Email").fill("nia.byrne@demo.centre")
    page.get_by_label("Role").select_option(label="Counsellor")
    page.get_by_role("button", name="Create the account").click()
    page.locator("#temporary-password").wait_for()
    page.get_by_role("link", name="Staff accounts").click()
    page.locator("#staff-list", has_text="Nia Byrne").wait_for()
    _shot(page, "12-admin-staff")
    page.get_by_role("link", name="Nia Byrne").click()
    page.wait_for_url(re.compile(r"/admin/staff/\d+$"))
    _shot(page, "12-admin-account")


def run(browser: Any, base: str) -> None:
    """All of screens 8-12, each role in a browser context of its own."""
    counsellor = _as(browser, base, "counsellor@demo.centre")
    calendar(counsellor)
    aftercare_plan(counsellor)
    beds(_as(browser, base, "clinician@demo.centre"))
    follow_ups(counsellor)
    manager = _as(browser, base, "manager@demo.centre")
    dashboard(manager)
    audit_trail(manager)
    staff(_as(browser, base, "admin@demo.centre"))
