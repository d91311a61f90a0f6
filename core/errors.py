"""Domain exceptions and the one JSON error shape of API.md.

Services raise these; they never return errors. Every error response, whether raised by us,
by webargs/marshmallow or by Werkzeug, is `{"code", "status", "message", "errors"?, ...extra}`.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import marshmallow as ma
from flask import Flask, Response, jsonify
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """Base of every error the API answers with on purpose."""

    code = 400

    def __init__(
        self,
        message: str,
        *,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


class BadRequest(DomainError):
    code = 400


class Unauthorized(DomainError):
    code = 401


class Forbidden(DomainError):
    code = 403


class NotFound(DomainError):
    """No such record, or one the caller may not see: the two answer alike."""

    code = 404


class Conflict(DomainError):
    code = 409


class InvalidTransition(Conflict):
    """The record's status does not allow this action."""


class PreconditionFailed(DomainError):
    code = 412


class UnsupportedMediaType(DomainError):
    code = 415


class ValidationFailed(DomainError):
    """422 with field errors; `field` names where in the body the problem is."""

    code = 422

    def __init__(self, message: str, *, field: str | None = None, **kw: Any) -> None:
        if field is not None and "errors" not in kw:
            kw["errors"] = {"json": {field: [message]}}
        super().__init__(message, **kw)


class PreconditionRequired(DomainError):
    code = 428


class TooManyRequests(DomainError):
    code = 429


class ConflictItemSchema(ma.Schema):
    kind = ma.fields.String(metadata={"description": "facilitator, client, room or capacity"})
    session_id = ma.fields.Integer(allow_none=True)
    starts_at = ma.fields.DateTime()
    message = ma.fields.String()


class ErrorSchema(ma.Schema):
    """The one error shape (API.md). Some errors carry extra keys at the top level."""

    class Meta:
        unknown = ma.INCLUDE  # documented as open: extra keys below and others may appear

    code = ma.fields.Integer()
    status = ma.fields.String()
    message = ma.fields.String()
    errors = ma.fields.Dict(
        metadata={"description": "Field errors by location: {json: {field: [...]}}"}
    )
    existing_client_id = ma.fields.Integer(metadata={"description": "409 on a probable duplicate"})
    conflicts = ma.fields.List(ma.fields.Nested(ConflictItemSchema))
    missing = ma.fields.List(ma.fields.String(), metadata={"description": "422 on submit"})
    open_case_id = ma.fields.Integer()
    open_case_ids = ma.fields.List(ma.fields.Integer())


def not_found(kind: str = "record") -> NotFound:
    return NotFound(f"No such {kind}.")


def error_body(code: int, message: str, errors: Any = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "status": HTTPStatus(code).phrase, "message": message}
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def _respond(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    response = jsonify(body)
    response.status_code = body["code"]
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _field_list(errors: Any) -> str:
    names: list[str] = []
    if isinstance(errors, dict):
        for location in errors.values():
            if isinstance(location, dict):
                names.extend(str(k) for k in location)
    return ", ".join(sorted(set(names)))


def _http_message(error: HTTPException, data: dict[str, Any]) -> str:
    if "message" in data:
        return str(data["message"])
    errors = data.get("errors") or data.get("messages")
    if error.code == 422 and errors:
        fields = _field_list(errors)
        return f"Invalid input: {fields}." if fields else "Invalid input."
    if error.code == 400 and errors:
        return "The request body is not valid JSON."
    if error.code == 413:
        return "The request body is too large."
    return error.description or error.name


def handle_http_exception(error: HTTPException) -> Response:
    """Werkzeug and webargs errors (400 bad JSON, 404 unknown URL, 405, 413, 422 ...)."""
    code = error.code or 500
    if code >= 500:
        log.exception("unhandled error", exc_info=getattr(error, "original_exception", error))
        return _respond(error_body(500, "Internal server error."))
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    headers = dict(data.get("headers") or {})
    if code == 405 and error.valid_methods:  # type: ignore[attr-defined]
        headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return _respond(error_body(code, _http_message(error, data), errors), headers)


def handle_domain_error(error: DomainError) -> Response:
    body = error_body(error.code, error.message, error.errors, **error.extra)
    return _respond(body, error.headers)


def handle_stale_data(_error: StaleDataError) -> Response:
    """Two writers raced on one versioned record: the slower one loses, nothing is lost."""
    return _respond(error_body(412, "The record was changed by someone else; reload it."))


def handle_integrity_error(error: IntegrityError) -> Response:
    """A uniqueness rule enforced by the database (one open case per client, one admitted case
    per bed, ...) caught a concurrent request the service checks could not see yet."""
    log.warning("integrity error answered as 409: %s", error.orig)
    return _respond(
        error_body(409, "The change conflicts with another one made at the same time; reload.")
    )


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(IntegrityError, handle_integrity_error)
