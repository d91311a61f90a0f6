"""HTML forms through the API's own schemas.

A form posts strings; the API's schemas take JSON types. :func:`form_data` turns a posted form
into the JSON-shaped dict the schema expects — guided by the schema's own fields (numbers,
booleans, lists one per line or repeated, nested fields as ``crisis_plan.crisis_line``) — and
:func:`load` validates it with that schema, so a page accepts exactly what the API accepts.
Errors come back as one flat mapping from a dotted field name to its messages, whether the
schema or a service (`ValidationFailed(field=...)`) raised them, to render beside the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import marshmallow as ma
from werkzeug.datastructures import MultiDict

from core.clock import centre_zone
from core.errors import DomainError
from core.http import etag_of

Errors = dict[str, list[str]]

_NUMBER = (ma.fields.Integer, ma.fields.Float, ma.fields.Decimal, ma.fields.Number)
_TRUE = {"on", "true", "yes", "1"}


class FormInvalid(Exception):
    """The form did not validate; `errors` maps dotted field names to messages."""

    def __init__(self, errors: Errors, message: str = "Please correct the marked fields.") -> None:
        super().__init__(message)
        self.errors = errors
        self.message = message


def _number(raw: str) -> Any:
    try:
        number = float(raw)
    except ValueError:
        return raw  # the schema names the field
    return int(number) if number.is_integer() and "." not in raw else number


def _scalar(field: ma.fields.Field, raw: str) -> Any:
    if isinstance(field, _NUMBER):
        return _number(raw.strip())
    if isinstance(field, ma.fields.Boolean):
        return raw.strip().lower() in _TRUE
    return raw


def _list(field: ma.fields.List, form: MultiDict, name: str) -> list[Any] | None:
    values = form.getlist(name)
    if len(values) == 1 and isinstance(field.inner, ma.fields.String):
        values = values[0].splitlines()
    items = [_scalar(field.inner, v) for v in values if v.strip()]
    return items if items or name in form else None


def form_data(schema: ma.Schema, form: MultiDict, prefix: str = "") -> dict[str, Any]:
    """The JSON-shaped body a form stands for. Empty inputs are left out (a required field
    is then reported missing); an unticked checkbox is false when the form says it had one
    (a hidden ``name`` marker input with value ``""``)."""
    data: dict[str, Any] = {}
    for key, field in schema.fields.items():
        if field.dump_only:
            continue
        name = prefix + (field.data_key or key)
        if isinstance(field, ma.fields.Nested) and not field.many:
            nested = form_data(field.schema, form, f"{name}.")
            if nested:
                data[field.data_key or key] = nested
        elif isinstance(field, ma.fields.List):
            items = _list(field, form, name)
            if items is not None:
                data[field.data_key or key] = items
        elif isinstance(field, ma.fields.Boolean) and name in form:
            data[field.data_key or key] = any(v.lower() in _TRUE for v in form.getlist(name))
        elif form.get(name, "").strip():
            data[field.data_key or key] = _scalar(field, form[name])
    return data


def flatten(messages: Any, prefix: str = "") -> Errors:
    """marshmallow's nested messages as ``{"a.b.0.c": [...]}``."""
    if isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            return {prefix.rstrip(".") or "_form": list(messages)}
        out: Errors = {}
        for item in messages:
            out.update(flatten(item, prefix))
        return out
    if isinstance(messages, Mapping):
        out = {}
        for key, value in messages.items():
            out.update(flatten(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip(".") or "_form": [str(messages)]}


def load(schema: ma.Schema, form: MultiDict, **extra: Any) -> dict[str, Any]:
    """The form validated by `schema` (plus `extra` values the page adds), or FormInvalid."""
    try:
        return schema.load({**form_data(schema, form), **extra})
    except ma.ValidationError as error:
        raise FormInvalid(flatten(error.messages)) from error


def form_is_current(record: Any | None, form: MultiDict) -> bool:
    """Whether a form was rendered from `record`'s current version: its hidden `version`
    field (the If-Match of a page) equals the record's ETag ("" while there is no record)."""
    return form.get("version", "") == (etag_of(record) if record is not None else "")


def domain_errors(error: DomainError) -> Errors:
    """A service's field errors (`errors.json`), or the message as a form-level error."""
    fields = (error.errors or {}).get("json") if error.errors else None
    flat = flatten(fields) if fields else {}
    return flat or {"_form": [error.message]}


def local_moment(raw: str) -> str | None:
    """A `datetime-local` form value (no offset) as ISO 8601 in the centre's time zone; None
    when blank; an unreadable value goes on as typed, for the schema to name the field."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=centre_zone())
    return moment.isoformat()
