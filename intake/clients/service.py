"""Client registry use cases. Services flush and audit; views commit."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from auth.caseload import client_visibility
from auth.credentials import RecordRead
from auth.models import User
from core import audit
from core.db import utcnow
from core.errors import Conflict, InvalidTransition
from core.extensions import db
from intake.clients.models import FIRST_LAST, LAST_FIRST, MRN_LOWER, Client, ClientStatus

IDENTITY_FIELDS = ("first_name", "last_name", "date_of_birth")


def mrn_for(client_id: int) -> str:
    """`C` + seven digits + a Luhn check digit, so a mistyped MRN rarely hits another client."""
    digits = f"{client_id:07d}"
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return f"C{digits}{(10 - total % 10) % 10}"


#: What a duplicate registration is told (with `existing_client_id` only when visible).
DUPLICATE_MESSAGE = (
    "A client with this name and date of birth is already registered. Send allow_duplicate "
    "with a duplicate_reason to register another."
)


class DuplicateClient(Conflict):
    """409: a client with the same first and last name and date of birth exists.

    The body names the match (`existing_client_id`) only when the caller may see that
    client; a match on another caseload says that a duplicate exists and nothing more
    (API.md Corrections, "Existence"). `matched_client_id` is kept for the audit trail."""

    def __init__(self, matched_client_id: int, *, visible: bool) -> None:
        extra = {"existing_client_id": matched_client_id} if visible else {}
        super().__init__(DUPLICATE_MESSAGE, **extra)
        self.matched_client_id = matched_client_id
        self.visible = visible


def _find_duplicate(
    data: dict[str, Any], exclude_id: int | None, actor: User
) -> DuplicateClient | None:
    """One query: the first match the actor may see, else the first match at all. The
    caseload check is a column of the same query, so a hidden match costs what a visible
    one does."""
    visible = sa.case((client_visibility(actor, Client.id), 1), else_=0)
    stmt = sa.select(Client.id, visible).where(
        Client.date_of_birth == data["date_of_birth"],
        sa.func.lower(Client.first_name) == data["first_name"].strip().lower(),
        sa.func.lower(Client.last_name) == data["last_name"].strip().lower(),
    )
    if exclude_id is not None:
        stmt = stmt.where(Client.id != exclude_id)
    row = db.session.execute(stmt.order_by(visible.desc(), Client.id).limit(1)).first()
    return None if row is None else DuplicateClient(row[0], visible=bool(row[1]))


def _guard_duplicate(data: dict[str, Any], *, actor: User, exclude_id: int | None = None) -> None:
    """Raise `DuplicateClient` on a probable duplicate, unless `allow_duplicate` is sent."""
    if data.get("allow_duplicate"):
        return
    found = _find_duplicate(data, exclude_id, actor)
    if found is not None:
        raise found


def audit_duplicate_probe(found: DuplicateClient, *, actor: User, client_id: int | None) -> None:
    """Record that a name and birth date matched an existing client. The view writes it
    after the failed request's rollback, so it survives. An edit (`client_id`, the caller's
    own client) is audited against that client; a registration, which has no client of its
    own, against the client it matched, whose registration the answer revealed. The detail
    holds ids only: the match, and `disclosed_client_id` when the answer named it; never
    the name or birth date."""
    detail = {"matched_client_id": found.matched_client_id}
    if found.visible:
        detail["disclosed_client_id"] = found.matched_client_id
    target = client_id if client_id is not None else found.matched_client_id
    audit.record(
        "client.duplicate_found",
        actor=actor,
        record_type="client",
        record_id=target,
        client_id=target,
        outcome="409",
        detail=detail,
    )


def _assign_mrn(client: Client) -> None:
    """Set the MRN derived from the new id without counting it as an edit (version stays 1)."""
    mrn = mrn_for(client.id)
    db.session.execute(sa.update(Client).where(Client.id == client.id).values(mrn=mrn))
    set_committed_value(client, "mrn", mrn)


def register_client(data: dict[str, Any], *, actor: User) -> Client:
    """Register a client with a generated MRN; 409 (`DuplicateClient`) on a probable
    duplicate unless overridden."""
    _guard_duplicate(data, actor=actor)
    fields = {k: v for k, v in data.items() if k != "allow_duplicate"}
    for key in ("first_name", "last_name"):
        fields[key] = fields[key].strip()
    client = Client(created_by_id=actor.id, **fields)
    db.session.add(client)
    db.session.flush()
    _assign_mrn(client)
    audit.record(
        "client.create",
        actor=actor,
        record_type="client",
        record_id=client.id,
        client_id=client.id,
        detail={"duplicate_override": bool(data.get("allow_duplicate"))},
    )
    return client


#: A client as `GET /clients/{id}` shows them: with their active flags in the same statement;
#: read with the credential on a GET.
CLIENT_READ = RecordRead("client_id", Client, Client.id, options=(joinedload(Client.active_flags),))


def get_client(
    client_id: int, *, actor: User, action: str = "client.read", for_update: bool = False
) -> Client:
    """A client the actor may see; 404 "No such client." otherwise. The caseload check is
    part of the one query that loads the row, so an id on another caseload costs and answers
    exactly like an unknown one. `for_update` locks the row (PostgreSQL) to serialise
    per-client changes."""
    client = CLIENT_READ.one(client_id, actor, "client", for_update=for_update)
    audit.record(
        action, actor=actor, record_type="client", record_id=client.id, client_id=client.id
    )
    return client


def search_clients(
    *, actor: User, q: str | None = None, status: ClientStatus | None = None
) -> sa.Select[tuple[Client]]:
    """Clients visible to the actor, matching a name part, an MRN prefix or a birth date."""
    stmt = sa.select(Client).where(client_visibility(actor, Client.id))
    if status is not None:
        stmt = stmt.where(Client.status == status)
    if q:
        # Matches in case-insensitive name order. The order is deliberately not the one the
        # name index serves: with it, PostgreSQL walks that index filtering row by row (far,
        # when the name sorts late) instead of taking the few matches from the trigram index.
        stmt = stmt.where(_matches(q.strip()))
        return stmt.order_by(
            sa.func.lower(Client.last_name), sa.func.lower(Client.first_name), Client.id
        )
    return stmt.order_by(Client.last_name, Client.first_name, Client.id)


def initials(first_name: str, last_name: str) -> str:
    """A client's initials ("AM" for Alex Morgan): all a shared board may show of them."""
    return f"{first_name.strip()[:1]}{last_name.strip()[:1]}".upper()


def _matches(q: str) -> sa.ColumnElement[bool]:
    try:
        return Client.date_of_birth == date.fromisoformat(q)
    except ValueError:
        pass
    text = re.sub(r"([/%_])", r"/\1", q.lower())
    # The patterns are written into the statement as (quoted) literals, whole: a generic plan
    # of a prepared statement cannot see a bound pattern and scans the registry; with the
    # pattern in the text, the planner takes the trigram and prefix indexes (docs/scale.md).
    contains, prefix = _pattern(f"%{text}%"), _pattern(f"{text}%")
    return sa.or_(
        FIRST_LAST.like(contains, escape="/"),
        LAST_FIRST.like(contains, escape="/"),
        MRN_LOWER.like(prefix, escape="/"),
    )


def _pattern(value: str) -> sa.BindParameter[str]:
    return sa.bindparam(None, value, type_=sa.String(), literal_execute=True)


def list_clients(
    *, actor: User, q: str | None, status: ClientStatus | None, page: int, per_page: int
) -> dict[str, Any]:
    """A page of `search_clients`, every client shown audited."""
    return audit.audited_page(
        search_clients(actor=actor, q=q, status=status),
        page,
        per_page,
        actor=actor,
        action="client.list",
        record_type="client",
        client_of=lambda client: client.id,
    )


def update_client(client: Client, changes: dict[str, Any], *, actor: User) -> Client:
    """Edit details; identity changes are checked for duplicates like a registration."""
    if client.status is ClientStatus.ARCHIVED:
        raise InvalidTransition("The client is archived; restore them before editing.")
    if any(k in changes for k in IDENTITY_FIELDS):
        merged = {k: changes.get(k, getattr(client, k)) for k in IDENTITY_FIELDS}
        merged["allow_duplicate"] = changes.get("allow_duplicate")
        _guard_duplicate(merged, actor=actor, exclude_id=client.id)
    for key, value in changes.items():
        if key != "allow_duplicate":
            setattr(client, key, value.strip() if key in IDENTITY_FIELDS[:2] else value)
    db.session.flush()
    audit.record(
        "client.update",
        actor=actor,
        record_type="client",
        record_id=client.id,
        client_id=client.id,
        detail={"fields": sorted(changes)},
    )
    return client


def archive_client(client: Client, reason: str, *, actor: User) -> Client:
    """Archive instead of delete: the record stays, it just leaves the active registry."""
    if client.status is ClientStatus.ARCHIVED:
        raise InvalidTransition("The client is already archived.")
    client.status = ClientStatus.ARCHIVED
    client.archived_at = utcnow()
    client.archive_reason = reason
    db.session.flush()
    audit.record(
        "client.archive",
        actor=actor,
        record_type="client",
        record_id=client.id,
        client_id=client.id,
    )
    return client


def restore_client(client: Client, *, actor: User) -> Client:
    if client.status is not ClientStatus.ARCHIVED:
        raise InvalidTransition("The client is not archived.")
    client.status = ClientStatus.ACTIVE
    client.archived_at = None
    db.session.flush()
    audit.record(
        "client.restore",
        actor=actor,
        record_type="client",
        record_id=client.id,
        client_id=client.id,
    )
    return client
