"""HTTP conventions shared by every domain: ETag/If-Match, pagination, strict schemas."""

from __future__ import annotations

from functools import cache
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import Response, after_this_request, request
from werkzeug.routing import IntegerConverter

from core.errors import PreconditionFailed, PreconditionRequired, not_found
from core.extensions import db
from core.input import INT_MAX, fit_to_columns

MAX_PER_PAGE = 200
#: methods that read: no body, no change (reads run without a transaction block: core.app).
READ_METHODS = frozenset({"GET", "HEAD"})


class QuerySchema(ma.Schema):
    """Query-string schemas: unknown parameters are a 422; values arrive as text and are
    converted (`?acknowledged=false`, `?page=2`). Every field, here and in request bodies,
    only loads values a column can store (`core.input`: dates 1900-01-01 … 2200-12-31, 32-bit
    integers, bounded numbers, text without NUL or lone surrogates), else a 422 naming it."""

    class Meta:
        unknown = ma.RAISE

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field) -> None:
        fit_to_columns(field_obj)


def _only(field: ma.fields.Field, accepts: Any, message: str) -> None:
    """Deserialize only values that `accepts`, so JSON types are not coerced."""
    deserialize = field._deserialize

    def strict(value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if not accepts(value):
            raise ma.ValidationError(message)
        return deserialize(value, attr, data, **kwargs)

    field._deserialize = strict  # type: ignore[method-assign]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _strict_types(field: ma.fields.Field) -> None:
    if isinstance(field, ma.fields.Boolean):
        _only(field, lambda v: isinstance(v, bool), "Not a valid boolean.")
    elif isinstance(field, ma.fields.Integer):
        field.strict = True
        _only(field, _is_number, "Not a valid integer.")
    elif isinstance(field, ma.fields.Number):
        _only(field, _is_number, "Not a valid number.")
    elif isinstance(field, ma.fields.List):
        _strict_types(field.inner)
    elif isinstance(field, ma.fields.Dict) and field.value_field is not None:
        _strict_types(field.value_field)


class StrictSchema(QuerySchema):
    """Request bodies: unknown fields rejected (no mass assignment), and JSON types taken
    at their word — `1` is not a boolean, `"5"` is not a number: 422 naming the field."""

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field) -> None:
        super().on_bind_field(field_name, field_obj)
        _strict_types(field_obj)


def locked(stmt: sa.Select, *of: Any) -> sa.Select:
    """`stmt` locking the rows of `of` (PostgreSQL `FOR NO KEY UPDATE`-compatible share of
    the keys; SQLite serialises writers anyway), reloading them so the caller sees the
    locked state, not what the session had cached."""
    return stmt.with_for_update(of=of if len(of) > 1 else of[0], key_share=True).execution_options(
        populate_existing=True
    )


def one_or_404(stmt: sa.Select, kind: str, *, for_update: Any = None) -> Any:
    """The record `stmt` selects, or 404 "No such {kind}.". Put the caseload check in `stmt`,
    so a record on another caseload costs and answers exactly like an unknown id.
    `for_update` names the mapped class (or a tuple of them) whose rows to lock."""
    if for_update is not None:
        stmt = locked(stmt, *(for_update if isinstance(for_update, tuple) else (for_update,)))
    found = db.session.execute(stmt).unique().scalar_one_or_none()
    if found is None:
        raise not_found(kind)
    return found


def row_or_404(stmt: sa.Select, kind: str, *, for_update: Any = None) -> sa.Row:
    """As :func:`one_or_404` for a statement selecting several columns: the row."""
    if for_update is not None:
        stmt = locked(stmt, *(for_update if isinstance(for_update, tuple) else (for_update,)))
    row = db.session.execute(stmt).unique().first()
    if row is None:
        raise not_found(kind)
    return row


def get_or_404(model: Any, record_id: int, kind: str) -> Any:
    """A record by primary key (no caseload involved: rooms, beds, staff), or 404."""
    found = db.session.get(model, record_id)
    if found is None:
        raise not_found(kind)
    return found


def one_of(choices: Any) -> ma.validate.OneOf:
    """A choice validator whose message lists the choices."""
    return ma.validate.OneOf(list(choices), error="Must be one of: {choices}.")


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("Must not be blank.")


def required_text(max_length: int, **kw: Any) -> ma.fields.String:
    """A required, non-blank string of at most `max_length` characters."""
    validators = [ma.validate.Length(min=1, max=max_length), _not_blank]
    return ma.fields.String(required=True, validate=validators, **kw)


def etag_of(record: Any) -> str:
    """A strong ETag from the record's table, id and version."""
    return f'"{record.__tablename__}-{record.id}-v{record.version}"'


def set_etag(record: Any) -> None:
    """Send the record's ETag with the current response."""
    tag = etag_of(record)

    @after_this_request
    def _add(response: Response) -> Response:
        response.headers["ETag"] = tag
        return response


def check_if_match(record: Any) -> None:
    """A conditional write must name the version it was based on (API.md):

    - no `If-Match` → 428;
    - `If-Match: *` (alone, or with nothing else that is an entity tag) → 428 as well: RFC
      9110 lets `*` match any current representation, which is exactly the lost update the
      header is required to prevent, so it does not meet the requirement (RFC 6585 §3);
    - a list of tags none of which is the record's current strong ETag → 412. Weak tags
      (`W/"..."`) never match: If-Match uses the strong comparison (RFC 9110 §13.1.1). A tag
      sent without its quotes is accepted for clients that strip them.
    """
    header = request.headers.get("If-Match", "")
    tags = {t.strip() for t in header.split(",")} - {"", "*"}
    if not tags:
        raise PreconditionRequired(
            "This record needs an If-Match header with its ETag (from your last read); "
            "`*` is not accepted."
        )
    current = etag_of(record)
    if current not in tags and current.strip('"') not in tags:
        raise PreconditionFailed("The record was changed since you read it; reload it.")


class PageArgsSchema(QuerySchema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100000))
    per_page = ma.fields.Integer(
        load_default=50, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE)
    )


def page_args_schema(name: str, **fields: ma.fields.Field) -> type[ma.Schema]:
    """A query-string schema: pagination plus a route's own filters."""
    return type(name, (PageArgsSchema,), dict(fields))


#: totals are counted exactly up to this many rows (or to the end of the page asked for, if
#: further); beyond it `total_is_lower_bound` is true, so a list costs the same however much
#: history lies behind it.
TOTAL_CAP = 1000


@cache
def page_schema(item: type[ma.Schema]) -> type[ma.Schema]:
    """`{"items": [...], "page", "per_page", "total", "total_is_lower_bound"}` around an item
    schema."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item)),
            "page": ma.fields.Integer(),
            "per_page": ma.fields.Integer(),
            "total": ma.fields.Integer(),
            "total_is_lower_bound": ma.fields.Boolean(),
        },
        name=f"{item.__name__.removesuffix('Schema')}PageSchema",
    )


def capped_total(stmt: sa.Select, upto: int = TOTAL_CAP) -> tuple[int, bool]:
    """How many rows `stmt` selects, counted no further than `upto`: `(total, is_lower_bound)`.
    The count reads at most `upto + 1` rows, never the whole table.

    The limit is written into the statement, not bound: it is nearly always 1,001, and a
    prepared statement's generic plan that cannot see it plans for a limit that stops early
    (PostgreSQL then merge-joined a counsellor's 40 caseload clients against the index of all
    120,000 cases: 16 ms, against 0.5 ms with the limit in the text)."""
    window = stmt.order_by(None).limit(sa.literal_column(str(int(upto) + 1), sa.Integer))
    window = window.subquery()
    counted = db.session.execute(sa.select(sa.func.count()).select_from(window)).scalar_one()
    return min(counted, upto), counted > upto


def _one_page(stmt: sa.Select, page: int, per_page: int, extra: int = 0) -> sa.Select:
    """`stmt` limited to one page. Past the first page the offset is walked over the ids alone
    (a late row lookup): the skipped rows are never fetched, nor their computed columns
    (subqueries in the select list) evaluated, so page 500 costs little more than page 1.
    `extra` rows more are read past the page's end."""
    offset = (page - 1) * per_page
    entity = _sole_entity(stmt) if offset else None
    if entity is None or stmt._distinct:
        return stmt.limit(per_page + extra).offset(offset)
    key = sa.inspect(entity).primary_key[0]
    ids = stmt.with_only_columns(key, maintain_column_froms=True)
    ids = ids.limit(per_page + extra).offset(offset)
    return stmt.where(key.in_(ids))


def paginate(stmt: sa.Select, page: int, per_page: int, *, scalars: bool = True) -> dict[str, Any]:
    """Run a select for one page, with the total counted in SQL up to `TOTAL_CAP` rows:
    beyond that `total` is a lower bound and says so. A page past the cap is not counted at
    all: the rows before it and on it are the total, a lower bound when one more row follows
    (read with the page), so page 500 costs no count of the 25,000 rows before it."""
    before, counted = (page - 1) * per_page, page * per_page <= TOTAL_CAP
    # past the cap one row more is read, to know whether any follow this page
    result = db.session.execute(_one_page(stmt, page, per_page, extra=0 if counted else 1))
    items = list(result.scalars() if scalars else result)
    more = len(items) > per_page
    items = items[:per_page]
    if counted or not items:
        total, lower_bound = capped_total(stmt, max(TOTAL_CAP, before))
    else:
        total, lower_bound = before + len(items), more
    return {
        "items": items,
        "page": page,
        "per_page": per_page,
        "total": total,
        "total_is_lower_bound": lower_bound,
    }


class IdConverter(IntegerConverter):
    """`<int:...>` in routes: ids beyond the 32-bit columns do not match (404)."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INT_MAX)
        super().__init__(url_map, *args, **kwargs)


def _sole_entity(stmt: sa.Select) -> Any:
    """The mapped entity a page of `stmt` may be looked up by: the one entity selected, or
    the entity whose table alone a select of it and its computed columns reads from (a
    follow-up and its status). None for other selects of several columns: they may join
    from more than one table, and a lookup by the first one's id would change their meaning."""
    described = stmt.column_descriptions
    entity = described[0].get("entity")
    if entity is None or len(described) == 1:
        return entity
    if any(d.get("entity") is not entity for d in described):
        return None
    froms = stmt.get_final_froms()
    return entity if len(froms) == 1 and froms[0] is sa.inspect(entity).local_table else None
