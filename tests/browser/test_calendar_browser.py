"""The calendar in Chromium: a weekly group booked with a clash shown while the form is
filled in (facilitator and client already booked), the time and room changed until it is
clear, then saved; attendance taken for a session that has started; axe-core on the week
view, the booking form, the session page and the attendance screen."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from auth.models import User
from cases.episodes.models import Case
from core.clock import centre_zone, now
from core.extensions import db
from intake.clients.models import Client
from scheduling.sessions.models import TherapySession
from tests.browser.conftest import axe_check, csp_clean, sign_in
from tests.web.test_calendar_support import make_session

COUNSELLOR = "counsellor@demo.centre"


def _demo(live_app):
    """The demo counsellor, Sam's case, and the first session of Sam's weekly CBT series."""
    with live_app.app_context():
        me = db.session.execute(sa.select(User).where(User.email == COUNSELLOR)).scalar_one()
        case_id = db.session.execute(
            sa.select(Case.id)
            .join(Client, Client.id == Case.client_id)
            .where(Client.first_name == "Sam")
            .order_by(Case.id.desc())
        ).scalar()
        first = (
            db.session.execute(
                sa.select(TherapySession)
                .where(TherapySession.facilitator_id == me.id)
                .order_by(TherapySession.starts_at)
            )
            .scalars()
            .first()
        )
        local = first.starts_at.astimezone(centre_zone())
        return me.id, case_id, local


def _fill_group(page, day, at: str) -> None:
    page.get_by_label("Type of session").select_option("group")
    page.get_by_label(re.compile(r"^Date")).fill(day.isoformat())
    page.get_by_label("Start time").fill(at)
    page.get_by_label("Length in minutes").fill("60")
    page.get_by_label("Capacity (groups)").fill("6")
    page.get_by_label(re.compile(r"^Sam ")).check()
    page.get_by_label("Repeats").select_option("weekly")
    page.get_by_label("Number of weeks").fill("3")


def test_a_weekly_group_booked_after_its_clash_is_fixed(page, live_app):
    _me, _case_id, cbt = _demo(live_app)
    sign_in(page, COUNSELLOR)
    page.goto(f"/calendar?week={cbt.date().isoformat()}")
    expect(page.locator("#week")).to_contain_text("CBT")
    axe_check(page)

    page.get_by_role("link", name="Book a session").click()
    page.wait_for_url(re.compile(r"/calendar/book"))
    axe_check(page)
    _fill_group(page, cbt.date(), cbt.strftime("%H:%M"))
    clash = page.locator("#conflict-list")
    expect(clash).to_contain_text("is already facilitating the CBT session on")
    expect(clash).to_contain_text("SO is already booked into the CBT session")  # Sam's initials
    expect(clash).to_contain_text(cbt.strftime("%H:%M"))
    expect(clash).not_to_contain_text(re.compile(r"session \d"))
    axe_check(page)

    later = (cbt + timedelta(hours=2)).strftime("%H:%M")
    page.get_by_label("Start time").fill(later)
    page.get_by_label("Room").select_option(label="Willow (up to 10)")
    expect(page.locator("#conflict-clear")).to_be_visible()
    page.get_by_role("button", name="Book the session").click()
    page.wait_for_url(re.compile(r"/sessions/\d+"))
    expect(page.locator("#done")).to_contain_text("booked")
    expect(page.locator("#participants")).to_contain_text("Sam")
    expect(page.locator("#details")).to_contain_text("Willow")
    axe_check(page)
    csp_clean(page)


def test_attendance_taken_on_one_screen(page, live_app):
    me_id, case_id, _ = _demo(live_app)
    with live_app.app_context():
        start = now() - timedelta(minutes=20)
        sid = make_session(me_id, [case_id], start, minutes=50)[0]
        db.session.commit()
    sign_in(page, COUNSELLOR)
    page.goto(f"/sessions/{sid}")
    axe_check(page)
    page.get_by_role("link", name="Take attendance").click()
    page.wait_for_url(re.compile(rf"/sessions/{sid}/attendance"))
    axe_check(page)
    page.get_by_role("radio", name="Late").check()
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Save attendance").click()
    page.wait_for_url(re.compile(rf"/sessions/{sid}\?done=attendance"))
    expect(page.locator("#participants")).to_contain_text("late")
    csp_clean(page)
