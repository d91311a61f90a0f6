"""The audit trail partitioned by month on PostgreSQL (migration 0013, core.audit_partitions):
rows land in their month's partition, the trail stays append-only on every partition, the
maintenance creates the months ahead idempotently and adopts rows left in DEFAULT, the
migration converts a table holding rows (and back), and the list query reads an index.
On SQLite the maintenance is a no-op."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from core import audit_partitions
from core.audit import AuditEvent
from core.audit_trail import query_events
from core.extensions import db
from work import tasks

PART = audit_partitions.SCHEMA


@pytest.fixture
def pg(app, db_url) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("audit partitions exist only on PostgreSQL")


def _partitions(conn: sa.Connection) -> set[str]:
    return set(
        conn.execute(
            sa.text(
                "SELECT c.oid::regclass::text FROM pg_inherits i JOIN pg_class c "
                "ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_events'::regclass"
            )
        ).scalars()
    )


def _month(moment: datetime) -> str:
    return f"{PART}.audit_events_{moment:%Y_%m}"


def _event(at: datetime, client_id: int | None = None) -> AuditEvent:
    event = AuditEvent(occurred_at=at, action="test.partition", outcome="success")
    event.client_id = client_id
    db.session.add(event)
    db.session.flush()
    return event


def _partition_of(event_id: int) -> str:
    return db.session.execute(
        sa.text("SELECT tableoid::regclass::text FROM audit_events WHERE id = :id"),
        {"id": event_id},
    ).scalar_one()


# --- SQLite: nothing to do ----------------------------------------------------------------------


def test_the_maintenance_is_a_no_op_on_sqlite(app, db_url):
    if db_url.startswith("postgresql"):
        pytest.skip("SQLite only")
    with app.app_context():
        assert audit_partitions.ensure_partitions() == audit_partitions.PartitionReport()
        assert audit_partitions.adopt_default() == []
        assert tasks.audit_partitions.call_local() == []
    result = app.test_cli_runner().invoke(args=["audit-partitions"])
    assert result.exit_code == 0 and "created: none" in result.output


# --- the layout -------------------------------------------------------------------------------


def test_the_table_is_partitioned_by_month_with_a_default(app, pg, clock):
    with app.app_context():
        conn = db.session.connection()
        kind, key = conn.execute(
            sa.text(
                "SELECT c.relkind, pg_get_partkeydef(c.oid) FROM pg_class c "
                "WHERE c.oid = 'audit_events'::regclass"
            )
        ).one()
        assert (kind, key) == ("p", "RANGE (occurred_at)")
        months = audit_partitions.months_from(clock.start.date(), 4)
        expected = {_month(m) for m in months} | {audit_partitions.DEFAULT}
        assert expected <= _partitions(conn)


def test_events_land_in_the_partition_of_their_month(app, pg, clock):
    this_month = clock.start
    next_month = audit_partitions.months_from(this_month.date(), 2)[1]
    far = datetime(2100, 1, 15, tzinfo=UTC)
    with app.app_context():
        now_event = _event(this_month)
        later = _event(datetime.combine(next_month, datetime.min.time(), tzinfo=UTC))
        stray = _event(far)
        assert _partition_of(now_event.id) == _month(this_month)
        assert _partition_of(later.id) == _month(next_month)
        assert _partition_of(stray.id) == audit_partitions.DEFAULT
        assert db.session.get(AuditEvent, stray.id).occurred_at == far


@pytest.mark.parametrize(
    "statement",
    ["UPDATE {table} SET action = 'tampered'", "DELETE FROM {table}", "TRUNCATE {table}"],
)
def test_the_trail_is_append_only_on_the_parent_and_on_a_partition(app, pg, clock, statement):
    with app.app_context():
        events = [_event(clock.start), _event(datetime(2100, 1, 1, tzinfo=UTC))]
        for table in ("audit_events", _month(clock.start), audit_partitions.DEFAULT):
            refused = pytest.raises(sa.exc.DatabaseError, match="append-only")
            with refused, db.session.begin_nested():
                db.session.execute(sa.text(statement.format(table=table)))
        db.session.expire_all()
        for event in events:
            assert db.session.get(AuditEvent, event.id).action == "test.partition"


# --- the maintenance ----------------------------------------------------------------------------


def test_ensure_partitions_creates_the_months_ahead_once(app, pg, clock):
    clock.set(datetime(2090, 11, 20, 23, 30, tzinfo=UTC))
    with app.app_context():
        first = audit_partitions.ensure_partitions(months_ahead=3)
        assert first.created == [
            "audit_events_2090_11",
            "audit_events_2090_12",
            "audit_events_2091_01",
            "audit_events_2091_02",
        ]
        assert (first.blocked, first.repaired, first.default_rows) == ([], [], 0)
        again = audit_partitions.ensure_partitions(months_ahead=3)
        assert again == audit_partitions.PartitionReport()
        event = _event(datetime(2091, 2, 28, 23, 59, 59, tzinfo=UTC))
        assert _partition_of(event.id) == f"{PART}.audit_events_2091_02"
        assert _partition_of(_event(datetime(2091, 3, 1, tzinfo=UTC)).id) == (
            audit_partitions.DEFAULT
        )
        # a later partition is append-only too: row triggers cloned, TRUNCATE its own
        with pytest.raises(sa.exc.DatabaseError), db.session.begin_nested():
            db.session.execute(sa.text(f"TRUNCATE {PART}.audit_events_2091_02"))


def test_the_daily_task_and_the_command_run_the_maintenance(app, pg, clock):
    clock.set(datetime(2092, 5, 2, tzinfo=UTC))
    with app.app_context():
        assert tasks.audit_partitions.call_local() == [
            f"audit_events_2092_{month:02d}" for month in (5, 6, 7, 8)
        ]
    result = app.test_cli_runner().invoke(args=["audit-partitions", "--months-ahead", "4"])
    assert result.exit_code == 0, result.output
    assert "created: audit_events_2092_09" in result.output


def test_rows_in_default_block_their_month_until_adopted(app, pg, clock):
    clock.set(datetime(2093, 3, 10, tzinfo=UTC))
    with app.app_context():
        early = _event(datetime(2093, 3, 9, tzinfo=UTC))
        late = _event(datetime(2093, 7, 1, tzinfo=UTC))
        report = audit_partitions.ensure_partitions(months_ahead=2)
        assert report.blocked == ["audit_events_2093_03"] and report.default_rows == 2
        assert report.created == ["audit_events_2093_04", "audit_events_2093_05"]
        assert audit_partitions.adopt_default() == ["audit_events_2093_03", "audit_events_2093_07"]
        assert _partition_of(early.id) == f"{PART}.audit_events_2093_03"
        assert _partition_of(late.id) == f"{PART}.audit_events_2093_07"
        assert audit_partitions.ensure_partitions(months_ahead=2).default_rows == 0
        assert audit_partitions.adopt_default() == []
        # the new DEFAULT partition refuses TRUNCATE like the one it replaced
        with pytest.raises(sa.exc.DatabaseError), db.session.begin_nested():
            db.session.execute(sa.text(f"TRUNCATE {audit_partitions.DEFAULT}"))


def test_a_partition_attached_by_hand_gets_its_truncate_trigger(app, pg):
    table = f"{PART}.audit_events_2094_01"
    with app.app_context():
        conn = db.session.connection()
        conn.exec_driver_sql(f"CREATE TABLE {table} (LIKE audit_events)")
        conn.exec_driver_sql(
            f"ALTER TABLE audit_events ATTACH PARTITION {table} FOR VALUES "
            "FROM ('2094-01-01 00:00:00+00') TO ('2094-02-01 00:00:00+00')"
        )
        assert audit_partitions.ensure_partitions().repaired == [table]
        with pytest.raises(sa.exc.DatabaseError), db.session.begin_nested():
            db.session.execute(sa.text(f"TRUNCATE {table}"))


# --- the list query reads an index --------------------------------------------------------------


INDEX_SCANS = {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}  # no "Seq Scan"


def _scans(plan: dict) -> Iterator[dict]:
    if "Relation Name" in plan:
        yield plan
    for child in plan.get("Plans", []):
        yield from _scans(child)


def test_the_list_of_one_client_reads_an_index_on_every_partition(app, pg, clock):
    with app.app_context():
        for moment in (clock.start, datetime(2100, 1, 1, tzinfo=UTC)):
            _event(moment, client_id=424242)
        stmt = query_events(client_id=424242).limit(50)
        sql = stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
        db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        (plan,) = db.session.execute(sa.text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar_one()
        scans = list(_scans(plan["Plan"]))
        kinds = {scan["Relation Name"]: scan["Node Type"] for scan in scans}
        assert set(kinds.values()) <= INDEX_SCANS, kinds
        assert set(kinds) >= {
            _month(clock.start).split(".")[1],
            "audit_events_default",
        }


# --- the migration converts a table holding rows, and back ------------------------------------


@pytest.fixture
def scratch(app, db_url, pg) -> Iterator[tuple[sa.Connection, object]]:
    name = f"{sa.make_url(db_url).database}_partitions"
    admin = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    engine = sa.create_engine(sa.make_url(db_url).set(database=name))
    with app.app_context(), engine.connect() as conn:
        config = app.extensions["migrate"].migrate.get_config()
        config.attributes["connection"] = conn
        yield conn, config
    engine.dispose()


def _upgrade(conn: sa.Connection, config: object, revision: str, down: bool = False) -> None:
    (command.downgrade if down else command.upgrade)(config, revision)
    if conn.in_transaction():
        conn.commit()


MOMENTS = ("2024-01-31 23:59:59+00", "2024-02-01 00:00:00+00", "2025-06-15 12:00:00+00")


def _rows(conn: sa.Connection) -> list[tuple]:
    return [
        tuple(row)
        for row in conn.execute(
            sa.text("SELECT id, occurred_at, action, client_id FROM audit_events ORDER BY id")
        )
    ]


def _insert(conn: sa.Connection, at: str, action: str) -> int:
    return conn.execute(
        sa.text(
            "INSERT INTO audit_events (occurred_at, action, outcome, client_id) "
            "VALUES (:at, :action, 'success', 7) RETURNING id"
        ),
        {"at": at, "action": action},
    ).scalar_one()


def _kind(conn: sa.Connection) -> str:
    return conn.execute(
        sa.text("SELECT relkind FROM pg_class WHERE oid = 'audit_events'::regclass")
    ).scalar_one()


def test_the_migration_converts_a_table_with_rows_and_back(scratch):
    conn, config = scratch
    _upgrade(conn, config, "0012")
    ids = [_insert(conn, at, f"old.{n}") for n, at in enumerate(MOMENTS)]
    conn.commit()
    before = _rows(conn)
    _upgrade(conn, config, "0013")
    assert _kind(conn) == "p" and _rows(conn) == before
    located = conn.execute(sa.text("SELECT id, tableoid::regclass::text FROM audit_events"))
    where = {row[0]: row[1] for row in located}
    assert [where[i] for i in ids] == [
        f"{PART}.audit_events_2024_01",
        f"{PART}.audit_events_2024_02",
        f"{PART}.audit_events_2025_06",
    ]
    assert f"{PART}.audit_events_2024_12" in _partitions(conn)  # the months between too
    after = _insert(conn, "2025-06-16 00:00:00+00", "new")
    conn.commit()
    assert after == max(ids) + 1
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        conn.execute(sa.text("DELETE FROM audit_events"))
    conn.rollback()
    kept = _rows(conn)
    _upgrade(conn, config, "0012", down=True)
    assert _kind(conn) == "r" and _rows(conn) == kept
    assert _insert(conn, "2025-06-17 00:00:00+00", "plain") == after + 1
    conn.commit()
    for statement in ("UPDATE audit_events SET action = 'y'", "TRUNCATE audit_events"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            conn.execute(sa.text(statement))
        conn.rollback()
    assert conn.execute(sa.text(f"SELECT to_regnamespace('{PART}')")).scalar() is None
