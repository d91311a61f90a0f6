"""Helpers for screen 7's taper plan and withdrawal score page tests (through the Flask
test client): the `case` and `doctor` fixtures, drafting a plan and recording a score from
the forms, the sections' context and templates as the case page renders them, and what
makes a chart self-contained."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import render_template

from auth.models import User
from cases.episodes import service as episodes
from core import clock as core_clock
from core.extensions import db
from tests.cases.tapers.taper_api_helpers import START, open_case
from web.tapers import taper_section
from web.withdrawal import withdrawal_section

CIWA_B_MILD = [1] * 10 + [0] * 10  # 10: mild
CIWA_B_SEVERE = [3] * 15 + [0] * 5  # 45: severe
XANAX = {
    "medication": "Xanax",
    "current_daily_dose_mg": "2",
    "switch_to_diazepam": ["", "true"],  # the hidden marker and the ticked box
    "start_date": START,
}
SVG_NS = "http://www.w3.org/2000/svg"


@pytest.fixture(name="case")
def case_fixture(app, login_as, clinician, counsellor):
    """A client assessed (prescribed alprazolam 2 mg) and placed through the API, on the
    `counsellor` fixture's caseload."""
    case_id, client_id = open_case(app, login_as, clinician, counsellor.user_id)
    return {"id": case_id, "client_id": client_id}


@pytest.fixture(name="doctor")
def doctor_fixture(sign_in, clinician):
    """The `clinician` fixture's user, signed in through the browser form."""
    return sign_in("clinician", user_id=clinician.user_id)


def plans(api, case_id):
    answer = api.get(f"/api/v1/cases/{case_id}/taper-plans")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["items"]


def draft(browser, case_id, **fields):
    return browser.post(f"/cases/{case_id}/taper-plans", {**XANAX, **fields})


def drafted_plan(browser, api, case_id, **fields):
    answer = draft(browser, case_id, **fields)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:2000]
    return plans(api, case_id)[0]


def items_form(items):
    return {f"items.{i}": str(v) for i, v in enumerate(items)}


def local_now(app, **delta):
    with app.app_context():
        zone = core_clock.centre_zone()
    moment = core_clock.now() - dt.timedelta(**delta)
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def score(browser, app, case_id, instrument="ciwa_b", items=None, **fields):
    body = {
        "instrument": instrument,
        "observed_at": local_now(app, minutes=10),
        **items_form(CIWA_B_MILD if items is None else items),
        **fields,
    }
    return browser.post(f"/cases/{case_id}/withdrawal-scores", body)


def sections(app, case_id, user_id) -> tuple[dict[str, Any], str, str]:
    """Both sections' context for `user_id` on the case, and their templates rendered as
    the case page would (a request to the case page's URL, so the page context applies)."""
    with app.test_request_context(f"/cases/{case_id}"):
        actor = db.session.get(User, user_id)
        found = episodes.get_case(case_id, actor=actor)
        context = {**taper_section(found, actor), **withdrawal_section(found, actor)}
        taper_html = render_template("cases/_taper.html", **context)
        withdrawal_html = render_template("cases/_withdrawal.html", **context)
        db.session.commit()
    return context, taper_html, withdrawal_html


def text(answer) -> str:
    return answer.get_data(as_text=True)


def assert_self_contained(svg: str) -> None:
    assert svg.startswith("<svg") and "<?xml" not in svg
    assert "<script" not in svg.lower() and "javascript" not in svg.lower()
    assert "<!--" not in svg
    assert "http" not in svg.replace(SVG_NS, ""), re.findall(r"http\S*", svg)
    assert 'role="img"' in svg and "aria-label=" in svg and "<title>" in svg
