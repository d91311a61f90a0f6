"""Sign-in, my day, the client search as you type, registration with the duplicate warning
and the client page, in Chromium, with axe-core on each screen."""

from __future__ import annotations

import re

from tests.browser.conftest import axe_check, csp_clean, sign_in


def test_sign_in_lands_on_my_day_and_the_pages_pass_axe(page):
    page.goto("/clients")
    assert "/sign-in" in page.url
    axe_check(page)
    sign_in(page, "clinician@demo.centre")
    assert page.url.endswith("/clients")
    page.goto("/")
    assert page.get_by_role("heading", name=re.compile("My day")).is_visible()
    axe_check(page)
    csp_clean(page)


def test_the_site_icon_loads_under_the_pages_csp(page):
    page.goto("/sign-in")
    loaded = page.evaluate(
        """() => new Promise((done) => {
             const icon = new Image();
             icon.onload = () => done(icon.naturalWidth > 0);
             icon.onerror = () => done(false);
             icon.src = document.querySelector('link[rel="icon"]').href;
           })"""
    )
    assert loaded is True
    csp_clean(page)


def test_search_as_you_type_then_open_the_client(page):
    sign_in(page, "intake@demo.centre")
    page.goto("/clients")
    axe_check(page)
    box = page.get_by_label(re.compile("Search by name"))
    box.press_sequentially("jord", delay=30)
    page.wait_for_selector("#results caption:has-text('matching the search')")
    rows = page.locator("#results tbody tr")
    assert rows.count() >= 1
    assert "jord" not in page.url  # a name never goes in a URL
    rows.first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/clients/\d+$"))
    assert page.title() == "Client record · Treatment centre"
    axe_check(page)
    csp_clean(page)


def test_register_with_the_duplicate_warning_using_the_keyboard_only(page):
    sign_in(page, "intake@demo.centre")
    page.goto("/clients/new")
    axe_check(page)
    page.get_by_label("First name").focus()
    page.keyboard.type("Robin")
    page.keyboard.press("Tab")
    page.keyboard.type("Keyboard")
    page.keyboard.press("Tab")
    page.keyboard.type("03041985")  # the date input takes digits in order (en-US: mm dd yyyy)
    page.get_by_role("button", name="Register").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/clients/\d+$"))
    first = page.url
    page.goto("/clients/new")
    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Last name").fill("Keyboard")
    page.get_by_label("Date of birth").fill("1985-03-04")
    page.get_by_role("button", name="Register").click()
    warning = page.locator("#duplicate-warning")
    warning.wait_for()
    assert "Open the existing client" in warning.inner_text()
    axe_check(page)
    page.get_by_label("Register anyway").check()
    page.get_by_label("Why this is a different person").fill("Cousin, same name")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r"/clients/\d+$"))
    assert page.url != first


def test_a_counsellor_cannot_reach_another_caseloads_client_by_url(page, live_app):
    from cases.episodes.models import Case
    from core.extensions import db

    with live_app.app_context():
        from auth.models import User

        other = db.session.scalars(
            db.select(Case.client_id)
            .join(User, User.id == Case.primary_counsellor_id)
            .where(User.email == "counsellor2@demo.centre")
        ).first()
    assert other is not None
    sign_in(page, "counsellor@demo.centre")
    response = page.goto(f"/clients/{other}")
    assert response.status == 404
    unknown = page.goto("/clients/999999")
    assert unknown.status == 404
    assert page.get_by_role("heading", name="Not found").is_visible()
