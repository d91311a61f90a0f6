"""The floor of benchmark (b): the real application, with one more route that does the
database work of an audited `GET /api/v1/cases/{id}` and nothing of the application's own
Python around it. Served only by `bench.run` (b), on a loopback port; never part of the app.

`GET /bench/floor/cases/<id>` runs, through the app's own engine, session and request hooks
(request id, reads without a transaction block, security headers), exactly the two
statements the real route runs: the credential statement with the case read in it
(`auth.credentials.record_statement(CASE_READ)`, same SQL, same bound values) and the audit
INSERT (`core.audit`'s), then answers the case's own columns as JSON. What it leaves out is
what the real route adds in Python: Flask-Login and the permission check, the ORM building
objects from the row, the service, marshmallow and flask-smorest. Its requests per second,
against the bare Flask baseline, is the most (b) could be in this stack on this machine if
all of that cost nothing."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from types import SimpleNamespace
from typing import Any

from flask import Response, abort, request

from auth.credentials import record_statement, statement_params
from cases.episodes.models import Case
from cases.episodes.service import CASE_READ
from centre import create_app
from core import audit
from core.extensions import db

app = create_app()
_CASE_COLUMNS = tuple(Case.__table__.columns)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value.value if isinstance(value, Enum) else value


@app.get("/bench/floor/cases/<int:case_id>")
def floor_case(case_id: int) -> Response:
    header = request.headers.get("Authorization", "")
    params = statement_params(header.partition(" ")[2], case_id)
    connection = db.session.connection()
    row = connection.execute(record_statement(CASE_READ), params).first()
    if row is None or row.revoked_at is not None:
        abort(401)
    found = row._mapping
    if found[Case.__table__.c.id] is None:
        abort(404)
    case = {column.key: _plain(found[column]) for column in _CASE_COLUMNS}
    actor = SimpleNamespace(id=found["user_id"], email=found["email"])
    audit.record("case.read", actor=actor, record_type="case", record_id=case_id,
                 client_id=case["client_id"])  # fmt: skip
    db.session.commit()
    return app.json.response(case)
