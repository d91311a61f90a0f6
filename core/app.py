"""The generic application factory: configuration, extensions, error handling, request checks
and security headers. It knows no domain: the composition root (`centre`) hands it the
blueprints, commands, seeders and login set-up of every domain."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import flask
from flask import Flask, Response, current_app, g, request
from flask_login import current_user
from flask_smorest import Blueprint
from werkzeug.exceptions import RequestEntityTooLarge

from core import audit, cli
from core.config import load_config
from core.errors import DomainError, ErrorSchema, UnsupportedMediaType, register_error_handlers
from core.extensions import api, configure_sqlite, db, migrate
from core.http import READ_METHODS, IdConverter

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
#: The API docs page loads Swagger UI from our own origin (core/static/swagger-ui) and the
#: browser is told to fetch nothing from anywhere else (its page has one inline script).
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Composition:
    """What the domains contribute: blueprints (in registration order), CLI commands,
    demo-data seeders (in dependency order) and set-up steps run on the app (login)."""

    blueprints: Sequence[Blueprint]
    #: HTML page blueprints (the staff web interface), registered on the app itself; their
    #: forms post ordinary form bodies.
    pages: Sequence[flask.Blueprint] = ()
    commands: Sequence[click.Command] = ()
    seeders: Sequence[cli.Seeder] = ()
    setup: Sequence[Callable[[Flask], None]] = ()


def build_app(composition: Composition, config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from `composition`. `config` overrides what the environment gives."""
    instance = Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))
    app = Flask(__name__, instance_path=str(instance))
    app.config.update(load_config(instance))
    #: reads without a transaction block on PostgreSQL (`_autocommit_reads`).
    app.config["READS_AUTOCOMMIT"] = True
    if config:
        app.config.update(config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.converters["int"] = IdConverter

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    for step in composition.setup:
        step(app)
    api.ERROR_SCHEMA = ErrorSchema
    api.init_app(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.components.security_scheme(
        "cookie", {"type": "apiKey", "in": "cookie", "name": "tc_auth"}
    )
    for bp in composition.blueprints:
        api.register_blueprint(bp)
    for page in composition.pages:
        app.register_blueprint(page)
    register_error_handlers(app)
    app.before_request(_before_request)
    app.after_request(_after_request)
    cli.register(app, seeders=composition.seeders, commands=composition.commands)
    return app


def _before_request() -> None:
    audit.request_id()
    if request.method in BODY_METHODS and request.path.startswith("/api/"):
        _check_body()
    if request.method in READ_METHODS and current_app.config["READS_AUTOCOMMIT"]:
        _autocommit_reads()


def _autocommit_reads() -> None:
    """A read (GET, HEAD) on PostgreSQL runs without a transaction block: no BEGIN, and its
    audit INSERT commits as it runs — two round trips fewer per read (docs/scale.md). Under
    READ COMMITTED each statement already sees its own snapshot, so a read loses nothing; a
    read that fails still leaves its one audit event of the failure. Not when the session is
    bound to a connection of its own (the tests' outer transaction)."""
    if db.session.bind is not None or db.engine.dialect.name != "postgresql":
        return
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _check_body() -> None:
    """A request body must be JSON (415) of at most MAX_CONTENT_LENGTH bytes (413), whether
    it comes with a Content-Length or without one (`Transfer-Encoding: chunked`, where
    werkzeug would silently cut it at the limit): such a body is read here, up to the limit,
    and from then on handled like a sized one."""
    unsized = request.content_length is None and "HTTP_TRANSFER_ENCODING" in request.environ
    if not (request.content_length or unsized):
        return
    if not request.is_json:
        raise UnsupportedMediaType(
            "Send the request body as JSON (Content-Type: application/json)."
        )
    if unsized and request.environ.get("wsgi.input_terminated"):
        _read_unsized_body(current_app.config["MAX_CONTENT_LENGTH"])


def _read_unsized_body(limit: int) -> None:
    """Read a body the server has de-chunked, refusing it past `limit` bytes, and put it
    back as a sized body. (A server that does not terminate the input gives werkzeug an
    empty stream instead, so nothing unbounded is ever read.)"""
    environ = request.environ
    stream, chunks, size = environ["wsgi.input"], [], 0
    while size <= limit:
        chunk = stream.read(min(64 * 1024, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise RequestEntityTooLarge()
    environ["wsgi.input"] = io.BytesIO(b"".join(chunks))
    environ["CONTENT_LENGTH"] = str(size)
    del environ["HTTP_TRANSFER_ENCODING"]
    request.__dict__.pop("content_length", None)  # werkzeug caches it: recompute


def _after_request(response: Response) -> Response:
    if response.status_code >= 400 and _is_app_request():
        _discard_failed_request(response.status_code)
    _security_headers(response)
    return response


def _is_app_request() -> bool:
    """An API request, or one a page route (not a static file) answered."""
    if request.path.startswith("/api/v1"):
        return True
    endpoint = request.endpoint or ""
    return bool(endpoint) and endpoint.rpartition(".")[2] != "static"


def _discard_failed_request(status: int) -> None:
    """A failed request changes no data: roll back whatever it flushed, then keep one audit
    event saying what was refused."""
    db.session.rollback()
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and not audit.audits_itself(view):
        actor = g.get("actor") or (current_user if _authenticated() else None)
        audit.record_failed_request(view, actor, status)


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
    if request.path.startswith("/api/docs"):
        headers["Content-Security-Policy"] = DOCS_CSP
    headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    if request.path.startswith("/api/") and not request.path.startswith("/api/docs"):
        headers["Cache-Control"] = "no-store"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if "request_id" in g:
        headers["X-Request-ID"] = g.request_id
    if g.get("client_request_id"):
        headers["X-Client-Request-ID"] = g.client_request_id
    return response
