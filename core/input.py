"""What the API accepts from a client, whatever the route (API.md "Conventions").

- JSON bodies are parsed strictly: `NaN`/`Infinity` are not JSON (400); a body nested deeper
  than `MAX_JSON_DEPTH` is refused (400) before anything recurses over it; a number too long
  to convert (Python refuses integers of more than 4,300 digits) or too large for a float
  becomes a placeholder that every field rejects, so the 422 names the field.
- Every value a schema loads must be storable in any column: text without NUL characters or
  lone surrogates (PostgreSQL and UTF-8 refuse both), integers within 32 bits, other numbers
  within ±`NUMBER_LIMIT`, dates and timestamps (as written, before any time-zone
  conversion) between `EARLIEST` and `LATEST`. Each is a 422 naming the field, never a 500.

`fit_to_columns` is the field-level hook every request schema applies (`core.http`), so a new
route gets these rules without doing anything.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

import marshmallow as ma
from flask import Request
from flask_smorest.arguments import ArgumentsMixin
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser, abort, is_json_request

#: Every integer column is a 32-bit INTEGER: larger values are a 422, not a database error.
INT_MAX = 2**31 - 1
#: No quantity the centre stores comes near this; it keeps arithmetic on floats finite.
NUMBER_LIMIT = 10**9
#: API.md: every date and timestamp in a body or query lies within these (inclusive).
EARLIEST = date(1900, 1, 1)
LATEST = date(2200, 12, 31)
#: Deeper JSON is refused; the deepest body the API takes has fewer than ten levels.
MAX_JSON_DEPTH = 32
#: Longer integer literals are not converted at all (conversion is quadratic in length).
MAX_INTEGER_DIGITS = 100

DATE_RANGE_MESSAGE = f"Must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}."
NUMBER_MESSAGE = "Number too large."


class OversizedNumber:
    """A JSON number too long or too large to hold: no field accepts it."""

    __slots__ = ("literal_length",)

    def __init__(self, literal: str) -> None:
        self.literal_length = len(literal)

    def __repr__(self) -> str:
        return f"<number of {self.literal_length} characters>"


class JSONTooDeep(ValueError):
    """The body nests arrays and objects deeper than MAX_JSON_DEPTH."""


def _parse_int(literal: str) -> int | OversizedNumber:
    if len(literal.lstrip("-")) > MAX_INTEGER_DIGITS:
        return OversizedNumber(literal)
    return int(literal)


def _parse_float(literal: str) -> float | OversizedNumber:
    value = float(literal)
    return value if math.isfinite(value) else OversizedNumber(literal)


def _depth(value: Any) -> int:
    """How deep arrays and objects nest (iteratively: no recursion over client input)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if not isinstance(item, dict | list):
            continue
        deepest = max(deepest, level)
        if level <= MAX_JSON_DEPTH:
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def parse_json(text: str) -> Any:
    """Parse a request body. Raises `json.JSONDecodeError` for what is not JSON (including
    NaN and Infinity) and `JSONTooDeep` past MAX_JSON_DEPTH."""

    def no_constant(name: str) -> Any:
        raise json.JSONDecodeError(f"{name} is not a JSON value", text, 0)

    try:
        value = json.loads(
            text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=no_constant
        )
    except RecursionError as exc:
        raise JSONTooDeep from exc
    if _depth(value) > MAX_JSON_DEPTH:
        raise JSONTooDeep
    return value


# --- values every column can store --------------------------------------------------------


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "Must not contain NUL characters."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "Must not contain lone surrogates (invalid Unicode)."
    return None


def _scalar_problem(value: Any) -> str | None:
    if isinstance(value, str):
        return _text_problem(value)
    if isinstance(value, OversizedNumber):
        return NUMBER_MESSAGE
    if isinstance(value, date):  # datetime too: the date as written, before any conversion
        day = value.date() if isinstance(value, datetime) else value
        return None if EARLIEST <= day <= LATEST else DATE_RANGE_MESSAGE
    return None


def unstorable(value: Any) -> str | None:
    """Why a loaded value (or anything inside it, keys included) cannot be stored, or None."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
        elif problem := _scalar_problem(item):
            return problem
    return None


def _within_number_limit(value: Any) -> None:
    """Floats and decimals (a plain function, not a Range: Decimal bounds would be rendered
    as strings in the OpenAPI document)."""
    if not -NUMBER_LIMIT <= value <= NUMBER_LIMIT:
        raise ma.ValidationError(f"Must be between {-NUMBER_LIMIT:,} and {NUMBER_LIMIT:,}.")


def _checked(field: ma.fields.Field) -> None:
    """After the field has loaded a value, refuse what no column can store."""
    deserialize = field._deserialize
    temporal = isinstance(field, ma.fields.Date | ma.fields.DateTime)

    def storable(value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        try:
            result = deserialize(value, attr, data, **kwargs)
        except OverflowError as exc:  # e.g. a custom field converting year 1 to UTC
            raise ma.ValidationError(DATE_RANGE_MESSAGE if temporal else NUMBER_MESSAGE) from exc
        problem = unstorable(result)
        if problem:
            raise ma.ValidationError(problem)
        return result

    field._deserialize = storable  # type: ignore[method-assign]


def fit_to_columns(field: ma.fields.Field) -> None:
    """Apply the storable-value rules to one field of a request schema (and the fields
    inside a list)."""
    if isinstance(field, ma.fields.List):
        fit_to_columns(field.inner)
        return
    if isinstance(field, ma.fields.Integer):
        field.validators = [*field.validators, ma.validate.Range(min=-INT_MAX - 1, max=INT_MAX)]
    elif isinstance(field, ma.fields.Number):
        field.validators = [*field.validators, _within_number_limit]
    elif isinstance(field, ma.fields.Dict) and field.value_field is not None:
        fit_to_columns(field.value_field)
    _checked(field)


# --- the request parser ---------------------------------------------------------------------


class StrictJSONParser(FlaskParser):
    """webargs' Flask parser with `parse_json` for bodies, and query strings held to the
    same rule as bodies: an unknown (e.g. misspelt) filter is a 422, not silently ignored
    (which would return unfiltered data)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": None,
        "querystring": None,
    }

    def _raw_load_json(self, req: Request) -> Any:
        if not is_json_request(req):
            return webargs_core.missing
        raw = req.get_data(cache=True)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise json.JSONDecodeError(f"Not UTF-8: {exc.reason}", "?", exc.start) from exc
        if text == "":
            return webargs_core.missing
        try:
            return parse_json(text)
        except JSONTooDeep as exc:
            message = f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels."
            abort(400, exc=exc, message=message, messages={"json": [message]})


def install_parser() -> None:
    """Make every `@bp.arguments` use StrictJSONParser. Runs when this module is imported,
    which every view module does (through `core.http`) before declaring its routes."""
    ArgumentsMixin.ARGUMENTS_PARSER = StrictJSONParser()


install_parser()

__all__ = ["INT_MAX", "fit_to_columns", "parse_json", "unstorable"]
