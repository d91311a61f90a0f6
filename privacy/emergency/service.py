"""Emergency access ("break the glass", API.md): services flush and audit; views commit.

- A counsellor or clinician asks for one client's record with a reason; the grant lasts
  `EMERGENCY_ACCESS_HOURS` (default 4). It is an `emergency` caseload membership written
  with its end, so while it lasts the client is on the caller's caseload wherever a caseload
  check applies (`auth.caseload.client_visibility`, `can_see_client`), and not a moment
  after. A second request while one is live is a 409 naming it.
- Every audit event by the holder on that client's data while the grant lasts carries
  `{"emergency_grant_id": id}`: `grants_in_force` is installed as `core.audit`'s client
  context when the emergency blueprint is registered.
- Managers list the grants (`?reviewed=false`: still to review) and review each once: an
  `inappropriate` outcome ends a still-live grant at once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import contains_eager

from auth.caseload import client_visibility
from auth.login import forget_emergency_access_answer, may_hold_emergency_access
from auth.models import CaseloadMembership, MembershipKind, User
from auth.permissions import Permission, allowed
from core import audit
from core.audit import Actor
from core.db import utcnow
from core.errors import InvalidTransition
from core.extensions import db
from core.http import get_or_404, one_or_404
from intake.clients.models import Client
from privacy.emergency.models import EmergencyAccessGrant, ReviewOutcome

RECORD_TYPE = "emergency_access_grant"


def _live(now: datetime) -> sa.ColumnElement[bool]:
    """An emergency membership in force: as `auth.caseload.caseload_client_ids` sees it."""
    return sa.and_(
        CaseloadMembership.kind == MembershipKind.EMERGENCY, CaseloadMembership.ended_at > now
    )


def _grants() -> sa.Select[tuple[EmergencyAccessGrant]]:
    return (
        sa.select(EmergencyAccessGrant)
        .join(EmergencyAccessGrant.membership)
        .options(contains_eager(EmergencyAccessGrant.membership))
    )


def grants_in_force(actor: Actor) -> Mapping[int, dict[str, Any]]:
    """`core.audit`'s client context: for each client the actor holds a live grant on,
    `{"emergency_grant_id": id}`. Roles that cannot break the glass ask nothing."""
    role = getattr(actor, "role", None)
    if role is None or not allowed(role, Permission.EMERGENCY_ACCESS):
        return {}
    if not may_hold_emergency_access(actor.id):
        return {}  # the credential's own query found none: no second look
    stmt = (
        sa.select(CaseloadMembership.client_id, EmergencyAccessGrant.id)
        .join(EmergencyAccessGrant, EmergencyAccessGrant.membership_id == CaseloadMembership.id)
        .where(CaseloadMembership.staff_id == actor.id, _live(utcnow()))
        .order_by(EmergencyAccessGrant.id)
    )
    return {
        client_id: {"emergency_grant_id": grant_id}
        for client_id, grant_id in db.session.execute(stmt)
    }


def _audit(action: str, grant: EmergencyAccessGrant, actor: User, **detail: Any) -> None:
    audit.record(
        action,
        actor=actor,
        record_type=RECORD_TYPE,
        record_id=grant.id,
        client_id=grant.client_id,
        detail=detail or None,
    )


def request_access(client_id: int, reason: str, *, actor: User) -> EmergencyAccessGrant:
    """Break the glass: the actor's own access to the client for `EMERGENCY_ACCESS_HOURS`.
    404 for an unknown client; 409 while the actor already holds a live grant on it."""
    get_or_404(Client, client_id, "client")
    now = utcnow()
    live = db.session.execute(
        _grants()
        .where(CaseloadMembership.staff_id == actor.id, _live(now))
        .where(CaseloadMembership.client_id == client_id)
    ).scalar()
    if live is not None:
        raise InvalidTransition(
            f"You already have emergency access to this client until "
            f"{live.expires_at.isoformat()}.",
            emergency_grant_id=live.id,
        )
    hours = current_app.config["EMERGENCY_ACCESS_HOURS"]
    membership = CaseloadMembership(
        staff_id=actor.id,
        client_id=client_id,
        case_id=None,
        kind=MembershipKind.EMERGENCY,
        started_at=now,
        ended_at=now + timedelta(hours=hours),
    )
    grant = EmergencyAccessGrant(membership=membership, reason=reason)
    db.session.add(grant)
    db.session.flush()
    audit.forget_client_context()  # this request's events are under the new grant
    forget_emergency_access_answer()
    _audit("emergency_access.grant", grant, actor)
    return grant


def list_grants(
    *,
    actor: User,
    page: int,
    per_page: int,
    reviewed: bool | None = None,
    client_id: int | None = None,
    user_id: int | None = None,
) -> dict[str, Any]:
    """Grants, oldest first (`reviewed=false`: those still to review), each shown audited."""
    stmt = _grants().where(client_visibility(actor, CaseloadMembership.client_id))
    if reviewed is not None:
        column = EmergencyAccessGrant.reviewed_at
        stmt = stmt.where(column.is_not(None) if reviewed else column.is_(None))
    if client_id is not None:
        stmt = stmt.where(CaseloadMembership.client_id == client_id)
    if user_id is not None:
        stmt = stmt.where(CaseloadMembership.staff_id == user_id)
    return audit.audited_page(
        stmt.order_by(CaseloadMembership.started_at, EmergencyAccessGrant.id),
        page,
        per_page,
        actor=actor,
        action="emergency_access.list",
        record_type=RECORD_TYPE,
    )


def get_grant(
    grant_id: int, *, actor: User, action: str = "emergency_access.read", for_update: bool = False
) -> EmergencyAccessGrant:
    """A grant on a client the actor may see, or 404 "No such emergency access grant."."""
    stmt = _grants().where(
        EmergencyAccessGrant.id == grant_id,
        client_visibility(actor, CaseloadMembership.client_id),
    )
    lock = (EmergencyAccessGrant, CaseloadMembership) if for_update else None
    grant = one_or_404(stmt, "emergency access grant", for_update=lock)
    _audit(action, grant, actor)
    return grant


def review_grant(
    grant: EmergencyAccessGrant, *, outcome: ReviewOutcome, note: str | None = None, actor: User
) -> EmergencyAccessGrant:
    """Record the manager's review, once (409 the second time). `inappropriate` ends a
    grant that is still live."""
    if grant.reviewed_at is not None:
        raise InvalidTransition("The emergency access grant is already reviewed.")
    now = utcnow()
    grant.reviewed_at = now
    grant.reviewed_by_id = actor.id
    grant.outcome = outcome
    grant.note = note
    ended_now = outcome is ReviewOutcome.INAPPROPRIATE and grant.expires_at > now
    if ended_now:
        grant.membership.ended_at = now
    db.session.flush()
    fields = ["note", "outcome", *(["expires_at"] if ended_now else [])]
    _audit("emergency_access.review", grant, actor, fields=fields)
    return grant
