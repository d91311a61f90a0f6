"""Screen 4 through the Flask test client: the live fragments while filling in the intake
assessment, the diazepam equivalent and the instrument scores, equal to the API's and the
instruments' own."""

from __future__ import annotations

import re

from core.extensions import db
from intake.instruments import score_audit_c, score_dast10, score_phq9
from tests.factories import make_client
from tests.web.assessment_helpers import (
    CRITERIA,
    DIMENSIONS,
    client_id_fixture,  # noqa: F401 (fixture)
    live,
    start,
    text_of,
)


def test_the_equivalent_fragment_for_a_brand_equals_the_apis(sign_in, login_as, app, client_id):
    intake = sign_in("intake")
    fragment = intake.htmx("GET", "/assessments/equivalent", {"name": "Xanax", "dose_mg": "2"})
    assert fragment.status_code == 200
    text = text_of(fragment)
    assert "<html" not in text
    shown = float(re.search(r"≈ ([\d.]+) mg diazepam", text).group(1))
    assert "alprazolam" in text

    api = login_as("intake")
    draft = api.post(f"/api/v1/clients/{client_id}/assessments", json={})
    sections = {
        "substances": [
            {"substance": "Xanax", "category": "benzodiazepine", "daily_dose_mg": 2,
             "prescribed": False, "taken_as_prescribed": False}
        ],
        "dsm5": {"primary_substance": "alprazolam", "medically_supervised": False,
                 "criteria": dict.fromkeys(CRITERIA, False)},
        "dimensions": {key: {"rating": 0} for key in DIMENSIONS},
    }  # fmt: skip
    headers = {"If-Match": draft.headers["ETag"]}
    assert (
        api.patch(
            f"/api/v1/assessments/{draft.get_json()['id']}", json=sections, headers=headers
        ).status_code
        == 200
    )
    results = api.post(f"/api/v1/assessments/{draft.get_json()['id']}/submit").get_json()["results"]
    assert shown == results["diazepam_equivalent_mg_per_day"] == 40


def test_the_equivalent_fragment_for_a_row_and_without_an_equivalent(sign_in):
    intake = sign_in("intake")
    row = intake.htmx(
        "GET",
        "/assessments/equivalent",
        {"row": "1", "substances.1.substance": "klonopin", "substances.1.daily_dose_mg": "1"},
    )
    assert "≈ 20 mg diazepam" in text_of(row)
    etizolam = intake.htmx("GET", "/assessments/equivalent", {"name": "etizolam", "dose_mg": "1"})
    assert "no single published equivalent" in text_of(etizolam)
    unknown = intake.htmx(
        "GET", "/assessments/equivalent", {"name": "Xanx", "category": "benzodiazepine"}
    )
    assert "Not a known benzodiazepine or z-drug name" in text_of(unknown)
    assert (
        text_of(
            intake.htmx("GET", "/assessments/equivalent", {"name": "heroin", "category": "opioid"})
        ).strip()
        == ""
    )


def test_the_live_score_fragment_equals_the_instruments_scoring(sign_in, client_id):
    intake = sign_in("intake")
    aid = start(intake, client_id)
    answers = [3, 3, 2, 2, 2, 1, 1, 1, 1]
    form = {f"screenings.phq9.{n}": str(v) for n, v in enumerate(answers)}
    fragment = intake.htmx("POST", f"/assessments/{aid}/scores/phq9", form)
    assert fragment.status_code == 200
    expected = score_phq9(answers)
    text = " ".join(text_of(fragment).split())
    assert f"Score {expected.score} · {expected.band.replace('_', ' ')}" in text
    assert "positive screen" in text and "Item 9 is above 0" in text


def test_the_live_score_while_answering_and_the_sex_specific_cut_off(sign_in, app):
    with app.app_context():
        male = make_client(sex="male")
        db.session.commit()
    intake = sign_in("intake")
    aid = start(intake, male)
    partial = {"screenings.dast10.0": "yes", "screenings.dast10.2": "no"}
    text = " ".join(
        text_of(intake.htmx("POST", f"/assessments/{aid}/scores/dast10", partial)).split()
    )
    low = score_dast10([True, False, False] + [False] * 7).score
    high = score_dast10([True, True, False] + [True] * 7).score
    assert f"2 of 10 answered · score so far {low} to {high}" in text
    audit = {"screenings.audit_c.0": "1", "screenings.audit_c.1": "1", "screenings.audit_c.2": "1"}
    text = " ".join(
        text_of(intake.htmx("POST", f"/assessments/{aid}/scores/audit_c", audit)).split()
    )
    expected = score_audit_c([1, 1, 1], sex="male")
    assert f"Score {expected.score}" in text and "negative screen (cut-off 4)" in text
    cssrs = {"screenings.cssrs_screen.q1": "yes", "screenings.cssrs_screen.q2": "yes"}
    text = live(intake, aid, "cssrs_screen", cssrs)
    assert "Still to answer: q3, q4, q5, q6." in text
