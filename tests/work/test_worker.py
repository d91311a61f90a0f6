"""The real worker: `huey_consumer work.tasks.huey` as its own process on Redis, against a
scratch database (committed data both processes see, as in tests/concurrency). A sweep
enqueued from a third process runs in the worker and writes the notifications, once however
often it runs.

Redis is expected at 127.0.0.1:6379 (`.ci/run` starts it); when it is down the test starts
`redis-server --daemonize yes`, and skips (saying so) only when that fails and CI is not
set."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask_migrate import upgrade

from centre import create_app
from core.clock import centre_today, now
from core.extensions import db
from tests import conftest
from tests.factories import make_case, make_user
from tests.work import scenario
from work.models import Notification
from work.tasks import make_huey

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = "redis://127.0.0.1:6379/0"
SCRATCH_SUFFIX = "_worker"


def redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def ensure_redis() -> None:
    if redis_up():
        return
    if shutil.which("redis-server"):
        subprocess.run(["redis-server", "--daemonize", "yes"], check=False, timeout=30)
        for _ in range(30):
            if redis_up():
                return
            time.sleep(0.5)
    message = "Redis is not running at 127.0.0.1:6379 and redis-server could not start it"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message + " (install redis-server; required when CI is set)")


def scratch_url(db_url: str) -> str:
    """A fresh database beside the suite's own (``test`` → ``test_worker``)."""
    if db_url.startswith("postgresql"):
        name = f"{sa.make_url(db_url).database}{SCRATCH_SUFFIX}"
        admin = sa.create_engine(db_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
        return sa.make_url(db_url).set(database=name).render_as_string(hide_password=False)
    return "sqlite:///" + str(Path(tempfile.mkdtemp()) / "worker.sqlite3")


@pytest.fixture
def worker_env(db_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A migrated scratch database and the environment of a worker on Redis using it, with a
    Huey name of its own (so no other worker takes its tasks); its Redis keys are removed
    afterwards."""
    ensure_redis()
    url = scratch_url(db_url)
    env = {
        **os.environ,
        "ENV": "development",
        "DATABASE_URL": url,
        "SECRET_KEY": "worker-test-secret",
        "INSTANCE_PATH": str(tmp_path),
        "REDIS_URL": REDIS_URL,
        "HUEY_NAME": f"tc-test-{uuid.uuid4().hex[:12]}",
        "HUEY_IMMEDIATE": "false",
        "SMTP_URL": "",
        "PYTHONPATH": str(ROOT),
    }
    yield env
    settings = {"REDIS_URL": REDIS_URL, "HUEY_NAME": env["HUEY_NAME"], "HUEY_IMMEDIATE": False}
    make_huey({**settings, "HUEY_SQLITE_PATH": ""}).storage.flush_all()


def enqueue_sweep(env: dict[str, str]) -> None:
    """Enqueue the sweep from a process of its own, as any web or cron process would."""
    code = "from work.tasks import huey, sweep; assert not huey.immediate; sweep()"
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, timeout=60)


def count_notifications(app) -> int:
    with app.app_context():
        found = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))
        db.session.remove()
        return found


def wait_for(app, expected: int, seconds: float = 45) -> int:
    deadline = time.monotonic() + seconds
    found = count_notifications(app)
    while found < expected and time.monotonic() < deadline:
        time.sleep(0.3)
        found = count_notifications(app)
    return found


def _due_items(app) -> tuple[int, int, int]:
    """A counsellor with a follow-up due today, a severe score from five hours ago and an
    unsigned note (in the queue only): (counsellor, follow-up id, score id)."""
    with app.app_context():
        upgrade()
        counsellor = make_user("counsellor")
        case_id = make_case(counsellor)
        follow_up = scenario.follow_up(case_id, counsellor, centre_today())
        score = scenario.score(case_id, hours_ago=5)
        scenario.note(case_id, counsellor, now() - timedelta(days=2))  # in the queue only
        db.session.commit()
        db.session.remove()
    return counsellor, follow_up, score


@contextmanager
def _consumer(env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen]:
    """A real `huey_consumer` process, stopped afterwards."""
    log = log_path.open("w")
    consumer = subprocess.Popen(
        [str(BIN / "huey_consumer"), "work.tasks.huey", "-w", "1"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield consumer
    finally:
        consumer.terminate()
        try:
            consumer.wait(timeout=15)
        except subprocess.TimeoutExpired:
            consumer.kill()
            consumer.wait()
        log.close()


def test_a_worker_process_on_redis_turns_due_items_into_notifications_once(
    worker_env: dict[str, str], tmp_path: Path
):
    app = create_app(conftest.test_config(worker_env["DATABASE_URL"]))
    counsellor, follow_up, score = _due_items(app)
    log_path = tmp_path / "worker.log"
    with _consumer(worker_env, log_path) as consumer:
        enqueue_sweep(worker_env)
        assert wait_for(app, 2) == 2, log_path.read_text()
        enqueue_sweep(worker_env)  # repeated: nothing twice
        enqueue_sweep(worker_env)
        time.sleep(3)
        assert consumer.poll() is None, log_path.read_text()

    with app.app_context():
        rows = db.session.execute(
            sa.select(Notification.user_id, Notification.kind, Notification.record_id)
        ).all()
        db.session.remove()
        db.engine.dispose()
    assert sorted((u, k.value, r) for u, k, r in rows) == [
        (counsellor, "follow_up_due", follow_up),
        (counsellor, "withdrawal_check_due", score),
    ]
    text = log_path.read_text()
    assert "sweep" in text and "Traceback" not in text, text
