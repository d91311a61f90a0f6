"""Configuration from the environment. It fails closed: a value it cannot read refuses to
start the app (`ConfigError`, naming the variable), never falls back to a default.

- `ENV` is one of `ENVIRONMENTS` (default `development`), matched without regard to case or
  surrounding spaces (`Production` is production). Anything else, abbreviations such as
  `prod` included, is refused: a typo must not start a production server with development
  settings (insecure cookies, a generated key, demo accounts).
- In production `SECRET_KEY` and `PUBLIC_URL` (https) must be given; cookies are secure, and
  demo accounts are refused (`seed-demo`, and any demo login: `auth.credentials.demo_refused`).
- `PUBLIC_URL` is the origin clients reach the service at (calendar feed URLs are built on
  it); default `http://127.0.0.1:5000`, the quick start's address.
- `MFA_REQUIRED_ROLES`: the roles that cannot sign in without multi-factor authentication
  (comma-separated, default `clinician,manager,admin`; `none` for no role). Unknown role names
  refuse to start the app (checked by `auth.login.init_login`: roles are auth's, not core's).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The allowed values of ENV.
ENVIRONMENTS = ("development", "test", "production")
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"


class ConfigError(RuntimeError):
    """The environment does not describe a runnable configuration."""


def environment() -> str:
    """`ENV`, normalised; refuses anything but one of ENVIRONMENTS."""
    raw = os.environ.get("ENV", "development")
    env = raw.strip().lower()
    if env not in ENVIRONMENTS:
        allowed = ", ".join(ENVIRONMENTS)
        raise ConfigError(f"ENV must be one of {allowed} (got {raw!r}).")
    return env


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number (got {raw!r}).") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum} (got {value}).")
    return value


def _int_list(name: str, default: str) -> list[int]:
    raw = os.environ.get(name) or default
    try:
        return [int(part) for part in raw.split(",")]
    except ValueError:
        raise ConfigError(f"{name} must be whole numbers separated by commas.") from None


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false (got {raw!r}).")


def _url(name: str, schemes: tuple[str, ...]) -> str | None:
    """An optional URL whose scheme is one of `schemes` (and, but for unix://, a host)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in schemes or (parts.scheme != "unix" and not parts.hostname):
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ConfigError(f"{name} must be a URL starting {allowed} (got a {parts.scheme!r} URL).")
    return raw


def worker_config(instance_path: Path) -> dict[str, Any]:
    """The background worker's settings (docs/worker.md); read by the worker before any app
    exists, and part of the app's config."""
    hour = _int("DIGEST_HOUR", 7)
    if hour > 23:
        raise ConfigError(f"DIGEST_HOUR must be an hour from 0 to 23 (got {hour}).")
    return {
        "REDIS_URL": _url("REDIS_URL", ("redis", "rediss", "unix")),
        "HUEY_NAME": os.environ.get("HUEY_NAME", "").strip() or "treatment-centre",
        "HUEY_IMMEDIATE": _flag("HUEY_IMMEDIATE", False),
        "HUEY_SQLITE_PATH": str(instance_path / "huey.sqlite3"),
        #: the app factory the worker builds its app with (`module:callable`).
        "WORKER_APP": os.environ.get("WORKER_APP", "").strip() or "centre:create_app",
        "SMTP_URL": _url("SMTP_URL", ("smtp", "smtps")),
        "SMTP_FROM": os.environ.get("SMTP_FROM", "").strip() or "work-queue@localhost",
        "DIGEST_HOUR": hour,
    }


def _secret_key(env: str, instance_path: Path) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if env == "production":
        raise ConfigError("SECRET_KEY must be set when ENV=production.")
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def public_url(env: str) -> str:
    """`PUBLIC_URL` without a trailing slash: an absolute http(s) origin with an optional
    path, no query or fragment. Required, and https, in production."""
    raw = os.environ.get("PUBLIC_URL", "").strip()
    if not raw:
        if env == "production":
            raise ConfigError("PUBLIC_URL must be set when ENV=production (https://...).")
        return DEFAULT_PUBLIC_URL
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"PUBLIC_URL must be an absolute http(s) URL (got {raw!r}).")
    if env == "production" and parts.scheme != "https":
        raise ConfigError("PUBLIC_URL must use https when ENV=production.")
    return raw.rstrip("/")


def _timezone() -> str:
    name = os.environ.get("CENTRE_TIMEZONE", "UTC")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"CENTRE_TIMEZONE must be an IANA time zone (got {name!r}).") from None
    return name


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Accept the common postgres:// spellings and use psycopg 3.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url
    instance_path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance_path / 'centre.sqlite3'}"


def _postgres_url(name: str, url: str) -> str:
    """`url` (postgres:// or postgresql://, optionally +psycopg) spelt for psycopg 3."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ConfigError(f"{name} must be a PostgreSQL URL (postgresql://...).")


def _databases(primary_url: str) -> dict[str, Any]:
    """The read replica and the pgbouncer switch (docs/deployment.md). Behind pgbouncer in
    transaction mode a server connection serves another client after every transaction, so
    a statement psycopg prepared on it is gone (or someone else's): `prepare_threshold`
    None tells psycopg never to prepare."""
    raw_replica = os.environ.get("DATABASE_REPLICA_URL", "").strip()
    replica = _postgres_url("DATABASE_REPLICA_URL", raw_replica) if raw_replica else None
    pgbouncer = _flag("DATABASE_PGBOUNCER", False)
    settings: dict[str, Any] = {"DATABASE_REPLICA_URL": replica, "DATABASE_PGBOUNCER": pgbouncer}
    if pgbouncer:
        if not primary_url.startswith("postgresql"):
            raise ConfigError("DATABASE_PGBOUNCER needs a PostgreSQL DATABASE_URL.")
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"prepare_threshold": None}}
    return settings


def _limits() -> dict[str, Any]:
    return {
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 1024 * 1024, minimum=1),
        "SESSION_IDLE_MINUTES": _int("SESSION_IDLE_MINUTES", 30, minimum=1),
        #: how old the manager dashboard's figures may be (`reports.snapshots`); 0: live.
        "DASHBOARD_MAX_AGE_SECONDS": _int("DASHBOARD_MAX_AGE_SECONDS", 300, minimum=0),
        "SESSION_MAX_HOURS": _int("SESSION_MAX_HOURS", 12, minimum=1),
        "TOKEN_TTL_HOURS": _int("TOKEN_TTL_HOURS", 12, minimum=1),
        #: calendar feed tokens (`?token=` in a URL calendar programs keep) expire too.
        "CALENDAR_TOKEN_DAYS": _int("CALENDAR_TOKEN_DAYS", 180, minimum=1),
        #: how long emergency access ("break the glass") to one client lasts.
        "EMERGENCY_ACCESS_HOURS": _int("EMERGENCY_ACCESS_HOURS", 4, minimum=1),
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5, minimum=1),
        "LOGIN_WINDOW_MINUTES": _int("LOGIN_WINDOW_MINUTES", 15, minimum=1),
        "LOGIN_LOCKOUT_MINUTES": _int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1),
        "FOLLOW_UP_OFFSETS_DAYS": _int_list("FOLLOW_UP_OFFSETS_DAYS", "7,30,90"),
        "ARGON2_TIME_COST": _int("ARGON2_TIME_COST", 3, minimum=1),
        "ARGON2_MEMORY_COST": _int("ARGON2_MEMORY_COST", 65536, minimum=8),
    }


#: The roles that cannot sign in without multi-factor authentication, unless configured.
DEFAULT_MFA_REQUIRED_ROLES = "clinician,manager,admin"


def _names(name: str, default: str) -> tuple[str, ...]:
    """A comma-separated list of lower-case names (unset or empty: `default`; `none`: no
    name at all)."""
    raw = os.environ.get(name) or default
    if raw.strip().lower() == "none":
        return ()
    names = tuple(part.strip().lower() for part in raw.split(","))
    if not all(part.replace("_", "").isalpha() and part.isascii() for part in names):
        raise ConfigError(f"{name} must be names separated by commas, or none (got {raw!r}).")
    return names


def _mfa() -> dict[str, Any]:
    """Multi-factor authentication (docs/mfa.md)."""
    return {
        "MFA_REQUIRED_ROLES": _names("MFA_REQUIRED_ROLES", DEFAULT_MFA_REQUIRED_ROLES),
        #: how long the enrolment-only session of a user who must enrol first lasts.
        "MFA_ENROLMENT_MINUTES": _int("MFA_ENROLMENT_MINUTES", 15, minimum=1),
        #: how long the web sign-in waits for the code after a right password.
        "MFA_PENDING_MINUTES": _int("MFA_PENDING_MINUTES", 5, minimum=1),
    }


def _openapi() -> dict[str, Any]:
    """flask-smorest: the OpenAPI document and Swagger UI, whose assets are served from our
    own package (core/static/swagger-ui, see its VERSION file), never from a CDN."""
    return {
        "API_TITLE": "Treatment Centre API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/swagger-ui/",
        # Swagger UI would otherwise send the document to an online validator.
        "OPENAPI_SWAGGER_UI_CONFIG": {"validatorUrl": None},
    }


def load_config(instance_path: Path) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    env = environment()
    production = env == "production"
    database_url = _database_url(instance_path)
    return {
        "ENV_NAME": env,
        "SECRET_KEY": _secret_key(env, instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        **_databases(database_url),
        "PUBLIC_URL": public_url(env),
        "CENTRE_TIMEZONE": _timezone(),
        **_limits(),
        **_mfa(),
        "SESSION_COOKIE_NAME": "tc_session",
        "SESSION_COOKIE_SECURE": production,
        "AUTH_COOKIE_SECURE": production,
        **_openapi(),
        **worker_config(instance_path),
        "JSON_SORT_KEYS": False,
    }
