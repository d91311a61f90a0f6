"""Screen 7's withdrawal score part through the Flask test client: recording scores from
the forms (a severe one flags and suggests pausing the taper), the section's context and
template (web.withdrawal.withdrawal_section), both sections after discharge, their queries,
and the case page showing both."""

from __future__ import annotations

import datetime as dt
import re

from core import clock as core_clock
from tests.factories import statements
from tests.web.medication_helpers import (
    CIWA_B_MILD,
    CIWA_B_SEVERE,
    assert_self_contained,
    case_fixture,  # noqa: F401 (fixture)
    doctor_fixture,  # noqa: F401 (fixture)
    draft,
    drafted_plan,
    items_form,
    local_now,
    plans,
    score,
    sections,
    text,
)


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
