"""Clinical records are never deleted: no route deletes one, and the ORM refuses to."""

from __future__ import annotations

import pytest

from core.db import RecordDeletionError
from core.extensions import db
from intake.clients.models import Client
from tests.factories import make_client

#: The only DELETE route revokes a calendar feed token (a credential, not a record).
ALLOWED_DELETE_ENDPOINTS = {"calendars.revoke_calendar_token"}


def test_no_route_deletes_clinical_records(app):
    deleting = {r.endpoint for r in app.url_map.iter_rules() if "DELETE" in r.methods}
    assert deleting == ALLOWED_DELETE_ENDPOINTS


def test_orm_refuses_to_delete_a_clinical_record(app):
    with app.app_context():
        client = db.session.get(Client, make_client())
        db.session.delete(client)
        with pytest.raises(RecordDeletionError):
            db.session.flush()
        db.session.rollback()
