"""Round trips and statements per authenticated, audited read, pinned (issue 18), on the app's
own engine settings over committed data. A round trip is one wait for the server's
ReadyForQuery, read off libpq's own protocol trace of the connection (PostgreSQL only; SQLite
has no network, so there only the statements are counted)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from bench.roundtrips import Counter
from centre import create_app
from core.audit import AuditEvent
from core.extensions import db
from tests.concurrency.conftest import scratch_url
from tests.conftest import test_config as config_for
from tests.factories import make_case, make_user, token_for

#: (round trips on PostgreSQL, SQL statements) per read, as a counsellor on their own caseload.
#: A read runs without a transaction block (core.app `_autocommit_reads`): one statement reads
#: the credential with its user, whether an emergency access grant is live (so the audit need
#: not ask) and the record itself with its caseload check and what it shows (joined:
#: `auth.credentials.reads_record`); the audit INSERT commits as it runs. The client record
#: also lists its episodes (one more SELECT).
PINNED = {
    "client": (3, 3),
    "case": (2, 2),
    "assessment": (2, 2),
    "note": (2, 2),
}


@pytest.fixture(scope="module")
def served(request: pytest.FixtureRequest) -> Iterator[tuple[Flask, dict[str, Any]]]:
    db_url = request.getfixturevalue("db_url")
    app = create_app(config_for(scratch_url(db_url)))
    with app.app_context():
        upgrade()
        counsellor = make_user("counsellor")
        case_id = make_case(counsellor)
        db.session.commit()
        token = token_for(counsellor)
        db.session.commit()
    yield app, {"token": token, "case_id": case_id}
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _paths(app: Flask, ids: dict[str, Any]) -> dict[str, str]:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {ids['token']}"}
    case = client.get(f"/api/v1/cases/{ids['case_id']}", headers=headers).get_json()
    note = client.post(
        f"/api/v1/cases/{ids['case_id']}/notes",
        json={"kind": "progress", "body": {"text": "Attended; plan reviewed."}},
        headers=headers,
    ).get_json()
    assert "id" in note, note
    return {
        "client": f"/api/v1/clients/{case['client_id']}",
        "case": f"/api/v1/cases/{ids['case_id']}",
        "assessment": f"/api/v1/assessments/{case['assessment_id']}",
        "note": f"/api/v1/notes/{note['id']}",
    }


@pytest.mark.parametrize("kind", sorted(PINNED))
def test_an_audited_read_costs_its_pinned_round_trips(served, kind):
    app, ids = served
    paths = _paths(app, ids)
    http = app.test_client()
    headers = {"Authorization": f"Bearer {ids['token']}"}
    http.get(paths[kind], headers=headers)  # the credential's once-a-minute touch is done
    with Counter(app) as counter:
        answer = http.get(paths[kind], headers=headers)
    assert answer.status_code == 200, answer.get_json()
    trips, statements = PINNED[kind]
    assert counter.statements == statements, counter.seen
    if counter.engine.dialect.name == "postgresql":
        assert counter.round_trips() == trips


def test_a_refused_read_leaves_one_audit_event_and_nothing_else(served):
    """Without a transaction block a read still changes nothing but the audit trail: a case on
    another caseload is refused (404) with exactly one event saying so."""
    app, ids = served
    with app.app_context():
        other = token_for(make_user("counsellor"))
        db.session.commit()
        before = db.session.execute(sa.select(AuditEvent.id).order_by(AuditEvent.id.desc())).first()
    answer = app.test_client().get(
        f"/api/v1/cases/{ids['case_id']}", headers={"Authorization": f"Bearer {other}"}
    )
    assert answer.status_code == 404
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.id > before.id).order_by(AuditEvent.id)
        ).all()
    assert [e.outcome for e in events] == ["404"]
