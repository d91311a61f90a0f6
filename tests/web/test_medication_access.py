"""Screen 7's taper plan and withdrawal score parts through the Flask test client: who may
see and act (the API's permissions), caseload 404s, and the session and CSRF token the
forms need."""

from __future__ import annotations

import pytest

from auth.models import User
from cases.episodes import service as episodes
from core.errors import NotFound
from core.extensions import db
from tests.factories import add_to_caseload
from tests.web.medication_helpers import (
    XANAX,
    case_fixture,  # noqa: F401 (fixture)
    doctor_fixture,  # noqa: F401 (fixture)
    draft,
    drafted_plan,
    plans,
    score,
    sections,
)
from web.tapers import taper_section
from web.withdrawal import withdrawal_section


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
