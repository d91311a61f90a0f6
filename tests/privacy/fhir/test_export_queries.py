"""The export runs a fixed number of statements, whatever the record holds: one per kind of
record (and none for a kind the scopes leave out), never one per row."""

from __future__ import annotations

from typing import Any

from auth.models import User
from core.extensions import db
from privacy.fhir.export import FHIR_JSON, client_bundle
from tests.factories import statements
from tests.privacy.fhir.fhir_record import whole_record

#: statements of the whole export request: 18 today (the token lookup, the client and its
#: active flags, the emergency-grant lookup of the audit trail, the audit insert, the
#: consents, nine kinds of record, the addenda of the notes, and the savepoints), with a
#: little room for the sign-in and audit machinery.
MOST = 20


def counted(app: Any, api: Any, client_id: int) -> list[str]:
    with statements(app) as seen:
        response = api.get(f"/api/v1/clients/{client_id}/fhir", headers={"Accept": FHIR_JSON})
    assert response.status_code == 200
    return seen


def test_statement_count_is_bounded_and_flat_in_the_number_of_records(app, staff):
    small = whole_record(staff, n=1)
    large = whole_record(staff, n=3)
    few = counted(app, staff.clinician, small.client_id)
    many = counted(app, staff.clinician, large.client_id)
    assert len(few) == len(many), "\n\n".join(many)
    assert len(many) <= MOST, "\n\n".join(many)


def test_a_scope_loads_only_what_it_exports(app, staff):
    record = whole_record(staff, n=1)
    with app.app_context():
        actor = db.session.get(User, staff.clinician.user_id)
        with statements(app) as seen:
            client_bundle(record.client_id, actor=actor, scopes=frozenset({"demographics"}))
    loaded = {statement.split(".")[0].removeprefix("SELECT ") for statement in seen}
    assert loaded.isdisjoint({"assessments", "flags", "cases", "notes", "therapy_sessions"})
    assert "clients" in loaded
