"""Reports and the FHIR export read from a REAL streaming standby when DATABASE_REPLICA_URL
is set (core.replica), while their audit events are written to the primary.

The proof that the numbers come from the replica: with WAL replay paused on the standby, a
case opened through the API is on the primary at once, yet the caseload report still shows
the standby's older count until replay resumes. PostgreSQL only (skipped on SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from cases.episodes.models import Case
from core import replica
from core.audit import AuditEvent
from core.config import ConfigError, load_config
from core.extensions import db
from tests.factories import ApiClient, make_user, open_new_case, token_for
from tests.replica.conftest import Standby

CASELOAD = "/api/v1/reports/caseload"
OPEN = ("waitlisted", "admitted", "active")


def _api(app: Flask, role: str) -> ApiClient:
    with app.app_context():
        user_id = make_user(role)
        token = token_for(user_id)
        db.session.commit()
    return ApiClient(app.test_client(), token, user_id)


@pytest.fixture
def staff(replica_app: Flask) -> Iterator[dict[str, ApiClient]]:
    yield {role: _api(replica_app, role) for role in ("manager", "clinician", "counsellor")}


def _open_on_primary(app: Flask) -> int:
    with app.app_context():
        count = db.session.execute(
            sa.select(sa.func.count()).select_from(Case).where(Case.status.in_(OPEN))
        ).scalar_one()
        db.session.rollback()
    return count


def _audited(app: Flask, action: str) -> int:
    """Events of `action` on the primary."""
    with app.app_context():
        count = db.session.execute(
            sa.select(sa.func.count()).where(AuditEvent.action == action)
        ).scalar_one()
        db.session.rollback()
    return count


def _open_in_report(manager: ApiClient) -> int:
    response = manager.get(CASELOAD)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["totals"]["open_cases"]


def test_the_caseload_report_is_read_from_the_standby(
    replica_app: Flask, standby: Standby, staff: dict[str, ApiClient]
) -> None:
    manager, clinician = staff["manager"], staff["clinician"]
    counsellor_id = staff["counsellor"].user_id
    before = _open_on_primary(replica_app)
    open_new_case(replica_app, clinician, counsellor_id)
    standby.wait_for_replay()
    assert _open_in_report(manager) == before + 1
    reads = _audited(replica_app, "report.caseload.read")

    standby.pause()
    try:
        open_new_case(replica_app, clinician, counsellor_id)
        assert _open_on_primary(replica_app) == before + 2  # the primary has it at once
        assert _open_in_report(manager) == before + 1  # the paused standby does not
        # ... and the read was audited on the primary, though the report came from the replica
        assert _audited(replica_app, "report.caseload.read") == reads + 1
        assert manager.get(f"{CASELOAD}?format=csv").status_code == 200
    finally:
        standby.resume()
    standby.wait_for_replay()
    assert _open_in_report(manager) == before + 2
    assert _audited(replica_app, "report.caseload.read") == reads + 3


def test_the_outcomes_report_is_read_from_the_standby(
    replica_app: Flask, standby: Standby, staff: dict[str, ApiClient]
) -> None:
    manager = staff["manager"]
    standby.wait_for_replay()
    standby.pause()
    try:
        open_new_case(replica_app, staff["clinician"], staff["counsellor"].user_id)
        paused = manager.get("/api/v1/reports/outcomes").get_json()["admissions"]
    finally:
        standby.resume()
    standby.wait_for_replay()
    assert manager.get("/api/v1/reports/outcomes").get_json()["admissions"] == paused + 1


def _flags_in_export(clinician: ApiClient, client_id: int) -> int:
    response = clinician.get(f"/api/v1/clients/{client_id}/fhir")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    entries: list[dict[str, Any]] = response.get_json()["entry"]
    return sum(entry["resource"]["resourceType"] == "Flag" for entry in entries)


def test_the_fhir_export_is_read_from_the_standby(
    replica_app: Flask, standby: Standby, staff: dict[str, ApiClient]
) -> None:
    clinician = staff["clinician"]
    client_id = open_new_case(replica_app, clinician, staff["counsellor"].user_id)["client_id"]
    standby.wait_for_replay()
    flags = _flags_in_export(clinician, client_id)
    exports = _audited(replica_app, "fhir.export")

    standby.pause()
    try:
        raised = clinician.post(
            f"/api/v1/clients/{client_id}/flags",
            json={"type": "falls_risk", "severity": "warning", "note": "Unsteady on stairs."},
        )
        assert raised.status_code == 201, raised.get_json()
        assert _flags_in_export(clinician, client_id) == flags  # the standby's copy
    finally:
        standby.resume()
    standby.wait_for_replay()
    assert _flags_in_export(clinician, client_id) == flags + 1
    assert _audited(replica_app, "fhir.export") == exports + 2


def test_a_write_inside_a_replica_block_still_goes_to_the_primary(
    replica_app: Flask, standby: Standby
) -> None:
    """DML and flushes stay on the primary; SELECTs in the block go to the standby."""
    with replica_app.app_context():
        with replica.reading_from_replica():
            on_standby = db.session.execute(sa.text("SELECT pg_is_in_recovery()")).scalar()
            user_id = make_user("manager")  # a flush: the primary
            db.session.execute(sa.update(AuditEvent).where(sa.false()).values(action="x"))
        db.session.commit()
        on_primary = db.session.execute(sa.text("SELECT pg_is_in_recovery()")).scalar()
        db.session.rollback()
    assert on_standby is True and on_primary is False
    assert user_id


def test_the_replica_setting_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://reader@standby:5432/centre")
    config = load_config(tmp_path)
    assert config["DATABASE_REPLICA_URL"] == "postgresql+psycopg://reader@standby:5432/centre"
    monkeypatch.setenv("DATABASE_REPLICA_URL", "mysql://standby/centre")
    with pytest.raises(ConfigError, match="DATABASE_REPLICA_URL"):
        load_config(tmp_path)
    monkeypatch.delenv("DATABASE_REPLICA_URL")
    assert load_config(tmp_path)["DATABASE_REPLICA_URL"] is None


def test_an_unreachable_replica_falls_back_to_the_primary(
    app: Flask,
    manager: ApiClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Runs on SQLite too: nothing listens on port 1, so the report is read from the primary
    (and says so in the log) instead of failing."""
    monkeypatch.setitem(
        app.config, "DATABASE_REPLICA_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none"
    )
    try:
        with caplog.at_level("WARNING", logger="core.replica"):
            response = manager.get(CASELOAD)
            assert manager.get("/api/v1/reports/outcomes").status_code == 200
    finally:
        replica.dispose(app)
    assert response.status_code == 200, response.get_json()
    assert "totals" in response.get_json()
    assert "read replica unreachable" in caplog.text


def test_without_a_replica_the_block_changes_nothing(app: Flask) -> None:
    with app.app_context():
        assert not replica.replica_configured()
        assert replica.replica_engine() is None
        with replica.reading_from_replica():
            assert db.session.execute(sa.select(sa.literal(1))).scalar() == 1
