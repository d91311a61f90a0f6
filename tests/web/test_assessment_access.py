"""Screen 4 through the Flask test client: who may open and change an intake assessment
(caseload 404s, the API's roles) and the CSRF token on every post."""

from __future__ import annotations

from core.extensions import db
from tests.factories import add_to_caseload, make_client
from tests.web.assessment_helpers import (
    client_id_fixture,  # noqa: F401 (fixture)
    start,
    step_url,
    stored,
    text_of,
    version_in,
)


def test_a_counsellor_gets_404_for_another_caseloads_assessment(sign_in, app):
    counsellor = sign_in("counsellor")
    with app.app_context():
        mine, theirs = make_client(), make_client()
        add_to_caseload(counsellor.user_id, mine)
        db.session.commit()
    clinician = sign_in("clinician")
    their_assessment = start(clinician, theirs)
    my_assessment = start(counsellor, mine)
    assert counsellor.get(step_url(my_assessment, "substances")).status_code == 200
    missing = counsellor.get("/assessments/999999")
    for url in (f"/assessments/{their_assessment}", step_url(their_assessment, "goals")):
        other = counsellor.get(url)
        assert other.status_code == 404, url
        assert other.get_data() == missing.get_data()
    posted = counsellor.post(step_url(their_assessment, "goals"), {"goals.ideas": "x"})
    assert posted.status_code == 404
    score = counsellor.htmx("POST", f"/assessments/{their_assessment}/scores/phq9", {})
    assert score.status_code == 404
    assert counsellor.post(f"/clients/{theirs}/assessments").status_code == 404


def test_roles_are_the_apis(sign_in, app, client_id):
    intake = sign_in("intake")
    aid = start(intake, client_id)
    manager = sign_in("manager")
    assert manager.post(f"/clients/{client_id}/assessments").status_code == 403
    assert manager.get(step_url(aid, "substances")).status_code == 403
    draft = manager.get(f"/assessments/{aid}")  # may read: a draft says it is in progress
    assert draft.status_code == 200 and "still being filled in" in text_of(draft)
    assert sign_in("admin").get(f"/assessments/{aid}").status_code == 403


def test_a_post_without_the_csrf_token_is_refused(sign_in, app, client_id):
    intake = sign_in("intake")
    aid = start(intake, client_id)
    page = intake.get(step_url(aid, "goals"))
    refused = intake.http.post(
        step_url(aid, "goals"), data={"version": version_in(page), "goals.ideas": "x"}
    )
    assert refused.status_code == 403
    assert intake.http.post(f"/clients/{client_id}/assessments").status_code == 403
    assert intake.http.post(f"/assessments/{aid}/scores/phq9", data={}).status_code == 403
    assert stored(app, aid).goals is None
