"""Browser tests: Debian's Chromium driven by Playwright for Python against the app served on
127.0.0.1, with the demo data, on a scratch database of its own (``<suite db>_browser``) so
what the browser commits is real. Never a downloaded browser: `CHROMIUM` must exist (CI
installs the `chromium` package; elsewhere the tests skip with a notice).

`page` is a fresh browser context at 1280x800; `sign_in(page, "counsellor@demo.centre")` signs
in through the form; `axe_check(page)` runs axe-core (vendored from npm, tests only) and fails
on any serious or critical violation.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from centre import create_app
from core.extensions import db
from tests.conftest import test_config

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).parent / "vendor" / "axe-core-4.11.0.min.js"
DEMO_PASSWORD = "lantern-harbour-2026"
SCRATCH_SUFFIX = "_browser"


def _scratch_url(db_url: str) -> str:
    if db_url.startswith("postgresql"):
        name = f"{sa.make_url(db_url).database}{SCRATCH_SUFFIX}"
        admin = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
        return sa.make_url(db_url).set(database=name).render_as_string(hide_password=False)
    return "sqlite:///" + str(Path(tempfile.mkdtemp()) / "browser.sqlite3")


@pytest.fixture(scope="session")
def live_app(db_url: str) -> Iterator[Flask]:
    """An app on a migrated scratch database holding the demo data."""
    config = {**test_config(_scratch_url(db_url)), "AUTH_COOKIE_SECURE": False}
    app = create_app(config)
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_app: Flask) -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing (CI installs Debian's chromium package)")
        pytest.skip(f"{CHROMIUM} not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, base_url: str) -> Iterator[Any]:
    context = chromium.new_context(base_url=base_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.console_errors = errors
    yield tab
    context.close()


#: the demo TOTP step each demo account last signed in with (a step is accepted once).
_LAST_STEP: dict[str, int] = {}


def demo_code(email: str) -> str:
    """A code of the published demo TOTP secret (`auth.mfa.DEMO_TOTP_SECRET`, what the demo
    accounts of MFA roles are enrolled with) that `email` has not used yet: of the previous,
    current or next 30-second step (the service accepts each once), waiting for the next
    step when all three are used, or when the current one is about to end."""
    import time

    import pyotp

    from auth.mfa import DEMO_TOTP_SECRET, STEP_SECONDS, VALID_WINDOW

    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    while True:
        now = time.time()
        current, into = divmod(now, STEP_SECONDS)
        if into < STEP_SECONDS - 2:
            steps = range(int(current) - VALID_WINDOW, int(current) + VALID_WINDOW + 1)
            fresh = [step for step in steps if step > _LAST_STEP.get(email, -1)]
            if fresh:
                _LAST_STEP[email] = fresh[0]
                return totp.generate_otp(fresh[0])
        time.sleep(STEP_SECONDS - into + 0.1)


def sign_in(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form (the one on screen, if a page redirected there), and give
    the demo TOTP code when the account is enrolled in MFA (the second step's page)."""
    if "/sign-in" not in page.url:
        page.goto("/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in/code" in url or "/sign-in" not in url)
    if "/sign-in/code" in page.url:
        page.get_by_label("Code").fill(demo_code(email))
        page.get_by_role("button", name="Verify code").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


def axe_check(page: Any) -> None:
    """No serious or critical accessibility violation on the page as it stands."""
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], "\n".join(bad)


def csp_clean(page: Any) -> None:
    """No script was refused by the page's CSP (the console reports each refusal)."""
    refused = [e for e in page.console_errors if "Content Security Policy" in e]
    assert refused == []
