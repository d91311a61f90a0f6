"""The worker's configuration: Redis in production (`REDIS_URL`), a SQLite file in the
instance folder by default, immediate mode in tests; bad values refuse to start."""

from __future__ import annotations

import pytest
from flask import Flask
from huey import RedisHuey, SqliteHuey

from core.config import ConfigError, worker_config
from work import tasks
from work.tasks import describe, make_huey

WORKER_VARS = (
    *("REDIS_URL", "HUEY_NAME", "HUEY_IMMEDIATE", "WORKER_APP"),
    *("SMTP_URL", "SMTP_FROM", "DIGEST_HOUR"),
)


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name in WORKER_VARS:
        monkeypatch.delenv(name, raising=False)

    def _load(**values: str) -> dict:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        return worker_config(tmp_path)

    return _load


def test_the_default_is_a_sqlite_queue_in_the_instance_folder(env, tmp_path):
    settings = env()
    assert settings["REDIS_URL"] is None and settings["SMTP_URL"] is None
    assert settings["HUEY_SQLITE_PATH"] == str(tmp_path / "huey.sqlite3")
    assert (settings["DIGEST_HOUR"], settings["WORKER_APP"]) == (7, "centre:create_app")
    huey = make_huey(settings)
    assert isinstance(huey, SqliteHuey) and not huey.immediate
    assert describe(huey) == f"SQLite file {tmp_path / 'huey.sqlite3'}"


def test_redis_url_gives_a_redis_queue(env):
    settings = env(REDIS_URL="redis://:secret@10.0.0.5:6380/2", HUEY_NAME="centre")
    huey = make_huey(settings)
    assert isinstance(huey, RedisHuey) and huey.name == "centre"
    assert describe(huey) == "Redis at 10.0.0.5:6380, db 2"  # no password
    assert "secret" not in describe(huey)


def test_immediate_mode_runs_in_memory(env):
    huey = make_huey(env(HUEY_IMMEDIATE="true"))
    assert huey.immediate and describe(huey) == "in-process (immediate)"


def test_an_app_under_test_runs_the_tasks_in_process(app):
    assert tasks.huey.immediate


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("REDIS_URL", "http://127.0.0.1:6379", "REDIS_URL must be a URL starting redis://"),
        ("REDIS_URL", "redis://", "REDIS_URL must be a URL"),
        ("SMTP_URL", "mailto:someone", "SMTP_URL must be a URL starting smtp://, smtps://"),
        ("HUEY_IMMEDIATE", "sometimes", "HUEY_IMMEDIATE must be true or false"),
        ("DIGEST_HOUR", "24", "DIGEST_HOUR must be an hour from 0 to 23"),
        ("DIGEST_HOUR", "seven", "DIGEST_HOUR must be a whole number"),
    ],
)
def test_bad_worker_settings_refuse_to_start(env, name, value, says):
    with pytest.raises(ConfigError) as refused:
        env(**{name: value})
    assert says in str(refused.value)


BUILT: list[Flask] = []


def factory() -> Flask:
    BUILT.append(Flask("worker-test"))
    return BUILT[-1]


def test_the_worker_app_is_built_once_from_worker_app(monkeypatch):
    monkeypatch.setattr(tasks, "_worker_app", None)
    monkeypatch.setitem(tasks.SETTINGS, "WORKER_APP", f"{__name__}:factory")
    assert tasks.worker_app() is tasks.worker_app() is BUILT[0]
    assert len(BUILT) == 1
