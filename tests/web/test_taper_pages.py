"""Screen 7's taper plan part through the Flask test client: drafting, approving, pausing,
resuming and cancelling plans from the page's forms, errors beside the fields, and the
section's context and template (web.tapers.taper_section)."""

from __future__ import annotations

from core import clock as core_clock
from tests.cases.tapers.taper_api_helpers import START
from tests.web.medication_helpers import (
    assert_self_contained,
    case_fixture,  # noqa: F401 (fixture)
    doctor_fixture,  # noqa: F401 (fixture)
    draft,
    drafted_plan,
    plans,
    sections,
    text,
)


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
