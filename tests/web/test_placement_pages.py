"""Screen 6, placement, through the Flask test client: the form pre-set from the assessment,
outpatient and inpatient placements, the override reason the service asks for, the 409s
(one open case per client, an occupied bed, a draft assessment) and who may place."""

from __future__ import annotations

import re

import pytest

from cases.episodes.models import Case
from core.extensions import db
from intake.assessments.models import Assessment, AssessmentStatus
from tests.factories import make_bed, make_client, make_submitted_assessment, make_user


@pytest.fixture
def clinician(sign_in):
    return sign_in("clinician")


@pytest.fixture
def assessed(app):
    """A client named Quentin Placer with a submitted assessment recommending 1, and an
    active counsellor: {client_id, assessment_id, counsellor_id}."""

    def _assessed(level: str = "1") -> dict[str, int]:
        with app.app_context():
            client_id = make_client(first_name="Quentin", last_name="Placer")
            assessment_id = make_submitted_assessment(client_id, recommended_level=level)
            counsellor_id = make_user("counsellor", name="Cora Counsellor")
            db.session.commit()
        return {"client": client_id, "assessment": assessment_id, "counsellor": counsellor_id}

    return _assessed


def case_of(app, location: str) -> Case:
    found = re.fullmatch(r"/cases/(\d+)", location)
    assert found, location
    with app.app_context():
        case = db.session.get(Case, int(found.group(1)))
        db.session.expunge(case)
        return case


def test_the_form_is_preset_to_the_recommendation(app, clinician, assessed):
    ids = assessed("2.1")
    page = clinician.get(f"/assessments/{ids['assessment']}/placement")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert re.search(
        r'<option value="2.1" selected>2.1 — intensive outpatient \(recommended\)', text
    )
    assert "Cora Counsellor" in text and 'for="f-primary_counsellor_id"' in text
    assert "Quentin Placer" in text
    title = re.search(r"<title>(.*?)</title>", text, re.S).group(1)
    assert "Quentin" not in title and "Placer" not in title
    assert page.headers["Cache-Control"] == "no-store"


def test_an_outpatient_placement_opens_an_active_case(app, clinician, assessed):
    ids = assessed("1")
    answer = clinician.post(
        f"/assessments/{ids['assessment']}/placement",
        {"level": "1", "primary_counsellor_id": str(ids["counsellor"])},
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)[:2000]
    case = case_of(app, answer.headers["Location"])
    assert (case.status.value, case.setting.value, case.bed_id) == ("active", "outpatient", None)
    page = clinician.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Case opened at level 1" in page and "Cora Counsellor" in page


def test_an_inpatient_placement_takes_the_first_free_bed_or_the_one_chosen(
    app, clinician, assessed
):
    with app.app_context():
        first = make_bed(unit="A", room="1", label="a")
        second = make_bed(unit="A", room="1", label="b")
        db.session.commit()
    ids = assessed("3.7")
    form = clinician.get(f"/assessments/{ids['assessment']}/placement").get_data(as_text=True)
    assert "First free bed when saved (now A · room 1 · bed a)" in form
    chosen = clinician.post(
        f"/assessments/{ids['assessment']}/placement",
        {"level": "3.7", "primary_counsellor_id": str(ids["counsellor"]), "bed_id": str(second)},
    )
    assert chosen.status_code == 303
    case = case_of(app, chosen.headers["Location"])
    assert (case.status.value, case.bed_id) == ("admitted", second)
    page = clinician.get(chosen.headers["Location"]).get_data(as_text=True)
    assert "bed A, room 1, b" in page

    other = assessed("3.7")
    automatic = clinician.post(
        f"/assessments/{other['assessment']}/placement",
        {"level": "3.7", "primary_counsellor_id": str(other["counsellor"]), "bed_id": ""},
    )
    assert case_of(app, automatic.headers["Location"]).bed_id == first

    third = assessed("3.7")
    form = clinician.get(f"/assessments/{third['assessment']}/placement").get_data(as_text=True)
    assert 'id="no-free-bed"' in form
    waiting = clinician.post(
        f"/assessments/{third['assessment']}/placement",
        {"level": "3.7", "primary_counsellor_id": str(third["counsellor"])},
    )
    assert case_of(app, waiting.headers["Location"]).status.value == "waitlisted"


def test_an_occupied_bed_is_a_conflict_saying_what_to_do(app, clinician, assessed):
    with app.app_context():
        bed = make_bed(unit="B", room="2", label="x")
        db.session.commit()
    first, second = assessed("3.5"), assessed("3.5")
    body = {"level": "3.5", "bed_id": str(bed)}
    placed = clinician.post(
        f"/assessments/{first['assessment']}/placement",
        {**body, "primary_counsellor_id": str(first["counsellor"])},
    )
    assert placed.status_code == 303
    refused = clinician.post(
        f"/assessments/{second['assessment']}/placement",
        {**body, "primary_counsellor_id": str(second["counsellor"])},
    )
    assert refused.status_code == 409
    assert "That bed was taken in the meantime" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Case).filter_by(client_id=second["client"]).count() == 0


def test_an_override_needs_a_reason_beside_the_field(app, clinician, assessed):
    ids = assessed("1")
    body = {"level": "2.1", "primary_counsellor_id": str(ids["counsellor"])}
    refused = clinician.post(f"/assessments/{ids['assessment']}/placement", body)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    error = re.search(r'<p class="error" id="f-override_reason-error">([^<]+)</p>', text)
    assert error and "differs from the recommended 1" in error.group(1)
    assert 'aria-describedby="f-override_reason-error"' in text
    assert re.search(r'<option value="2.1" selected>', text)  # the choice is kept
    placed = clinician.post(
        f"/assessments/{ids['assessment']}/placement",
        {**body, "override_reason": "Lives far from the clinic; needs more structure."},
    )
    assert placed.status_code == 303
    case = case_of(app, placed.headers["Location"])
    assert (case.level, case.recommended_level) == ("2.1", "1")
    assert case.override_reason.startswith("Lives far")


def test_one_open_case_per_client_is_a_clear_message(app, clinician, assessed):
    ids = assessed("1")
    body = {"level": "1", "primary_counsellor_id": str(ids["counsellor"])}
    placed = clinician.post(f"/assessments/{ids['assessment']}/placement", body)
    case = case_of(app, placed.headers["Location"])
    form = clinician.get(f"/assessments/{ids['assessment']}/placement").get_data(as_text=True)
    assert 'id="open-case-warning"' in form
    again = clinician.post(f"/assessments/{ids['assessment']}/placement", body)
    assert again.status_code == 409
    text = again.get_data(as_text=True)
    assert "already has an open case" in text and "discharge that case first" in text
    assert f'href="/cases/{case.id}"' in text


def test_a_draft_assessment_offers_no_placement(app, clinician, assessed):
    ids = assessed("1")
    with app.app_context():
        db.session.get(Assessment, ids["assessment"]).status = AssessmentStatus.DRAFT
        db.session.commit()
    page = clinician.get(f"/assessments/{ids['assessment']}/placement")
    text = page.get_data(as_text=True)
    assert "still a draft" in text and "Place the client" not in text
    refused = clinician.post(
        f"/assessments/{ids['assessment']}/placement",
        {"level": "1", "primary_counsellor_id": str(ids["counsellor"])},
    )
    assert refused.status_code == 409 and "submit it" in refused.get_data(as_text=True)


def test_the_bed_picker_follows_the_level_over_htmx(app, clinician, assessed):
    with app.app_context():
        make_bed(unit="C", room="1", label="c")
        db.session.commit()
    ids = assessed("1")
    url = f"/assessments/{ids['assessment']}/placement"
    outpatient = clinician.htmx("GET", url, {"level": "1"}).get_data(as_text=True)
    assert "Outpatient levels take no bed" in outpatient and "<html" not in outpatient
    inpatient = clinician.htmx("GET", url, {"level": "3.1"}).get_data(as_text=True)
    assert 'name="bed_id"' in inpatient and "C · room 1 · bed c" in inpatient


def test_only_clinicians_place_and_unknown_assessments_are_404(sign_in, assessed):
    ids = assessed("1")
    for role in ("counsellor", "intake", "manager"):
        assert sign_in(role).get(f"/assessments/{ids['assessment']}/placement").status_code == 403
    assert sign_in("clinician").get("/assessments/999999/placement").status_code == 404


def test_a_placement_without_the_csrf_token_is_refused(app, clinician, assessed):
    ids = assessed("1")
    answer = clinician.http.post(
        f"/assessments/{ids['assessment']}/placement",
        data={"level": "1", "primary_counsellor_id": str(ids["counsellor"])},
    )
    assert answer.status_code == 403
    with app.app_context():
        assert db.session.query(Case).filter_by(client_id=ids["client"]).count() == 0
