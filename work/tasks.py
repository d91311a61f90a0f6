"""The background worker: a Huey instance configured from the environment and its tasks.

    .venv/bin/huey_consumer work.tasks.huey -w 1     # `python3 dev.py serve` starts it

- Storage: Redis (`RedisHuey`) when `REDIS_URL` is set, as in production; else a SQLite file
  in the instance folder (`SqliteHuey`, `instance/huey.sqlite3`), the embedded default.
  `HUEY_IMMEDIATE` (and any app under test) runs tasks in-process, at once, in memory.
- `sweep`, every 5 minutes: the work queue's due items become notifications
  (`work.service.sweep`, idempotent, so a lost or repeated run neither loses nor duplicates
  a reminder).
- `daily_digest`, hourly: at `DIGEST_HOUR` (centre time), when `SMTP_URL` is set, sends each
  person the counts of their queue and a link (`work.digest`), once a day.

A task runs inside the current app context when there is one (tests, immediate mode), else in
the worker's own app, built once with the factory `WORKER_APP` names (`centre:create_app`: the
composition root, found by name at run time as `gunicorn wsgi:app` finds it) from the same
environment as the web server. See docs/worker.md.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey, crontab

from core.app import PROJECT_ROOT
from core.audit_partitions import ensure_partitions
from core.clock import centre_today, centre_zone, now
from core.config import worker_config
from core.extensions import db
from work import digest, service

#: under "huey", so the consumer's log (`huey_consumer -l FILE`) carries it.
log = logging.getLogger("huey.work")


def instance_path() -> Path:
    """The instance folder, as the app factory finds it."""
    return Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))


def make_huey(settings: Mapping[str, Any]) -> Huey:
    """A Huey on Redis (`REDIS_URL`) or on the SQLite file `HUEY_SQLITE_PATH`."""
    name, immediate = settings["HUEY_NAME"], settings["HUEY_IMMEDIATE"]
    if settings["REDIS_URL"]:
        return RedisHuey(name, url=settings["REDIS_URL"], immediate=immediate)
    path = Path(settings["HUEY_SQLITE_PATH"])
    if not immediate:
        path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), immediate=immediate)


SETTINGS = worker_config(instance_path())
huey = make_huey(SETTINGS)


def describe(h: Huey = huey) -> str:
    """Where the queue is, for the start-up line (no password)."""
    storage = h.storage
    if h.immediate:
        return "in-process (immediate)"
    if isinstance(h, RedisHuey):
        kwargs = storage.pool.connection_kwargs
        where = kwargs.get("path") or f"{kwargs.get('host')}:{kwargs.get('port')}"
        return f"Redis at {where}, db {kwargs.get('db', 0)}"
    return f"SQLite file {storage.filename}"


_worker_app: Flask | None = None


def worker_app() -> Flask:
    """The worker's own app (built once per process from `WORKER_APP`)."""
    global _worker_app
    if _worker_app is None:
        module, _, name = SETTINGS["WORKER_APP"].partition(":")
        target = getattr(importlib.import_module(module), name or "create_app")
        _worker_app = target if isinstance(target, Flask) else target()
    return _worker_app


@contextmanager
def app_context() -> Iterator[Flask]:
    """The current app's context, or the worker app's (its session removed afterwards)."""
    if has_app_context():
        yield current_app._get_current_object()  # type: ignore[attr-defined]
        return
    app = worker_app()
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()


@huey.periodic_task(crontab(minute="*/5"), retries=2, retry_delay=30)
def sweep() -> int:
    """Write the notifications of every due item (idempotent); how many are new."""
    with app_context():
        try:
            created = service.sweep()
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    log.info("sweep: %d new notifications", created)
    return created


def send_digests_now() -> int:
    """Send today's digests (once a day, claimed in the worker's storage); the number sent."""
    with app_context() as app:
        config = app.config
        if not config["SMTP_URL"]:
            return 0
        day = centre_today().isoformat()
        sent = digest.send_digests(
            smtp_url=config["SMTP_URL"],
            sender=config["SMTP_FROM"],
            url=config["PUBLIC_URL"] + "/",
            claim=lambda: huey.put_if_empty(f"digest:{day}", "sent"),
        )
        db.session.rollback()  # read only
    log.info("digest: %d sent", sent)
    return sent


@huey.periodic_task(crontab(minute="0"))
def daily_digest() -> int:
    """Hourly: at DIGEST_HOUR (centre time), with SMTP_URL set, send the digests."""
    with app_context() as app:
        due = now().astimezone(centre_zone()).hour == app.config["DIGEST_HOUR"]
    return send_digests_now() if due else 0


@huey.periodic_task(crontab(minute="20", hour="3"), retries=2, retry_delay=300)
def audit_partitions() -> list[str]:
    """Daily: the audit trail's partitions for this month and the next three (PostgreSQL;
    idempotent, a no-op on SQLite); the partitions created. Rows waiting in the DEFAULT
    partition are logged as a warning for an operator (docs/audit.md)."""
    with app_context():
        try:
            report = ensure_partitions(months_ahead=3)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    log.info("audit partitions: created %s", ", ".join(report.created) or "none")
    if report.default_rows:
        log.warning(
            "audit partitions: %d rows in the DEFAULT partition (blocking %s): run "
            "`flask audit-partitions --adopt-default` (docs/audit.md)",
            report.default_rows,
            ", ".join(report.blocked) or "no month ahead",
        )
    return report.created
