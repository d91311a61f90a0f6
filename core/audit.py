"""The audit trail: who did what to which record, when, with what outcome.

Events are written in the transaction of the change they describe, so they commit (or roll
back) with it; on a read without a transaction block (PostgreSQL: `core.app`) the event's
INSERT commits as it runs. A failed request is rolled back whole and then gets one event of
its own, written in a fresh transaction (`record_failed_request`). The table is
append-only: triggers on SQLite and PostgreSQL refuse UPDATE and DELETE (see the initial
migration).

Details carry no clinical content (API.md "Corrections to version 1"): whatever a caller
passes as `detail` is reduced by `sanitise_detail` to ids, counts, field names and a few
kinds of request metadata; any other key keeps only its name, listed in `fields`.

An event on one client's data can say more than its caller knows: a higher layer may install
a lookup under `CLIENT_CONTEXT` in `app.extensions` (privacy.emergency does, for the
emergency access grant a read happens under), and every event by that actor on those clients
then carries what it returns (`{"emergency_grant_id": 7}`), asked once per request.

Every request has the server's own id (`request_id`, a fresh UUID, sent back as
`X-Request-ID`). A client's `X-Request-ID` is kept beside it (`client_request_id`, echoed as
`X-Client-Request-ID`) only when it is a well-formed UUID; anything else is ignored.
"""

from __future__ import annotations

import operator
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, NeverDeleted, UTCDateTime, utcnow
from core.extensions import db
from core.http import paginate


class Actor(Protocol):
    id: int
    email: str


class AuditEvent(NeverDeleted, Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: null for an anonymous request (a failed login, a missing token). Looked up by
    #: `ix_audit_events_actor_order` below (no index of its own: migration 0019).
    actor_id: Mapped[int | None]
    actor_email: Mapped[str | None] = mapped_column(sa.String(320))
    #: e.g. `client.read`, `client.update`, `auth.login`; for failures the endpoint name.
    action: Mapped[str] = mapped_column(sa.String(100))
    record_type: Mapped[str | None] = mapped_column(sa.String(50))
    record_id: Mapped[int | None]
    #: the client whose data was touched, so every access to one client can be listed
    #: (`ix_audit_events_client_order` below).
    client_id: Mapped[int | None]
    #: `success`, or the HTTP status of a refused/failed request (e.g. `404`).
    outcome: Mapped[str] = mapped_column(sa.String(20))
    #: the server's own id of the request (never one a client chose).
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    #: the client's `X-Request-ID`, when it was a well-formed UUID (for their tracing).
    client_request_id: Mapped[str | None] = mapped_column(sa.String(36))
    method: Mapped[str | None] = mapped_column(sa.String(10))
    path: Mapped[str | None] = mapped_column(sa.String(500))
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    #: the audit trail's lists, newest first, of one client's record and of one person's acts.
    __table_args__ = (
        sa.Index("ix_audit_events_client_order", "client_id", "id"),
        sa.Index("ix_audit_events_actor_order", "actor_id", "id"),
    )


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def _client_request_id() -> str | None:
    """The client's `X-Request-ID` in canonical form, when it is a well-formed UUID."""
    sent = request.headers.get("X-Request-ID", "").strip()
    return str(uuid.UUID(sent)) if _UUID.match(sent) else None


def request_id() -> str | None:
    """The server's id for the current request (generated once per request)."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        g.request_id = uuid.uuid4().hex
        g.client_request_id = _client_request_id()
    return g.request_id


def _request_fields() -> dict[str, Any]:
    if not has_request_context():
        return {}
    return {
        "request_id": request_id(),
        "client_request_id": g.get("client_request_id"),
        "method": request.method,
        "path": request.path[:500],
        "ip": (request.remote_addr or "")[:64] or None,
    }


# --- details without clinical content -------------------------------------------------------

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
#: detail keys holding a nested mapping of request metadata, sanitised by the same rules.
_NESTED = frozenset({"view_args", "filters"})


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and bool(_NAME.match(value))


def _is_iso_date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        (datetime if "T" in value else date).fromisoformat(value)
    except ValueError:
        return False
    return True


#: keys whose values are kept, each with the test its value must pass.
_KEPT: dict[str, Callable[[Any], bool]] = {
    "email": lambda v: isinstance(v, str) and len(v) <= 320,  # a login's submitted email
    "kind": _is_name,  # of a credential or a note: cookie, bearer, progress, soap ...
    "duplicate_override": lambda v: isinstance(v, bool),
    "as_of": _is_iso_date,
    "from": _is_iso_date,
    "from_": _is_iso_date,
    "to": _is_iso_date,
    "page": _is_int,
    "per_page": _is_int,
    "version": _is_int,  # of the record written
}


def _value_kept(key: str, value: Any) -> bool:
    if key.endswith("_id") or key.endswith("_count"):
        return _is_int(value)
    if key.endswith("_ids"):
        return isinstance(value, list) and all(_is_int(v) for v in value)
    check = _KEPT.get(key)
    return check is not None and check(value)


def sanitise_detail(detail: dict[str, Any] | None) -> dict[str, Any] | None:
    """What an audit event may say beyond its columns: ids (`*_id` ints, `*_ids` int lists),
    counts (`*_count`), `fields` (field names), request metadata (`view_args` and `filters`,
    sanitised alike; `as_of`/`from`/`to` dates; a login's `email`; `kind`; `page`,
    `per_page`, `version`; `duplicate_override`). Any other key, or a kept key whose value
    is not of its kind, is reduced to its name in `fields` (sorted, unique), so
    `{"type": "suicide_risk", "severity": "urgent"}` becomes
    `{"fields": ["severity", "type"]}`. Names that are not identifiers are dropped."""
    if not detail:
        return None
    kept: dict[str, Any] = {}
    names: set[str] = set()
    for key, value in detail.items():
        if key == "fields" and isinstance(value, list | tuple):
            names.update(v for v in value if _is_name(v))
        elif key in _NESTED and isinstance(value, dict):
            nested = sanitise_detail(value)
            if nested:
                kept[key] = nested
        elif _is_name(key) and _value_kept(key, value):
            kept[key] = value
        elif _is_name(key):
            names.add(key)
    if names:
        kept["fields"] = sorted(names)
    return kept or None


# --- what an event on a client's data must also say (emergency access grants) -------------

#: `app.extensions` key of a lookup `(actor) -> {client_id: detail}` that a higher layer may
#: install: the detail every event by that actor on those clients' data adds to its own.
CLIENT_CONTEXT = "core.audit.client_context"
ClientContext = Callable[[Actor], Mapping[int, dict[str, Any]]]
_CONTEXT_CACHE = "audit_client_context"


def _client_context(actor: Actor | None) -> Mapping[int, dict[str, Any]]:
    """The installed lookup's answer for `actor`, asked once per request (kept in `g`)."""
    if actor is None or not has_app_context():
        return {}
    lookup: ClientContext | None = current_app.extensions.get(CLIENT_CONTEXT)
    if lookup is None:
        return {}
    cache = g.setdefault(_CONTEXT_CACHE, {})
    if actor.id not in cache:
        cache[actor.id] = lookup(actor)
    return cache[actor.id]


def forget_client_context() -> None:
    """Ask the lookup again at the next event (after a change it answers from, or a
    rollback)."""
    if has_app_context():
        g.pop(_CONTEXT_CACHE, None)


def _with_context(
    detail: dict[str, Any] | None, context: Mapping[int, dict[str, Any]], client_id: int | None
) -> dict[str, Any] | None:
    extra = context.get(client_id) if client_id is not None else None
    return {**(detail or {}), **extra} if extra else detail


def record(
    action: str,
    *,
    actor: Actor | None,
    record_type: str | None = None,
    record_id: int | None = None,
    client_id: int | None = None,
    outcome: str = "success",
    detail: dict[str, Any] | None = None,
) -> RecordedEvent:
    """Write one audit event in the current transaction (it commits or rolls back with the
    change it describes); `detail` is sanitised (no clinical content: see `sanitise_detail`),
    with what `CLIENT_CONTEXT` adds for the client. The row is inserted at once by a Core
    statement built once (not through the unit of work, which cost an audited read more CPU
    than the read itself: docs/scale.md); what was written is returned, with its id."""
    # asked whether or not the event names a client, so a refused request costs the same
    # for a hidden record as for a missing one.
    detail = _with_context(detail, _client_context(actor), client_id)
    values = {
        "occurred_at": utcnow(),
        "actor_id": getattr(actor, "id", None),
        "actor_email": getattr(actor, "email", None),
        "action": action,
        "record_type": record_type,
        "record_id": record_id,
        "client_id": client_id,
        "outcome": outcome,
        "detail": sanitise_detail(detail),
        **_request_fields(),
    }
    # on the session's connection: a Core statement needs none of Session.execute's ORM steps
    event_id = db.session.connection().execute(_INSERT_ONE, values).scalar_one()
    return RecordedEvent(event_id, action, client_id, outcome, values["detail"])


_INSERT_ONE = sa.insert(AuditEvent.__table__).returning(AuditEvent.__table__.c.id)


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An audit event as `record` wrote it (the row is `AuditEvent` `id`)."""

    id: int
    action: str
    client_id: int | None
    outcome: str
    detail: dict[str, Any] | None


def record_many(
    action: str,
    *,
    actor: Actor,
    record_type: str,
    rows: list[tuple[int, int | None]],
    detail: dict[str, Any] | None = None,
) -> None:
    """One event per (record_id, client_id) pair, for list reads of client data, written
    with a single multi-row INSERT; `detail` (the same for all, plus what `CLIENT_CONTEXT`
    adds for each client) is sanitised like `record`'s."""
    if not rows:
        return
    common = {
        "occurred_at": utcnow(),
        "actor_id": actor.id,
        "actor_email": actor.email,
        "action": action,
        "record_type": record_type,
        "outcome": "success",
        **_request_fields(),
    }
    shared, context = sanitise_detail(detail), _client_context(actor)

    def detail_for(client_id: int | None) -> dict[str, Any] | None:
        if client_id not in context:
            return shared
        return sanitise_detail(_with_context(detail, context, client_id))

    db.session.execute(
        sa.insert(AuditEvent),
        [
            {**common, "record_id": rec_id, "client_id": client_id, "detail": detail_for(client_id)}
            for rec_id, client_id in rows
        ],
    )


def audited_page(
    stmt: sa.Select[Any],
    page: int,
    per_page: int,
    *,
    actor: Actor,
    action: str,
    record_type: str,
    client_of: int | Callable[[Any], int] = operator.attrgetter("client_id"),
    shown: Callable[[Any], Any] | None = None,
) -> dict[str, Any]:
    """One page of `stmt` with every record shown audited (one multi-row insert) as `action`
    with its client: the one way a list of client records is served. `client_of` is the
    client id of all of them or a function of one; `shown` turns a selected row into what
    the page shows (when the statement selects more than the record)."""
    result = paginate(stmt, page, per_page, scalars=shown is None)
    items = [shown(row) for row in result["items"]] if shown else result["items"]
    of = client_of if callable(client_of) else (lambda _item: client_of)
    record_many(action, actor=actor, record_type=record_type, rows=[(i.id, of(i)) for i in items])
    return {**result, "items": items}


ClientQuery = Callable[[int], sa.Select[Any]]
V = TypeVar("V", bound=Callable[..., Any])


def self_audited(view: Callable[..., Any]) -> Callable[..., Any]:
    """Marks a route that audits its own failures (sign-in counts and audits each failed
    attempt), so the failed-request audit does not record them twice."""
    view.audits_itself = True  # type: ignore[attr-defined]
    return view


def audits_itself(view: Callable[..., Any]) -> bool:
    """Whether a route was marked :func:`self_audited` (its wrappers copy the mark)."""
    return bool(getattr(view, "audits_itself", False))


def finds_client(param: str, query: ClientQuery) -> Callable[[V], V]:
    """States how a route's client is found from its URL parameter `param` (a query for the
    client id of that record), so a refused request on, say, a case is still listed among the
    accesses to that client's data. A route with a `client_id` parameter needs none."""

    def mark(view: V) -> V:
        view.finds_client = (param, query)  # type: ignore[attr-defined]
        return view

    return mark


def client_of_request(view: Callable[..., Any] | None, view_args: dict[str, Any]) -> int | None:
    """The client a request aimed at: its `client_id`, or what the route's
    :func:`finds_client` query finds (None when the record does not exist)."""
    if "client_id" in view_args:
        return view_args["client_id"]
    found = getattr(view, "finds_client", None)
    if found is None:
        return None
    param, query = found
    return db.session.execute(query(view_args[param])).scalar()


def record_failed_request(
    view: Callable[..., Any] | None, actor: Actor | None, status: int
) -> None:
    """After a failed request was rolled back, keep one event saying it was refused, naming
    the client whose record it aimed at when the record exists."""
    forget_client_context()  # what the rolled-back request wrote is gone
    view_args = request.view_args or {}
    record(
        request.endpoint or "unknown",
        actor=actor,
        record_type=None,
        record_id=next((v for k, v in view_args.items() if k.endswith("id")), None),
        client_id=client_of_request(view, view_args),
        outcome=str(status),
        detail={"view_args": view_args} if view_args else None,
    )
    db.session.commit()
