"""Treatment plan API: racing writers on committed data (a scratch database): one first save
wins, and one of two replacements."""

from __future__ import annotations

import sqlalchemy as sa

from cases.treatment_plans.models import TreatmentPlanRevision
from core.extensions import db
from tests.cases.treatment_plans.treatment_plans_helpers import PLAN, plan_url, revised
from tests.concurrency.conftest import race, race_app  # noqa: F401 (fixture)
from tests.factories import make_client, make_submitted_assessment, make_user, token_for

# --- racing writers (committed data on a scratch database) ------------------------------------


def committed_case(app):
    """A committed active case and two clinician tokens for it."""
    with app.app_context():
        counsellor = make_user("counsellor")
        tokens = [token_for(make_user("clinician")) for _ in range(2)]
        client_id = make_client()
        assessment_id = make_submitted_assessment(client_id, recommended_level="1")
        db.session.commit()
    response = app.test_client().post(
        "/api/v1/cases",
        json={
            "client_id": client_id,
            "assessment_id": assessment_id,
            "level": "1",
            "primary_counsellor_id": counsellor,
        },
        headers={"Authorization": f"Bearer {tokens[0]}"},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"], tokens


def test_two_first_saves_race_one_creates_the_other_needs_if_match(race_app):  # noqa: F811
    case_id, tokens = committed_case(race_app)

    def save(i):
        return (
            race_app.test_client()
            .put(plan_url(case_id), json=PLAN, headers={"Authorization": f"Bearer {tokens[i]}"})
            .status_code
        )

    assert sorted(race(2, save)) == [201, 428]


def test_two_replacements_race_one_wins_the_other_gets_412(race_app):  # noqa: F811
    case_id, tokens = committed_case(race_app)
    created = race_app.test_client().put(
        plan_url(case_id), json=PLAN, headers={"Authorization": f"Bearer {tokens[0]}"}
    )
    etag = created.headers["ETag"]

    def replace(i):
        return (
            race_app.test_client()
            .put(
                plan_url(case_id),
                json=revised(description=f"Editor {i}"),
                headers={"Authorization": f"Bearer {tokens[i]}", "If-Match": etag},
            )
            .status_code
        )

    assert sorted(race(2, replace)) == [200, 412]
    with race_app.app_context():
        versions = db.session.execute(
            sa.select(TreatmentPlanRevision.version).order_by(TreatmentPlanRevision.version)
        ).scalars()
        assert list(versions) == [1, 2]
