"""Reads a streaming replica may serve: `reading_from_replica()`.

With `DATABASE_REPLICA_URL` set (core.config), the statements the request's session executes
inside `with reading_from_replica():` (or in a function decorated `@reading_from_replica()`)
go to a second engine on the replica, created the first time one is needed. The rest stays on
the primary:

- the ORM's flush (which never passes through `Session.execute`), so an audit event added
  inside the block is written to the primary when the request commits;
- INSERT, UPDATE and DELETE statements (`audit.record_many`'s multi-row insert);
- locking reads (`FOR UPDATE`): a lock is the first half of a write.

Everything else (SELECTs, lazy loads, `SET LOCAL`) runs on the replica, which is read-only:
a write that slipped through fails loudly there instead of being lost. The session then holds
one transaction on each engine and commits or rolls back both. The replica's transactions are
REPEATABLE READ, so the several queries of one report see one moment of the replica (allowed
on a hot standby, where SERIALIZABLE is not).

Unset, the block is a no-op: everything reads from the primary, as it always did. A replica
that cannot be reached when a block opens is logged (a warning) and the block reads from the
primary: the reports stay up, at the primary's cost, while the standby is down.

What a replica costs the reader is staleness: a standby replays the primary's WAL a little
later (milliseconds when idle, seconds under load; `pg_last_xact_replay_timestamp()` says how
far behind). Only reads that may be seconds old belong in the block (docs/deployment.md).

The mechanism knows no domain: callers choose which of their reads may be stale.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import ORMExecuteState

from core.extensions import Session, db

#: `app.extensions` key of the replica engine, once made.
ENGINE_KEY = "core.replica.engine"
#: `Session.info` key: the engine the session's reads go to while a block is open.
_ACTIVE = "core.replica.active"
_LOCK = threading.Lock()
log = logging.getLogger(__name__)


def replica_configured(app: Flask | None = None) -> bool:
    """Whether reads may go to a replica (`DATABASE_REPLICA_URL` is set)."""
    return bool((app or current_app).config.get("DATABASE_REPLICA_URL"))


def _engine_options(app: Flask) -> dict[str, Any]:
    """The primary's engine options (pgbouncer's `prepare_threshold` among them), pinged
    before use, REPEATABLE READ on PostgreSQL."""
    primary = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    options: dict[str, Any] = {"pool_pre_ping": True, **primary}
    if sa.make_url(app.config["DATABASE_REPLICA_URL"]).get_backend_name() == "postgresql":
        options.setdefault("isolation_level", "REPEATABLE READ")
    return options


def replica_engine(app: Flask | None = None) -> sa.Engine | None:
    """The replica's engine (made on first use, one per app), or None when unset."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if not replica_configured(app):
        return None
    engine: sa.Engine | None = app.extensions.get(ENGINE_KEY)
    if engine is None:
        with _LOCK:
            engine = app.extensions.get(ENGINE_KEY)
            if engine is None:
                url = app.config["DATABASE_REPLICA_URL"]
                engine = sa.create_engine(url, **_engine_options(app))
                app.extensions[ENGINE_KEY] = engine
                _listen_once()
    return engine


def dispose(app: Flask) -> None:
    """Close the replica engine's connections (tests that stop their replica)."""
    engine = app.extensions.pop(ENGINE_KEY, None)
    if engine is not None:
        engine.dispose()


def _stays_on_primary(state: ORMExecuteState) -> bool:
    """DML and locking reads run on the primary even inside a block."""
    if state.is_insert or state.is_update or state.is_delete:
        return True
    return getattr(state.statement, "_for_update_arg", None) is not None


def _route(state: ORMExecuteState) -> None:
    """`do_orm_execute` hook: bind the statement to the replica while a block is open."""
    engine = state.session.info.get(_ACTIVE)
    if engine is not None and not _stays_on_primary(state):
        # the same dict `Session.execute` then passes to `get_bind`: an explicit bind wins.
        state.bind_arguments["bind"] = engine


def _listen_once() -> None:
    """Install the hook the first time a replica engine is made: without a replica no
    statement pays for it."""
    if not sa.event.contains(Session, "do_orm_execute", _route):
        sa.event.listen(Session, "do_orm_execute", _route)


def _joined(session: Session, engine: sa.Engine) -> bool:
    """Begin the session's transaction on the replica now (its first statement would anyway),
    so an unreachable replica is found before any read: False, logged, when it is down."""
    try:
        session.connection(bind_arguments={"bind": engine})
    except sa.exc.OperationalError as error:
        log.warning("read replica unreachable, reading from the primary: %s", error.orig)
        return False
    return True


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Inside the block, the session's reads go to the replica (when one is configured);
    writes and locks stay on the primary. Blocks nest; leaving one restores the primary."""
    engine = replica_engine()
    if engine is None:
        yield
        return
    session = db.session()
    outer = session.info.get(_ACTIVE)
    if outer is None and not _joined(session, engine):
        yield
        return
    session.info[_ACTIVE] = engine
    try:
        yield
    finally:
        if outer is None:
            session.info.pop(_ACTIVE, None)
        else:
            session.info[_ACTIVE] = outer
