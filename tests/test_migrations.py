"""Migrations and models agree, and every revision upgrades and downgrades cleanly, on the
database the suite runs against (a scratch database beside it)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Migrate

from core.extensions import configure_sqlite, db
from intake.clients.models import POSTGRESQL_ONLY_INDEXES
from intake.flags.models import EXPRESSION_INDEXES

SCRATCH_SUFFIX = "_migrations"


def scratch_name(db_url: str) -> str:
    """The scratch database beside the suite's own (``test`` → ``test_migrations``), so runs
    against different databases never share one."""
    return f"{sa.make_url(db_url).database}{SCRATCH_SUFFIX}"


def scratch_engine(db_url: str) -> sa.Engine:
    if db_url.startswith("postgresql"):
        name = scratch_name(db_url)
        admin = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
        return sa.create_engine(sa.make_url(db_url).set(database=name))
    engine = sa.create_engine(f"sqlite:///{Path(tempfile.mkdtemp()) / 'migrations.sqlite3'}")
    configure_sqlite(engine)
    return engine


@pytest.fixture
def scratch(app, db_url) -> Iterator[tuple[sa.Connection, object]]:
    engine = scratch_engine(db_url)
    with app.app_context(), engine.connect() as conn:
        migrate: Migrate = app.extensions["migrate"]
        config = migrate.migrate.get_config()
        config.attributes["connection"] = conn
        yield conn, config
    engine.dispose()


def tables(conn: sa.Connection) -> set[str]:
    return set(sa.inspect(conn).get_table_names()) - {"alembic_version"}


def differences(conn: sa.Connection) -> list:
    def declared(obj, name, type_, reflected, compare_to) -> bool:
        return not (type_ == "index" and name in POSTGRESQL_ONLY_INDEXES | EXPRESSION_INDEXES)

    opts = {"compare_type": True, "include_object": declared}
    ctx = MigrationContext.configure(conn, opts=opts)
    return compare_metadata(ctx, db.metadata)


def commit(conn: sa.Connection) -> None:
    if conn.in_transaction():
        conn.commit()


def test_models_and_migrations_agree(scratch):
    conn, config = scratch
    command.upgrade(config, "head")
    commit(conn)
    assert differences(conn) == []


def test_every_revision_upgrades_and_downgrades(scratch):
    conn, config = scratch
    revisions = list(reversed(list(ScriptDirectory.from_config(config).walk_revisions())))
    for revision in revisions:
        command.upgrade(config, revision.revision)
        commit(conn)
    assert tables(conn) == set(db.metadata.tables)
    for _ in revisions:
        command.downgrade(config, "-1")
        commit(conn)
    assert tables(conn) == set()
    command.upgrade(config, "head")
    commit(conn)
    assert differences(conn) == []


def test_audit_trigger_exists_after_upgrade(scratch):
    conn, config = scratch
    command.upgrade(config, "head")
    commit(conn)
    conn.execute(
        sa.text(
            "INSERT INTO audit_events (occurred_at, action, outcome) "
            "VALUES (CURRENT_TIMESTAMP, 'x', 'success')"
        )
    )
    commit(conn)
    with pytest.raises(sa.exc.DatabaseError):
        conn.execute(sa.text("UPDATE audit_events SET action = 'y'"))
    conn.rollback()


def test_rule_version_2_migration_keeps_version_1_rows_readable(scratch):
    """0006 fills each existing flag's history from its own columns, gives existing taper
    plans the table version 1 used, and its downgrade leaves the version-1 columns intact."""
    conn, config = scratch
    command.upgrade(config, "0005")
    commit(conn)
    now = "2026-11-20 10:00:00+00:00"
    conn.execute(
        sa.text(
            "INSERT INTO clients (id, first_name, last_name, date_of_birth, sex, status, "
            "created_at, updated_at, version) VALUES (1, 'A', 'B', '1980-01-01', 'unknown', "
            "'active', :now, :now, 1)"
        ),
        {"now": now},
    )
    conn.execute(
        sa.text(
            "INSERT INTO flags (id, client_id, type, category, severity, status, source_kind, "
            "note, raised_at, version) VALUES (1, 1, 'suicide_risk', 'safety', 'urgent', "
            "'active', 'screening', 'PHQ-9 item 9', :now, 1)"
        ),
        {"now": now},
    )
    commit(conn)
    command.upgrade(config, "0006")
    commit(conn)
    (history,) = conn.execute(sa.text("SELECT history FROM flags WHERE id = 1")).one()
    history = json.loads(history) if isinstance(history, str) else history
    assert len(history) == 1
    assert history[0]["source"] == "screening" and history[0]["severity"] == "urgent"
    assert history[0]["note"] == "PHQ-9 item 9" and history[0]["at"].startswith("2026-11-20")
    command.downgrade(config, "0005")
    commit(conn)
    assert conn.execute(sa.text("SELECT note FROM flags WHERE id = 1")).scalar() == "PHQ-9 item 9"


def test_0007_carries_lockouts_over_and_keeps_the_audit_trail_append_only(scratch):
    """0007 adds `audit_events.client_request_id` in place (a SQLite table rebuild would drop
    the append-only triggers) and moves lockouts in force to `login_throttles`, both ways."""
    conn, config = scratch
    command.upgrade(config, "0006")
    commit(conn)
    until = "2030-01-01 10:00:00+00:00"
    conn.execute(
        sa.text("INSERT INTO login_lockouts (email, locked_until) VALUES ('x@y.z', :until)"),
        {"until": until},
    )
    conn.execute(
        sa.text(
            "INSERT INTO audit_events (occurred_at, action, outcome, request_id) "
            "VALUES (CURRENT_TIMESTAMP, 'old', 'success', 'r1')"
        )
    )
    commit(conn)
    command.upgrade(config, "0007")
    commit(conn)
    email, failures, locked = conn.execute(
        sa.text("SELECT email, failures, locked_until FROM login_throttles")
    ).one()
    assert (email, failures) == ("x@y.z", 0) and str(locked).startswith("2030-01-01")
    row = conn.execute(sa.text("SELECT request_id, client_request_id FROM audit_events")).one()
    assert tuple(row) == ("r1", None)
    with pytest.raises(sa.exc.DatabaseError):
        conn.execute(sa.text("UPDATE audit_events SET action = 'y'"))
    conn.rollback()
    command.downgrade(config, "0006")
    commit(conn)
    assert conn.execute(sa.text("SELECT email FROM login_lockouts")).scalar() == "x@y.z"
    assert "client_request_id" not in {
        c["name"] for c in sa.inspect(conn).get_columns("audit_events")
    }
    with pytest.raises(sa.exc.DatabaseError):
        conn.execute(sa.text("DELETE FROM audit_events"))
    conn.rollback()


def _insert(conn: sa.Connection, table: str, **values: object) -> int:
    """A row whose id comes from the table's own sequence (as the app inserts them)."""
    columns = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    conn.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({marks})"), values)
    return conn.execute(sa.text(f"SELECT max(id) FROM {table}")).scalar_one()


NOW = "2026-11-20 10:00:00+00:00"


def _a_counsellor_with_a_session_and_a_client(conn: sa.Connection) -> tuple[int, int]:
    user = _insert(
        conn, "users", email="m@x.org", name="M", role="counsellor", password_hash="h",
        active=True, must_change_password=False, password_changed_at=NOW, created_at=NOW,
        updated_at=NOW, version=1,
    )  # fmt: skip
    client = _insert(
        conn, "clients", first_name="A", last_name="B", date_of_birth="1980-01-01",
        sex="unknown", status="active", created_at=NOW, updated_at=NOW, version=1,
    )  # fmt: skip
    _insert(conn, "credentials", user_id=user, kind="cookie", secret_hash="s1",
            created_at=NOW, last_seen_at=NOW)  # fmt: skip
    _insert(conn, "caseload_memberships", client_id=client, staff_id=user, kind="primary",
            started_at=NOW)  # fmt: skip
    return user, client


def test_constraint_changes_keep_the_id_sequences_of_tables_with_rows(scratch):
    """0008 and 0010 change CHECK constraints on caseload_memberships and credentials; on
    PostgreSQL that must alter the table in place, never copy it to a new one (whose fresh
    id sequence would collide with the rows already there)."""
    conn, config = scratch
    command.upgrade(config, "0007")
    commit(conn)
    user, client = _a_counsellor_with_a_session_and_a_client(conn)
    commit(conn)
    command.upgrade(config, "head")
    commit(conn)
    second = _insert(conn, "credentials", user_id=user, kind="bearer", secret_hash="s2",
                     created_at=NOW, last_seen_at=NOW)  # fmt: skip
    again = _insert(conn, "caseload_memberships", client_id=client, staff_id=user,
                    kind="aftercare", started_at=NOW)  # fmt: skip
    commit(conn)
    assert second == 2 and again == 2
