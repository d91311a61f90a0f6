"""Screen 4 through the Flask test client: submitting the intake assessment (with what is
missing listed and linked to its step) and the results page."""

from __future__ import annotations

from intake.assessments.models import AssessmentStatus
from tests.web.assessment_helpers import (
    client_id_fixture,  # noqa: F401 (fixture)
    dsm5_form,
    fill_every_step,
    lorazepam_row,
    ratings_form,
    save,
    start,
    step_url,
    stored,
    text_of,
    version_in,
    words,
)


def test_the_whole_journey_dependence_without_addiction(sign_in, app, client_id):
    intake = sign_in("intake")
    aid = start(intake, client_id)
    fill_every_step(app, intake, aid)
    review = intake.get(f"/assessments/{aid}/submit")
    assert "Every required section is complete" in text_of(review)
    submitted = intake.post(f"/assessments/{aid}/submit", {"version": version_in(review)})
    assert submitted.status_code == 303
    assert submitted.headers["Location"] == f"/assessments/{aid}"

    results = intake.get(f"/assessments/{aid}")
    assert results.status_code == 200
    text = words(results)
    assert "Physical dependence, not addiction" in text
    assert "Not counted: tolerance, withdrawal" in text
    assert "Total diazepam equivalent: 20 mg per day" in text
    assert "Level 1: outpatient (outpatient)" in text
    assert "needs at least level 1" in text  # the rationale, sentence by sentence
    assert "depression" in text and "anxiety" in text  # flags raised
    assert "Place this client" not in text  # intake may not place
    assert stored(app, aid).status is AssessmentStatus.SUBMITTED
    # A submitted assessment's steps lead to its results.
    assert intake.get(step_url(aid, "dsm5")).headers["Location"] == f"/assessments/{aid}"


def test_a_use_disorder_reads_as_addiction_and_a_clinician_may_place(sign_in, app, client_id):
    clinician = sign_in("clinician")
    aid = start(clinician, client_id)
    row = lorazepam_row(
        1, **{"substances.1.prescribed": [""], "substances.1.taken_as_prescribed": [""]}
    )
    assert save(clinician, aid, "substances", row).status_code == 303
    assert stored(app, aid).substances[0]["substance"] == "lorazepam"  # row 1 was the filled one
    met = {"tolerance", "withdrawal", "craving", "cut_down"}
    assert save(clinician, aid, "dsm5", dsm5_form("Ativan", False, met)).status_code == 303
    assert save(clinician, aid, "dimensions", ratings_form(relapse_potential=3)).status_code == 303
    review = clinician.get(f"/assessments/{aid}/submit")
    assert (
        clinician.post(f"/assessments/{aid}/submit", {"version": version_in(review)}).status_code
        == 303
    )
    results = clinician.get(f"/assessments/{aid}")
    text = words(results)
    assert "A moderate substance use disorder (addiction)" in text
    assert "4 of the 11 DSM-5 criteria count" in text
    assert "There is also physical dependence" in text
    assert "Level 2.5: partial hospitalisation" in text
    assert "Relapse or continued-use potential" in text  # the driving dimension
    assert f'href="/assessments/{aid}/placement"' in text_of(results)


def test_submit_lists_what_is_missing_with_links_to_the_steps(sign_in, app, client_id):
    intake = sign_in("intake")
    aid = start(intake, client_id)
    assert save(intake, aid, "substances", lorazepam_row()).status_code == 303
    partial = {"dsm5.primary_substance": "lorazepam", "dsm5.criteria.craving": "yes"}
    assert save(intake, aid, "dsm5", partial).status_code == 303

    refused = intake.post(f"/assessments/{aid}/submit")
    assert refused.status_code == 422
    text = text_of(refused)
    assert 'id="submit-refused"' in text
    assert f'href="/assessments/{aid}/steps/dsm5#f-dsm5.medically_supervised"' in text
    assert f'href="/assessments/{aid}/steps/dsm5#f-dsm5.criteria.tolerance"' in text
    assert f'href="/assessments/{aid}/steps/dimensions#f-dimensions"' in text
    assert 'steps/dsm5#f-dsm5.criteria.craving"' not in text  # answered
    assert stored(app, aid).status is AssessmentStatus.DRAFT
    # A draft opened by its link resumes at its first step with answers missing.
    assert intake.get(f"/assessments/{aid}").headers["Location"] == step_url(aid, "dsm5")


def test_a_rule_broken_at_submit_names_the_field(sign_in, app, client_id):
    intake = sign_in("intake")
    aid = start(intake, client_id)
    row = lorazepam_row(**{"substances.0.daily_dose_mg": ""})
    assert save(intake, aid, "substances", row).status_code == 303
    assert save(intake, aid, "dsm5", dsm5_form("lorazepam", False, set())).status_code == 303
    assert save(intake, aid, "dimensions", ratings_form()).status_code == 303
    refused = intake.post(f"/assessments/{aid}/submit")
    assert refused.status_code == 422
    text = text_of(refused)
    assert 'steps/substances#f-substances.0.daily_dose_mg"' in text
    assert "Required for a current benzodiazepine or z-drug." in text
