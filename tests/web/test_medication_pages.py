"""Screen 7's taper plan and withdrawal score parts through the Flask test client: drafting and
acting on taper plans from the page's forms, recording withdrawal scores, the sections' context
and templates (web.tapers.taper_section, web.withdrawal.withdrawal_section), the charts
(web.charts), and the API's permissions and caseload 404s."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import render_template

from auth.models import User
from cases.episodes import service as episodes
from core import clock as core_clock
from core.errors import NotFound
from core.extensions import db
from tests.cases.tapers.taper_api_helpers import START, open_case
from tests.factories import add_to_caseload, statements
from web import charts
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


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def case(app, login_as, clinician, counsellor):
    """A client assessed (prescribed alprazolam 2 mg) and placed through the API, on the
    `counsellor` fixture's caseload."""
    case_id, client_id = open_case(app, login_as, clinician, counsellor.user_id)
    return {"id": case_id, "client_id": client_id}


@pytest.fixture
def doctor(sign_in, clinician):
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


# --- taper plans ------------------------------------------------------------------------------


def test_a_taper_drafted_and_approved_through_the_pages(app, doctor, clinician, case):
    answer = draft(doctor, case["id"])
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/cases/{case['id']}#taper")
    [plan] = plans(clinician, case["id"])
    assert plan["status"] == "draft"
    assert plan["medication"] == "alprazolam" and plan["entered_name"] == "Xanax"
    assert plan["switch_to_diazepam"] is True and plan["cautions"] == []

    approved = doctor.post(f"/taper-plans/{plan['id']}/approve", {"approval_note": ""})
    assert approved.status_code == 303
    assert approved.headers["Location"].endswith(f"/cases/{case['id']}#taper")
    assert plans(clinician, case["id"])[0]["status"] == "approved"


def test_the_taper_section_shows_steps_chart_crossover_and_actions(app, doctor, clinician, case):
    plan = drafted_plan(doctor, clinician, case["id"], medication="alprazolam")
    context, html, _ = sections(app, case["id"], clinician.user_id)
    taper = context["taper"]
    assert taper["visible"] and taper["can_act"] and taper["can_draft"]
    [view] = taper["current"]
    assert view.plan.id == plan["id"]
    assert [s.date.isoformat() for s in view.steps] == [s["date"] for s in plan["steps"]]
    assert view.steps[0].reduction_mg is None and view.steps[-1].dose_mg == 0
    assert all(s.reduction_mg > 0 for s in view.steps[1:])
    assert view.stages and view.original_names == ["alprazolam"]
    assert view.stages[0].originals[0] > 0 and view.stages[-1].diazepam_mg == 40
    assert view.actions == ("approve", "cancel")

    assert f'id="taper-plan-{plan["id"]}-steps"' in html
    assert "Crossover to diazepam" in html and "starting dose" in html
    first = plan["steps"][0]
    assert f"<td>{first['date']}</td>" in html
    assert f'action="/taper-plans/{plan["id"]}/approve"' in html
    assert f'action="/taper-plans/{plan["id"]}/cancel"' in html
    assert f'action="/taper-plans/{plan["id"]}/pause"' not in html  # a draft is not paused
    assert f'action="/cases/{case["id"]}/taper-plans"' in html
    assert f'<label for="tp{plan["id"]}-approve-approval_note">' in html
    assert 'list="td-medication-names"' in html and "&#34;" not in html
    svg = str(view.chart)
    assert_self_contained(svg)
    assert "Total daily dose" in svg
    assert "<script" not in html


def test_a_plan_with_cautions_needs_an_approval_note_shown_beside_the_field(
    app, doctor, clinician, case
):
    # 3 mg alprazolam: 60 mg diazepam-equivalent, capped at 40, and not the intake's 2 mg.
    plan = drafted_plan(doctor, clinician, case["id"], current_daily_dose_mg="3")
    codes = {c["code"] for c in plan["cautions"]}
    assert "start_dose_capped" in codes

    _, html, _ = sections(app, case["id"], clinician.user_id)
    assert "Cautions" in html and "approval note" in html
    assert plan["cautions"][0]["message"] in html

    refused = doctor.post(f"/taper-plans/{plan['id']}/approve", {"approval_note": "  "})
    assert refused.status_code == 422
    page = text(refused)
    base = f"tp{plan['id']}-approve-approval_note"
    assert f'id="{base}-error"' in page and 'aria-invalid="true"' in page
    assert "approval_note" in page and "cautions" in page
    assert f'href="/cases/{case["id"]}#taper"' in page
    assert plans(clinician, case["id"])[0]["status"] == "draft"

    approved = doctor.post(
        f"/taper-plans/{plan['id']}/approve", {"approval_note": "Capped start agreed."}
    )
    assert approved.status_code == 303
    assert plans(clinician, case["id"])[0]["approval_note"] == "Capped start agreed."


def test_a_bad_draft_comes_back_with_each_field_named(app, doctor, clinician, case):
    too_fast = draft(doctor, case["id"], reduction_percent="30")
    assert too_fast.status_code == 422
    page = text(too_fast)
    assert 'id="td-reduction_percent-error"' in page
    assert 'value="30"' in page and 'value="Xanax"' in page  # the values are kept
    assert f'href="/cases/{case["id"]}#taper"' in page

    missing = doctor.post(f"/cases/{case['id']}/taper-plans", {"start_date": START})
    assert missing.status_code == 422
    page = text(missing)
    assert 'id="td-medication-error"' in page and 'id="td-current_daily_dose_mg-error"' in page

    unknown = draft(doctor, case["id"], medication="Aspirin")
    assert unknown.status_code == 422
    assert 'id="td-medication-error"' in text(unknown)
    assert plans(clinician, case["id"]) == []


def test_a_plan_drafted_from_the_assessment(app, doctor, clinician, case):
    answer = doctor.post(
        f"/cases/{case['id']}/taper-plans", {"from_assessment": "true", "start_date": START}
    )
    assert answer.status_code == 303, text(answer)[:2000]
    [plan] = plans(clinician, case["id"])
    assert plan["from_assessment"] is True and plan["switch_to_diazepam"] is True


def test_pause_resume_and_cancel_from_the_forms(app, doctor, clinician, case):
    plan = drafted_plan(doctor, clinician, case["id"])
    url = f"/taper-plans/{plan['id']}"
    assert doctor.post(f"{url}/approve").status_code == 303

    context, html, _ = sections(app, case["id"], clinician.user_id)
    assert context["taper"]["current"][0].actions == ("pause", "complete", "cancel")
    assert f'action="{url}/pause"' in html and f'action="{url}/approve"' not in html

    wrong = doctor.post(f"{url}/resume")
    assert wrong.status_code == 409 and "approved" in text(wrong)

    assert doctor.post(f"{url}/pause", {"reason": "Unwell"}).status_code == 303
    assert plans(clinician, case["id"])[0]["status"] == "paused"
    assert doctor.post(f"{url}/resume").status_code == 303
    assert plans(clinician, case["id"])[0]["status"] == "approved"

    early = doctor.post(f"{url}/complete", {"reason": ""})
    assert early.status_code == 422
    assert f'id="tp{plan["id"]}-complete-reason-error"' in text(early)

    no_reason = doctor.post(f"{url}/cancel", {"reason": ""})
    assert no_reason.status_code == 422
    assert f'id="tp{plan["id"]}-cancel-reason-error"' in text(no_reason)
    assert doctor.post(f"{url}/cancel", {"reason": "Client declined"}).status_code == 303
    assert plans(clinician, case["id"])[0]["status"] == "cancelled"

    context, html, _ = sections(app, case["id"], clinician.user_id)
    assert context["taper"]["current"] == [] and len(context["taper"]["past"]) == 1
    assert 'id="taper-history"' in html and "Client declined" in html


def test_a_plan_without_a_switch_marks_the_next_step(app, doctor, clinician, case):
    with app.app_context():
        today = core_clock.centre_today().isoformat()
    plan = drafted_plan(
        doctor,
        clinician,
        case["id"],
        medication="lorazepam",
        current_daily_dose_mg="2",
        switch_to_diazepam=[""],  # the marker alone: the box left unticked
        start_date=today,
    )
    assert plan["switch_to_diazepam"] is False and plan["crossover"] == []
    assert (
        doctor.post(f"/taper-plans/{plan['id']}/approve", {"approval_note": "ok"}).status_code
        == 303
    )
    context, html, _ = sections(app, case["id"], clinician.user_id)
    [view] = context["taper"]["current"]
    assert view.steps[0].next and not any(s.next for s in view.steps[1:])
    assert view.stages == [] and "Crossover to diazepam" not in html
    assert "lorazepam mg/day" in html and "Diazepam-equivalent mg/day" in html
    assert "<strong>next step</strong>" in html


# --- withdrawal scores ------------------------------------------------------------------------


def test_a_score_entered_appears_in_the_chart_and_the_table(app, doctor, clinician, case):
    answer = score(doctor, app, case["id"])
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/cases/{case['id']}#withdrawal")
    series = clinician.get(f"/api/v1/cases/{case['id']}/withdrawal-scores").get_json()["items"]
    assert [(s["score"], s["band"]) for s in series] == [(10, "mild")]

    context, _, html = sections(app, case["id"], clinician.user_id)
    scales = {s.name: s for s in context["withdrawal"]["scales"]}
    assert set(scales) == {"ciwa_b", "ciwa_ar", "cows"}
    ciwa_b = scales["ciwa_b"]
    assert [(s.score, s.band) for s in ciwa_b.scores] == [(10, "mild")]
    assert scales["cows"].scores == [] and scales["cows"].chart is None
    svg = str(ciwa_b.chart)
    assert_self_contained(svg)
    assert re.search(r'<desc class="value">[^<]*: 10</desc>', svg)  # the point
    assert "very severe 61\N{EN DASH}80" in svg and "mild 1\N{EN DASH}20" in svg  # band legend

    assert 'id="wd-ciwa_b-scores"' in html
    row = re.search(r'<tr id="withdrawal-score-\d+">(.*?)</tr>', html, re.S).group(1)
    assert "10/80" in row and "mild" in row
    assert "No COWS score yet." in html
    # one form per scale, each item labelled with its allowed values
    for name in ("ciwa_b", "ciwa_ar", "cows"):
        assert f'id="wd-{name}-form"' in html
    assert '<label for="wd-cows-items-0">1. Resting pulse rate' in html
    assert '<option value="4">4</option>' in html and "(0, 1, 2 or 4)" in html
    assert '<label for="wd-ciwa_b-observed_at">' in html


def test_each_scale_shows_its_own_latest_scores(app, doctor, clinician, case, monkeypatch):
    import web.withdrawal

    monkeypatch.setattr(web.withdrawal, "SCORES_PER_SCALE", 2)
    assert (
        score(
            doctor,
            app,
            case["id"],
            instrument="cows",
            items=[0] * 11,
            observed_at=local_now(app, hours=5),
        ).status_code
        == 303
    )
    for minutes, items in ((50, [0] * 20), (40, [1] * 5 + [0] * 15), (30, CIWA_B_MILD)):
        observed = local_now(app, minutes=minutes)
        assert score(doctor, app, case["id"], items=items, observed_at=observed).status_code == 303
    context, _, html = sections(app, case["id"], clinician.user_id)
    scales = {s.name: s for s in context["withdrawal"]["scales"]}
    assert [s.score for s in scales["ciwa_b"].scores] == [5, 10]  # the latest two, in order
    assert scales["ciwa_b"].total == 3
    assert [s.score for s in scales["cows"].scores] == [0]
    assert "The latest 2 of 3 CIWA-B scores." in html
    assert "No CIWA-Ar score yet." in html


def test_a_severe_score_shows_the_urgent_flag_and_suggests_pausing_the_taper(
    app, doctor, clinician, case
):
    plan = drafted_plan(doctor, clinician, case["id"])
    assert doctor.post(f"/taper-plans/{plan['id']}/approve").status_code == 303

    answer = score(doctor, app, case["id"], items=CIWA_B_SEVERE)
    assert answer.status_code == 201
    page = text(answer)
    assert 'id="severe-withdrawal"' in page and 'role="alert"' in page
    assert "CIWA-B 45/80 (severe)" in page
    assert "consider pausing it" in page  # the service's words on the flag
    assert "Pause the taper?" in page
    assert f'action="/taper-plans/{plan["id"]}/pause"' in page
    assert f'href="/clients/{case["client_id"]}#flags"' in page

    flags = clinician.get(f"/api/v1/clients/{case['client_id']}/flags").get_json()["items"]
    assert any(f["type"] == "severe_withdrawal" and f["severity"] == "urgent" for f in flags)

    context, _, html = sections(app, case["id"], clinician.user_id)
    [ciwa_b] = [s for s in context["withdrawal"]["scales"] if s.name == "ciwa_b"]
    assert [(s.score, s.band, s.severe) for s in ciwa_b.scores] == [(45, "severe", True)]
    assert "45/80" in html and "urgent" in html

    paused = doctor.post(f"/taper-plans/{plan['id']}/pause", {"reason": "Severe CIWA-B"})
    assert paused.status_code == 303
    assert plans(clinician, case["id"])[0]["status"] == "paused"


def test_a_severe_score_without_a_taper_does_not_suggest_a_pause(app, doctor, case):
    answer = score(doctor, app, case["id"], items=CIWA_B_SEVERE)
    assert answer.status_code == 201
    assert "Pause the taper?" not in text(answer)


def test_a_refused_score_comes_back_with_each_item_named(app, doctor, clinician, case):
    partial = items_form(CIWA_B_MILD)
    del partial["items.3"]
    answer = doctor.post(
        f"/cases/{case['id']}/withdrawal-scores",
        {"instrument": "ciwa_b", "observed_at": local_now(app, minutes=5), **partial},
    )
    assert answer.status_code == 422
    page = text(answer)
    assert 'id="wd-ciwa_b-items-3-error"' in page and "Choose a score" in page
    assert '<option value="1" selected>' in page  # the other answers are kept

    future = score(doctor, app, case["id"], observed_at=local_now(app, hours=-2))
    assert future.status_code == 422
    assert 'id="wd-ciwa_b-observed_at-error"' in text(future)

    # 3 is not a resting-pulse value on COWS: the service's message names the item
    cows = score(doctor, app, case["id"], instrument="cows", items=[3] + [0] * 10)
    assert cows.status_code == 422
    assert "resting_pulse" in text(cows)

    series = clinician.get(f"/api/v1/cases/{case['id']}/withdrawal-scores").get_json()
    assert series["total"] == 0


def test_a_discharged_case_takes_no_new_plan_and_scores_for_30_days_only(
    app, sign_in, doctor, clinician, case, clock
):
    today = clock.set_today(core_clock.now().astimezone(clock.zone).date()).date()
    discharged = clinician.post(
        f"/api/v1/cases/{case['id']}/discharge",
        json={"reason": "transferred", "date": today.isoformat(), "summary": "Moved away."},
    )
    assert discharged.status_code == 200, discharged.get_json()
    context, taper_html, withdrawal_html = sections(app, case["id"], clinician.user_id)
    assert not context["taper"]["can_draft"] and "taper-draft-form" not in taper_html
    assert context["withdrawal"]["can_record"] and 'id="wd-ciwa_b-form"' in withdrawal_html

    refused = draft(doctor, case["id"])
    assert refused.status_code == 409 and "discharged" in text(refused)
    assert score(doctor, app, case["id"]).status_code == 303

    clock.set_today(today + dt.timedelta(days=31))
    context, _, withdrawal_html = sections(app, case["id"], clinician.user_id)
    assert not context["withdrawal"]["can_record"] and context["withdrawal"]["closed"]
    assert context["withdrawal"]["closed"] in withdrawal_html
    assert "<form" not in withdrawal_html
    late = sign_in("clinician", user_id=clinician.user_id)
    answer = score(late, app, case["id"])
    assert answer.status_code == 409 and 'id="wd-ciwa_b-errors"' in text(answer)


def test_the_sections_query_per_scale_never_per_row(app, doctor, clinician, case):
    def count() -> int:
        with statements(app) as seen:
            sections(app, case["id"], clinician.user_id)
        return len(seen)

    drafted_plan(doctor, clinician, case["id"])
    assert score(doctor, app, case["id"]).status_code == 303
    once = count()
    drafted_plan(doctor, clinician, case["id"], current_daily_dose_mg="1")
    for minutes in (20, 30, 40):
        observed = local_now(app, minutes=minutes)
        assert score(doctor, app, case["id"], observed_at=observed).status_code == 303
    assert count() == once


def test_the_case_page_shows_both_sections(app, doctor, clinician, case):
    drafted_plan(doctor, clinician, case["id"])
    assert score(doctor, app, case["id"]).status_code == 303
    page = doctor.get(f"/cases/{case['id']}")
    assert page.status_code == 200
    html = text(page)
    assert 'id="taper"' in html and 'id="withdrawal"' in html
    assert 'id="wd-ciwa_b-scores"' in html and "<svg" in html
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []  # no inline script


# --- charts -----------------------------------------------------------------------------------


def test_charts_are_inline_svg_with_nothing_from_elsewhere():
    start = dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)
    bands = charts.bands_of([(0, "low"), (10, "high")], 20)
    drawn = [
        charts.line_chart("Line", ["a", "b"], {"s": [1, 12]}, bands=bands),
        charts.time_chart("Time", {"t": [(start, 3), (start + dt.timedelta(hours=2), 15)]}),
        charts.time_chart("One", {"t": [(start, 3)]}, bands=bands),
        charts.time_chart(
            "Steps", {"d": [(dt.date(2026, 3, 2), 10), (dt.date(2026, 3, 16), 9)]}, step=True
        ),
        charts.bar_chart("Bars", ["x", "y"], {"n": [3, 4]}, description="Two bars"),
        charts.bar_chart("Sideways", ["x"], {"n": [1], "m": [2]}, horizontal=True),
    ]
    for svg in drawn:
        assert_self_contained(str(svg))
    assert [b.label for b in bands] == ["low 0\N{EN DASH}9", "high 10\N{EN DASH}20"]
    assert 'aria-label="Bars. Two bars"' in str(drawn[4])


# --- who may see and act ----------------------------------------------------------------------


def test_a_counsellor_reads_but_cannot_act(app, sign_in, doctor, clinician, counsellor, case):
    plan = drafted_plan(doctor, clinician, case["id"])
    reader = sign_in("counsellor", user_id=counsellor.user_id)
    assert draft(reader, case["id"]).status_code == 403
    assert reader.post(f"/taper-plans/{plan['id']}/approve").status_code == 403
    assert reader.post(f"/taper-plans/{plan['id']}/cancel", {"reason": "x"}).status_code == 403
    assert score(reader, app, case["id"]).status_code == 403
    assert plans(clinician, case["id"])[0]["status"] == "draft"

    context, taper_html, withdrawal_html = sections(app, case["id"], counsellor.user_id)
    assert context["taper"]["visible"] and not context["taper"]["can_act"]
    assert not context["withdrawal"]["can_record"]
    assert f'id="taper-plan-{plan["id"]}-steps"' in taper_html
    assert "<form" not in taper_html and "<form" not in withdrawal_html


def test_another_caseload_is_not_found(app, sign_in, doctor, clinician, case):
    other = sign_in("counsellor")
    plan = drafted_plan(doctor, clinician, case["id"])
    with app.test_request_context(f"/cases/{case['id']}"):
        found = episodes.get_case(case["id"], actor=db.session.get(User, clinician.user_id))
        stranger = db.session.get(User, other.user_id)
        for section in (taper_section, withdrawal_section):
            with pytest.raises(NotFound):
                section(found, stranger)
        db.session.rollback()
    with pytest.raises(NotFound):
        sections(app, case["id"], other.user_id)
    with app.app_context():
        add_to_caseload(other.user_id, case["client_id"], case["id"])
        db.session.commit()
    context, _, _ = sections(app, case["id"], other.user_id)
    assert context["taper"]["current"][0].plan.id == plan["id"]


def test_unknown_records_are_the_404_page(doctor, app):
    assert draft(doctor, 999999).status_code == 404
    assert doctor.post("/taper-plans/999999/approve").status_code == 404
    assert doctor.post("/taper-plans/999999/explode").status_code == 404
    assert doctor.post("/taper-plans/999999/cancel", {"reason": ""}).status_code == 404
    assert score(doctor, app, 999999).status_code == 404


def test_roles_without_medication_read_see_no_section(app, sign_in, case):
    intake = sign_in("intake")
    context, taper_html, withdrawal_html = sections(app, case["id"], intake.user_id)
    assert context == {"taper": {"visible": False}, "withdrawal": {"visible": False}}
    assert "<section" not in taper_html
    assert "<section" not in withdrawal_html


def test_the_forms_need_a_signed_in_session_and_the_csrf_token(client, doctor, case):
    answer = client.post(f"/cases/{case['id']}/taper-plans", data=XANAX)
    assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"]
    forged = doctor.http.post(f"/cases/{case['id']}/withdrawal-scores", data={"x": "1"})
    assert forged.status_code == 403
