"""A GET of one client record reads the record in its credential's statement
(`auth.credentials.reads_record`), with the caseload check of the credential's own user in
SQL: it must answer exactly as the service's own caseload-checked select would."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from auth.models import CaseloadMembership, Credential
from cases.episodes.models import Case
from core import prefetch
from core.db import utcnow
from core.errors import NotFound
from core.extensions import db
from tests.factories import make_case, make_user

READS = {
    "case": "/api/v1/cases/{case}",
    "client": "/api/v1/clients/{client}",
    "assessment": "/api/v1/assessments/{assessment}",
}


@pytest.fixture
def own(app, counsellor):
    """A case on `counsellor`'s caseload, with its client and assessment ids."""
    with app.app_context():
        case_id = make_case(counsellor.user_id)
        case = db.session.get(Case, case_id)
        ids = {"case": case_id, "client": case.client_id, "assessment": case.assessment_id}
        db.session.commit()
    return ids


def _end_membership(app: Flask, staff_id: int, at) -> None:
    with app.app_context():
        db.session.execute(
            sa.update(CaseloadMembership)
            .where(CaseloadMembership.staff_id == staff_id)
            .values(ended_at=at)
        )
        db.session.commit()


@pytest.mark.parametrize("kind", sorted(READS))
def test_own_caseload_read_ahead_is_shown(counsellor, own, kind):
    answer = counsellor.get(READS[kind].format(**own))
    assert answer.status_code == 200
    assert answer.get_json()["id"] == own[kind]


@pytest.mark.parametrize("kind", sorted(READS))
def test_another_counsellors_record_answers_like_a_missing_one(login_as, own, kind):
    other = login_as("counsellor")
    hidden = other.get(READS[kind].format(**own))
    missing = other.get(READS[kind].format(**dict.fromkeys(own, 999_999)))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()


@pytest.mark.parametrize("kind", sorted(READS))
def test_a_whole_centre_role_reads_any_record(login_as, own, kind):
    assert login_as("clinician").get(READS[kind].format(**own)).status_code == 200


def test_a_membership_counts_until_its_end_and_not_after(app, counsellor, own):
    url = READS["case"].format(**own)
    _end_membership(app, counsellor.user_id, utcnow() + timedelta(minutes=5))
    assert counsellor.get(url).status_code == 200
    _end_membership(app, counsellor.user_id, utcnow() - timedelta(seconds=1))
    assert counsellor.get(url).status_code == 404


def test_a_revoked_token_reads_nothing(app, counsellor, own):
    with app.app_context():
        db.session.execute(sa.update(Credential).values(revoked_at=utcnow()))
        db.session.commit()
    answer = counsellor.get(READS["case"].format(**own))
    assert answer.status_code == 401
    assert "client_id" not in answer.get_json()


def test_a_role_without_the_permission_is_refused_before_the_record(login_as, app):
    """Admins may not read cases: 403, though the statement read the case."""
    with app.app_context():
        case_id = make_case(make_user("counsellor"))
        db.session.commit()
    answer = login_as("admin").get(f"/api/v1/cases/{case_id}")
    assert answer.status_code == 403
    assert set(answer.get_json()) == {"code", "status", "message"}


def test_a_kept_record_is_given_only_for_its_record_and_viewer(app):
    with app.test_request_context():
        prefetch.keep(Case, 7, viewer_id=3, row=("the case",))
        assert prefetch.take_row(Case, 7, 4, "case") is None  # another viewer: select again
        assert prefetch.take_row(Case, 8, 3, "case") is None  # another record
        assert prefetch.take_row(Case, 7, 3, "case") == ("the case",)
        assert prefetch.take_row(Case, 7, 3, "case") is None  # taken once
        prefetch.keep(Case, 9, viewer_id=3, row=None)
        with pytest.raises(NotFound):
            prefetch.take_row(Case, 9, 3, "case")
