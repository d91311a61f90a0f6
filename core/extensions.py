"""Extension singletons, bound to the app in `create_app`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as _FlaskSession

from core.db import Base, refuse_deletes


class Session(_FlaskSession):
    """Flask-SQLAlchemy's session, but an explicit `bind` (a test's outer connection) wins."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kw: Any) -> Any:
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kw)


db = SQLAlchemy(
    model_class=Base,
    session_options={"class_": Session, "expire_on_commit": False},
    # No pre-ping (a round trip before every request): SQLAlchemy's optimistic handling
    # instead — a connection found dead invalidates the pool, and that request fails once
    # (docs/deployment.md); connections are recycled before a server or bouncer would drop them.
    engine_options={"pool_pre_ping": False, "pool_recycle": 1800},
)
sa.event.listen(Session, "before_flush", refuse_deletes)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
api = Api()


def configure_sqlite(engine: sa.Engine) -> None:
    """Foreign keys on for every connection; real transactions with SAVEPOINT support.

    pysqlite's own transaction handling defers BEGIN and breaks savepoints, so SQLAlchemy
    is told to emit BEGIN itself. Every transaction is `BEGIN IMMEDIATE`: SQLite has one
    writer at a time anyway and every request writes (at least its audit event), so taking
    the write lock up front serialises requests instead of failing a reader that later
    writes with SQLITE_BUSY. That is also what makes bed admission and booking race-free on
    SQLite; PostgreSQL uses row locks for them (see `cases.episodes.service`).
    """

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        # WAL: readers never block the writer, and a commit is one append instead of a
        # journal rewrite (bench/: 33 ms -> 8 ms per audited read). NORMAL is durable in WAL
        # mode except for the last transactions on power loss, not on a process crash.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
