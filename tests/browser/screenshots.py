"""Screenshots of each screen at 1280x800 into docs/screenshots/, taken in Debian's Chromium
against the app on a fresh SQLite database with the demo data, the way a new user would go:

    .venv/bin/python -m tests.browser.screenshots

An intake worker registers a client and completes an assessment; a clinician places the
client, drafts and approves a taper and records a withdrawal score; a counsellor writes and
signs a note. Not part of the test run (it writes files into the repository).
"""

from __future__ import annotations

import re
import tempfile
import threading
from datetime import date
from pathlib import Path
from typing import Any

from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from centre import create_app
from tests.browser import screenshots_more
from tests.browser.conftest import CHROMIUM, sign_in
from tests.browser.keyboard import fill
from tests.browser.test_journeys_browser import STEPS

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _serve() -> str:
    url = "sqlite:///" + str(Path(tempfile.mkdtemp()) / "shots.sqlite3")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "AUTH_COOKIE_SECURE": False})
    with app.app_context():
        upgrade()
    app.test_cli_runner().invoke(args=["seed-demo"])
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"))
    print("wrote", OUT / f"{name}.png")


def _intake(page: Any) -> str:
    page.goto("/sign-in")
    shot(page, "01-sign-in")
    sign_in(page, "intake@demo.centre")
    page.goto("/clients/new")
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Last name").fill("Rivers")
    page.get_by_label("Date of birth").fill("1972-08-14")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r"/clients/\d+$"))
    page.get_by_role("button", name="Start an intake assessment").click()
    for step, data in STEPS.items():
        page.wait_for_url(re.compile(rf"/steps/{step}$"))
        fill(page, data)
        if step == "substances":
            page.wait_for_function("() => document.body.innerText.includes('mg diazepam')")
            shot(page, "04-assessment-substances")
        if step == "screenings":
            shot(page, "04-assessment-screenings")
        page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Submit the assessment").click()
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    shot(page, "04-assessment-results")
    results = page.url
    page.get_by_role("link", name="client record").click()
    page.wait_for_url(re.compile(r"/clients/\d+$"))
    shot(page, "05-client-page")
    page.goto("/clients/new")
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Last name").fill("Rivers")
    page.get_by_label("Date of birth").fill("1972-08-14")
    page.get_by_role("button", name="Register").click()
    page.locator("#duplicate-warning").wait_for()
    shot(page, "03-register-duplicate")
    return results


def _clinician(page: Any, results_url: str) -> str:
    sign_in(page, "clinician@demo.centre")
    page.goto("/")
    shot(page, "02-my-day-clinician")
    page.goto("/clients")
    page.get_by_label(re.compile("Search by name")).press_sequentially("riv", delay=30)
    page.wait_for_selector("#results caption:has-text('matching the search')")
    shot(page, "03-clients-search")
    page.goto(results_url + "/placement")
    picker = page.get_by_label("Primary counsellor")
    picker.select_option(picker.locator("option", has_text="Colm").first.get_attribute("value"))
    shot(page, "06-placement")
    page.get_by_role("button", name="Place the client").click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    case_url = page.url
    draft = page.locator("#taper-draft")
    draft.locator("summary").click()
    draft.get_by_label(re.compile("Medication")).first.fill("Ativan")
    draft.get_by_label(re.compile("Current daily dose")).first.fill("2")
    draft.get_by_label("Start date").fill(date.today().isoformat())
    draft.get_by_role("button", name="Draft the plan").first.click()
    page.wait_for_url(re.compile(r"/cases/\d+"))
    page.locator("#taper").get_by_role("button", name=re.compile("Approve plan")).first.click()
    page.wait_for_url(re.compile(r"/cases/\d+"))
    page.locator("#withdrawal summary", has_text="Record a CIWA-B score").click()
    form = page.locator("form[aria-label='Record a CIWA-B score']")
    for select in form.locator("select").all():
        select.select_option(index=2)
    form.get_by_role("button", name=re.compile("Record the CIWA-B score")).click()
    page.goto(case_url + "#taper")
    page.locator("#taper").scroll_into_view_if_needed()
    shot(page, "07-case-taper")
    page.locator("#withdrawal").scroll_into_view_if_needed()
    shot(page, "07-case-withdrawal")
    return case_url


def _counsellor(page: Any, case_url: str) -> None:
    sign_in(page, "counsellor@demo.centre")
    page.goto("/")
    shot(page, "02-my-day-counsellor")
    page.goto(case_url)
    if page.locator("#note-form").count():
        page.locator("#note-form textarea").first.fill("First session: goals agreed.")
        page.locator("#note-form").get_by_role("button", name="Save and sign").click()
        page.wait_for_url(re.compile(r"/cases/\d+"))
    shot(page, "07-case-page")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    base = _serve()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        pages = []
        for _ in range(3):
            context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 800})
            pages.append(context.new_page())
        results = _intake(pages[0])
        case_url = _clinician(pages[1], results)
        _counsellor(pages[2], case_url)
        screenshots_more.run(browser, base)
        browser.close()


if __name__ == "__main__":
    main()
