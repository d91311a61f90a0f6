"""The application factory: the one place that knows every blueprint."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request
from flask_login import current_user

from aftercare.views import bp as aftercare_bp
from auth.cli import create_user_command, seed_demo_accounts
from auth.login import init_login
from auth.views import bp as auth_bp
from cases.cli import seed_demo_cases
from cases.medication_views import bp as medication_bp
from cases.note_views import bp as notes_bp
from cases.views import bp as cases_bp
from core import audit, cli
from core.config import load_config
from core.errors import DomainError, ErrorSchema, UnsupportedMediaType, register_error_handlers
from core.extensions import api, configure_sqlite, db, migrate
from core.http import IdConverter
from intake.assessment_views import bp as assessments_bp
from intake.cli import seed_demo_clients
from intake.flag_views import bp as flags_bp
from intake.views import bp as intake_bp
from reports.views import bp as reports_bp
from scheduling.views import bp as sessions_bp

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
#: Routes that audit their own failures (login failures are counted and audited in auth).
SELF_AUDITING_ENDPOINTS = frozenset({"auth.login", "auth.issue_token"})


#: Every blueprint of the service, in registration order.
BLUEPRINTS = [
    auth_bp,
    intake_bp,
    assessments_bp,
    flags_bp,
    cases_bp,
    notes_bp,
    medication_bp,
    sessions_bp,
    aftercare_bp,
    reports_bp,
]
#: Demo-data seeders, in dependency order.
SEEDERS = [seed_demo_accounts, seed_demo_clients, seed_demo_cases]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. `config` overrides what the environment gives (tests use it)."""
    instance = Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))
    app = Flask(__name__, instance_path=str(instance))
    app.config.update(load_config(instance))
    if config:
        app.config.update(config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.converters["int"] = IdConverter

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    init_login(app)
    api.ERROR_SCHEMA = ErrorSchema
    api.init_app(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.components.security_scheme(
        "cookie", {"type": "apiKey", "in": "cookie", "name": "tc_auth"}
    )
    for bp in BLUEPRINTS:
        api.register_blueprint(bp)
    register_error_handlers(app)
    app.before_request(_before_request)
    app.after_request(_after_request)
    cli.register(app, seeders=SEEDERS, commands=[create_user_command])
    return app


def _before_request() -> None:
    audit.request_id()
    if request.method in BODY_METHODS and request.content_length and not request.is_json:
        raise UnsupportedMediaType(
            "Send the request body as JSON (Content-Type: application/json)."
        )


def _after_request(response: Response) -> Response:
    if response.status_code >= 400 and request.path.startswith("/api/v1"):
        _discard_failed_request(response.status_code)
    _security_headers(response)
    return response


def _discard_failed_request(status: int) -> None:
    """A failed request changes no data: roll back whatever it flushed, then keep one audit
    event saying what was refused."""
    db.session.rollback()
    if request.endpoint and request.endpoint not in SELF_AUDITING_ENDPOINTS:
        actor = g.get("actor") or (current_user if _authenticated() else None)
        audit.record_failed_request(actor, status)


def _authenticated() -> bool:
    try:
        return bool(current_user.is_authenticated)
    except DomainError:
        return False


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    if request.path.startswith("/api/") and not request.path.startswith("/api/docs"):
        headers["Cache-Control"] = "no-store"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if "request_id" in g:
        headers["X-Request-ID"] = g.request_id
    return response
