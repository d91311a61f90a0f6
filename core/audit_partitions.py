"""The audit trail's monthly partitions on PostgreSQL (migration 0013, docs/audit.md).

`audit_events` is partitioned by range of `occurred_at`, one partition per calendar month in
UTC (`audit_partitions.audit_events_YYYY_MM`) and a DEFAULT partition that takes the rows of a
month without one, so an insert never fails. `ensure_partitions` creates the current month's
partition and the next ones ahead (idempotent: the daily task `work.tasks.audit_partitions`
and `flask audit-partitions` run it) and gives every partition its TRUNCATE-refusing trigger
(statement triggers are not inherited from the parent; a partition attached by hand gets it
at the next run). `adopt_default` moves the DEFAULT partition's rows into partitions of their
months, copying every row before the old DEFAULT table is dropped, in one transaction.

Nothing here deletes an audit row. On SQLite (one plain table) every call is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from core.clock import now
from core.extensions import db

SCHEMA = "audit_partitions"
DEFAULT = f"{SCHEMA}.audit_events_default"
TRIGGER = "audit_events_no_truncate"
_NO_TRUNCATE = (
    f"CREATE TRIGGER {TRIGGER} BEFORE TRUNCATE ON {{table}} "
    "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()"
)
#: one maintenance run at a time (the task and the command may meet).
_LOCK = "SELECT pg_advisory_xact_lock(hashtext('audit_events partitions'))"


@dataclass
class PartitionReport:
    #: partitions created by this run (`audit_events_2027_01`, ...).
    created: list[str] = field(default_factory=list)
    #: months ahead not created because the DEFAULT partition holds rows of them.
    blocked: list[str] = field(default_factory=list)
    #: partitions that were missing their TRUNCATE trigger and got it.
    repaired: list[str] = field(default_factory=list)
    #: rows in the DEFAULT partition (0 when every month has its partition).
    default_rows: int = 0


def _partitioned(conn: sa.Connection) -> bool:
    """PostgreSQL with `audit_events` partitioned (migration 0013 applied)."""
    if conn.dialect.name != "postgresql":
        return False
    kind = conn.execute(
        sa.text("SELECT relkind FROM pg_class WHERE oid = to_regclass('audit_events')")
    ).scalar()
    return kind == "p"


def months_from(first: date, count: int) -> list[date]:
    """The first days of `count` calendar months starting with `first`'s."""
    year, month = first.year, first.month
    out = []
    for _ in range(count):
        out.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _repair_truncate_triggers(conn: sa.Connection) -> list[str]:
    missing = conn.execute(
        sa.text(
            "SELECT c.oid::regclass::text FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'audit_events'::regclass AND NOT EXISTS ("
            "  SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = :name)"
        ),
        {"name": TRIGGER},
    ).scalars()
    repaired = list(missing)
    for table in repaired:
        conn.exec_driver_sql(_NO_TRUNCATE.format(table=table))
    return repaired


def ensure_partitions(months_ahead: int = 3) -> PartitionReport:
    """This month's partition (UTC) and `months_ahead` more, the TRUNCATE triggers, and how
    many rows wait in DEFAULT. Idempotent; in the session's transaction (the caller
    commits). A no-op on SQLite or before migration 0013."""
    conn = db.session.connection()
    report = PartitionReport()
    if not _partitioned(conn):
        return report
    conn.execute(sa.text(_LOCK))
    for month in months_from(now().date().replace(day=1), months_ahead + 1):
        outcome = conn.execute(
            sa.text("SELECT audit_events_add_partition(:month)"), {"month": month}
        ).scalar()
        name = f"audit_events_{month:%Y_%m}"
        if outcome == "created":
            report.created.append(name)
        elif outcome == "blocked":
            report.blocked.append(name)
    report.repaired = _repair_truncate_triggers(conn)
    report.default_rows = conn.execute(sa.text(f"SELECT count(*) FROM {DEFAULT}")).scalar_one()
    return report


def adopt_default() -> list[str]:
    """Give the months of the DEFAULT partition's rows partitions of their own and move the
    rows there: the DEFAULT partition is detached, a new empty one attached, every row copied
    back through `audit_events` (so it lands in its month), the count checked, and only then
    the old DEFAULT table dropped. One transaction (the caller commits); the partitions
    created are returned. Writes to the audit trail wait meanwhile (ACCESS EXCLUSIVE)."""
    conn = db.session.connection()
    if not _partitioned(conn):
        return []
    conn.execute(sa.text(_LOCK))
    months = conn.execute(
        sa.text(
            "SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date AS m "
            f"FROM {DEFAULT} ORDER BY m"
        )
    ).scalars()
    months = list(months)
    if not months:
        return []
    held = f"{SCHEMA}.audit_events_default_adopted"
    conn.exec_driver_sql(f"ALTER TABLE audit_events DETACH PARTITION {DEFAULT}")
    conn.exec_driver_sql(f"ALTER TABLE {DEFAULT} RENAME TO audit_events_default_adopted")
    conn.exec_driver_sql(f"CREATE TABLE {DEFAULT} PARTITION OF audit_events DEFAULT")
    conn.exec_driver_sql(_NO_TRUNCATE.format(table=DEFAULT))
    for month in months:
        conn.execute(sa.text("SELECT audit_events_add_partition(:month)"), {"month": month})
    copied = conn.exec_driver_sql(f"INSERT INTO audit_events SELECT * FROM {held}").rowcount
    if copied != conn.exec_driver_sql(f"SELECT count(*) FROM {held}").scalar_one():
        raise RuntimeError("audit rows not all copied out of the DEFAULT partition")
    conn.exec_driver_sql(f"DROP TABLE {held}")
    return [f"audit_events_{month:%Y_%m}" for month in months]


@click.command("audit-partitions")
@click.option("--months-ahead", default=3, show_default=True, type=click.IntRange(0, 36))
@click.option(
    "--adopt-default",
    "adopt",
    is_flag=True,
    help="First move the DEFAULT partition's rows into partitions of their months.",
)
@with_appcontext
def audit_partitions_command(months_ahead: int, adopt: bool) -> None:
    """Create the audit trail's monthly partitions ahead (PostgreSQL; idempotent)."""
    adopted = adopt_default() if adopt else []
    report = ensure_partitions(months_ahead)
    db.session.commit()
    if adopted:
        click.echo(f"moved the DEFAULT partition's rows into: {', '.join(adopted)}")
    click.echo(f"created: {', '.join(report.created) or 'none'}")
    if report.repaired:
        click.echo(f"TRUNCATE trigger added to: {', '.join(report.repaired)}")
    if report.default_rows:
        click.echo(
            f"warning: {report.default_rows} rows in the DEFAULT partition"
            f"{' (blocking ' + ', '.join(report.blocked) + ')' if report.blocked else ''}; "
            "run `flask audit-partitions --adopt-default` (docs/audit.md)",
            err=True,
        )
