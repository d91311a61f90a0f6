"""Migrations and models agree, and every revision upgrades and downgrades cleanly, on the
database the suite runs against (a scratch database beside it)."""

from __future__ import annotations

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

SCRATCH_DB = "test_migrations"


def scratch_engine(db_url: str) -> sa.Engine:
    if db_url.startswith("postgresql"):
        admin = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {SCRATCH_DB}")
        admin.dispose()
        return sa.create_engine(sa.make_url(db_url).set(database=SCRATCH_DB))
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
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
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
