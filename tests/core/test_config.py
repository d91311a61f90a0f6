"""Configuration fails closed: an ENV it does not know, or production without what production
needs, refuses to start; production refuses demo accounts; feed tokens stay out of access
logs (core/config.py, gunicorn.conf.py)."""

from __future__ import annotations

import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from centre import create_app
from core.config import DEFAULT_PUBLIC_URL, ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {"ENV": "production", "SECRET_KEY": "k" * 32, "PUBLIC_URL": "https://tc.example"}


@pytest.fixture
def env(monkeypatch, tmp_path):
    """Set environment variables for one `load_config` call (others cleared)."""
    for name in ("ENV", "SECRET_KEY", "PUBLIC_URL", "CALENDAR_TOKEN_DAYS", "CENTRE_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)

    def _load(**values: str) -> dict:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        return load_config(tmp_path)

    return _load


@pytest.mark.parametrize("value", ["prod", "Prod", "staging", "live", "productoin", "dev"])
def test_unknown_env_is_refused_naming_the_allowed_values(env, value):
    with pytest.raises(ConfigError) as refused:
        env(ENV=value)
    assert "development, test, production" in str(refused.value)
    assert repr(value) in str(refused.value)


@pytest.mark.parametrize("value", ["Production", "PRODUCTION", " production "])
def test_production_in_any_case_is_production(env, value):
    config = env(**{**PRODUCTION, "ENV": value})
    assert config["ENV_NAME"] == "production"
    assert config["SESSION_COOKIE_SECURE"] is True and config["AUTH_COOKIE_SECURE"] is True


def test_create_app_refuses_to_start_with_an_unknown_env(monkeypatch):
    monkeypatch.setenv("ENV", "prod")
    with pytest.raises(ConfigError):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_development_defaults(env):
    config = env()
    assert config["ENV_NAME"] == "development"
    assert config["PUBLIC_URL"] == DEFAULT_PUBLIC_URL == "http://127.0.0.1:5000"
    assert config["CALENDAR_TOKEN_DAYS"] == 180
    assert config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(
    ("missing", "says"),
    [("SECRET_KEY", "SECRET_KEY"), ("PUBLIC_URL", "PUBLIC_URL")],
)
def test_production_requires_secret_key_and_public_url(env, missing, says):
    values = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(ConfigError, match=says):
        env(**values)


@pytest.mark.parametrize(
    "url", ["http://tc.example", "ftp://tc.example", "tc.example", "https://tc.example/?a=1"]
)
def test_production_public_url_must_be_an_https_url(env, url):
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        env(**{**PRODUCTION, "PUBLIC_URL": url})


def test_public_url_is_kept_without_a_trailing_slash(env):
    assert env(PUBLIC_URL="http://localhost:8080/centre/")["PUBLIC_URL"] == (
        "http://localhost:8080/centre"
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [("CALENDAR_TOKEN_DAYS", "soon"), ("CALENDAR_TOKEN_DAYS", "0"), ("CENTRE_TIMEZONE", "Mars")],
)
def test_unreadable_settings_are_refused_naming_them(env, name, value):
    with pytest.raises(ConfigError, match=name):
        env(**{name: value})


def test_seed_demo_refuses_in_production_and_creates_no_account(app):
    app.config["ENV_NAME"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["seed-demo"])
    finally:
        app.config["ENV_NAME"] = "development"
    assert result.exit_code != 0 and "production" in result.output
    assert "lantern" not in result.output  # the demo password is not printed


# --- access logs ----------------------------------------------------------------------------


def test_access_log_lines_leave_out_query_strings_and_referrers(tmp_path):
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    cfg = Config()
    cfg.set("access_log_format", settings["access_log_format"])
    cfg.set("accesslog", str(tmp_path / "access.log"))
    logger = Logger(cfg)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/api/v1/staff/3/calendar.ics?token=FEED-SECRET",
        "PATH_INFO": "/api/v1/staff/3/calendar.ics",
        "QUERY_STRING": "token=FEED-SECRET",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "https://elsewhere.example/?token=FEED-SECRET",
        "HTTP_USER_AGENT": "Calendar/1.0",
    }
    response = SimpleNamespace(status="200 OK", headers=[("X-Request-ID", "req-42")], sent=10)
    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=5))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = (tmp_path / "access.log").read_text()
    assert '"GET /api/v1/staff/3/calendar.ics HTTP/1.1" 200' in line
    assert "req-42" in line and "Calendar/1.0" in line
    assert "FEED-SECRET" not in line and "token" not in line


def test_dev_serve_starts_gunicorn_with_the_config_file():
    assert '"gunicorn.conf.py"' in (ROOT / "dev.py").read_text()
