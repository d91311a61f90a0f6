"""Flags: raised by rules (intake screenings and history, withdrawal scores, follow-ups,
discharges) or by staff, tracked until a clinician resolves them.

`raise_flag` is the one door for every domain: it never duplicates an active flag of the
same type for a client; it raises that flag's severity instead and appends the finding to the
flag's history (CLINICAL.md §3, rule version 2). Every urgent finding re-alerts: it clears the
acknowledgement, even at the same severity, so a worsening score or a new high-risk screen is
never swallowed by an earlier "seen".

Every urgent finding is also handed, in the same transaction, to the callbacks a higher layer
installs under `ON_URGENT_FLAG` in `app.extensions` (the work queue notifies at once), so
intake imports nothing of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from auth.caseload import client_visibility
from auth.credentials import RecordRead
from auth.models import User
from core import audit
from core.db import utcnow
from core.errors import InvalidTransition, ValidationFailed
from core.extensions import db
from core.http import paginate
from intake.clients.models import Client
from intake.clients.service import get_client
from intake.flags.models import SEVERITY_ORDER, Flag, FlagSeverity, FlagStatus
from intake.flags.rules import FLAG_TYPES, severity_rank

#: `app.extensions` key of a list of callbacks `(flag, actor) -> Any`, each called after an
#: urgent finding is raised on (or re-alerts) `flag`, in the same transaction.
ON_URGENT_FLAG = "intake.on_urgent_flag"


@dataclass(frozen=True)
class FlagRequest:
    """What to raise: the type decides the category (CLINICAL.md §3 table)."""

    type: str
    severity: str
    source_kind: str
    note: str | None = None
    instrument: str | None = None
    score: float | None = None
    assessment_id: int | None = None


def _active_flag(client_id: int, flag_type: str) -> Flag | None:
    stmt = sa.select(Flag).where(
        Flag.client_id == client_id, Flag.type == flag_type, Flag.status == FlagStatus.ACTIVE
    )
    return db.session.execute(stmt.with_for_update(key_share=True)).scalar_one_or_none()


def active_flag_id(client_id: int, flag_type: str) -> int | None:
    stmt = sa.select(Flag.id).where(
        Flag.client_id == client_id, Flag.type == flag_type, Flag.status == FlagStatus.ACTIVE
    )
    return db.session.execute(stmt).scalar()


def raise_flag(client_id: int, request: FlagRequest, *, actor: User | None) -> Flag:
    """Raise a flag, or raise the severity of the active flag of that type (appending the
    new finding to its note). Returns the flag that now stands."""
    if request.type not in FLAG_TYPES:
        allowed = ", ".join(FLAG_TYPES)
        raise ValidationFailed(f"Unknown flag type; allowed: {allowed}.", field="type")
    existing = _active_flag(client_id, request.type)
    if existing is not None:
        flag = _escalate(existing, request, actor)
    else:
        flag = _new_flag(client_id, request, actor)
    if request.severity == FlagSeverity.URGENT.value:
        for callback in current_app.extensions.get(ON_URGENT_FLAG, ()):
            callback(flag, actor)
    return flag


def _new_flag(client_id: int, request: FlagRequest, actor: User | None) -> Flag:
    flag = Flag(
        client_id=client_id,
        type=request.type,
        category=FLAG_TYPES[request.type],
        severity=FlagSeverity(request.severity),
        source_kind=request.source_kind,
        source_instrument=request.instrument,
        source_score=request.score,
        source_assessment_id=request.assessment_id,
        note=request.note,
        raised_at=utcnow(),
        raised_by_id=getattr(actor, "id", None),
    )
    flag.history = [_finding(request, flag.raised_at)]
    db.session.add(flag)
    db.session.flush()
    _audit("flag.raise", flag, actor)
    return flag


def _finding(request: FlagRequest, at: datetime) -> dict[str, Any]:
    """One history entry: when, from what kind of source, how severe, and its note."""
    return {
        "at": at.isoformat(),
        "source": request.source_kind,
        "severity": request.severity,
        "note": request.note,
    }


def _escalate(flag: Flag, request: FlagRequest, actor: User | None) -> Flag:
    """A repeat finding never duplicates the flag: it is appended to the history (and a new
    note to the note); a higher severity raises the flag; an urgent finding re-alerts."""
    raised = severity_rank(request.severity) > severity_rank(flag.severity.value)
    realert = raised or request.severity == FlagSeverity.URGENT.value
    if raised:
        flag.severity = FlagSeverity(request.severity)
    if realert:
        flag.acknowledged_at = None
        flag.acknowledged_by_id = None
    if request.note and request.note not in (flag.note or ""):
        flag.note = f"{flag.note}\n{request.note}" if flag.note else request.note
    flag.history = [*(flag.history or []), _finding(request, utcnow())]
    db.session.flush()
    _audit("flag.escalate" if realert else "flag.finding", flag, actor)
    return flag


def _audit(action: str, flag: Flag, actor: User | None) -> None:
    audit.record(
        action,
        actor=actor,
        record_type="flag",
        record_id=flag.id,
        client_id=flag.client_id,
        detail={"fields": ["severity", "type"]},
    )


def raise_manual_flag(client_id: int, data: dict[str, Any], *, actor: User) -> tuple[Flag, bool]:
    """A flag a clinician or counsellor raises by hand (`ManualFlagSchema`) on a client they
    may see. Returns the flag and whether it is new (an active flag of that type is kept,
    its severity raised when the new one is higher)."""
    get_client(client_id, actor=actor, action="client.read_for_flag")
    before = active_flag_id(client_id, data["type"])
    severity = getattr(data["severity"], "value", data["severity"])
    request = FlagRequest(
        type=data["type"], severity=severity, source_kind="manual", note=data["note"]
    )
    flag = raise_flag(client_id, request, actor=actor)
    return flag, before != flag.id


def list_client_flags(
    client_id: int, *, actor: User, status: FlagStatus | None, page: int, per_page: int
) -> dict[str, Any]:
    """A page of the client's flags, urgent first (the client's read is audited)."""
    get_client(client_id, actor=actor, action="flag.list")
    stmt = sa.select(Flag).where(Flag.client_id == client_id)
    if status is not None:
        stmt = stmt.where(Flag.status == status)
    order = (SEVERITY_ORDER, Flag.raised_at.desc(), Flag.id.desc())
    return paginate(stmt.order_by(*order), page, per_page)


def list_flags(
    *,
    actor: User,
    status: FlagStatus | None,
    severity: FlagSeverity | None,
    acknowledged: bool | None,
) -> sa.Select[tuple[Flag]]:
    """The cross-client list (caseload-filtered in SQL for counsellors), urgent first."""
    stmt = sa.select(Flag).join(Client, Client.id == Flag.client_id)
    stmt = stmt.where(client_visibility(actor, Flag.client_id))
    if status is not None:
        stmt = stmt.where(Flag.status == status)
    if severity is not None:
        stmt = stmt.where(Flag.severity == severity)
    if acknowledged is not None:
        column = Flag.acknowledged_at
        stmt = stmt.where(column.is_not(None) if acknowledged else column.is_(None))
    return stmt.order_by(SEVERITY_ORDER, Flag.raised_at, Flag.id)


def list_flags_page(*, actor: User, page: int, per_page: int, **filters: Any) -> dict[str, Any]:
    """A page of `list_flags`, every flag shown audited."""
    return audit.audited_page(
        list_flags(actor=actor, **filters),
        page,
        per_page,
        actor=actor,
        action="flag.list",
        record_type="flag",
    )


#: `GET /flags/{id}` reads the flag with the credential.
FLAG_READ = RecordRead("flag_id", Flag, Flag.client_id)


def get_flag(flag_id: int, *, actor: User, action: str = "flag.read") -> Flag:
    """A flag of a client the actor may see; 404 "No such flag." otherwise. The caseload
    check is part of the one query that loads the row, so a flag on another caseload costs
    and answers exactly like an unknown id. Audited as `action` (no flag type or severity:
    the actions that change the flag audit those)."""
    flag = FLAG_READ.one(flag_id, actor, "flag")
    audit.record(
        action, actor=actor, record_type="flag", record_id=flag.id, client_id=flag.client_id
    )
    return flag


def resolve_flag(flag: Flag, reason: str, *, actor: User) -> Flag:
    if flag.status is FlagStatus.RESOLVED:
        raise InvalidTransition("The flag is already resolved.")
    flag.status = FlagStatus.RESOLVED
    flag.resolved_at = utcnow()
    flag.resolved_by_id = actor.id
    flag.resolution_reason = reason
    db.session.flush()
    _audit("flag.resolve", flag, actor)
    return flag


def acknowledge_flag(flag: Flag, *, actor: User) -> Flag:
    """Record who saw the flag and when (the first acknowledgement stands)."""
    if flag.status is FlagStatus.RESOLVED:
        raise InvalidTransition("The flag is resolved.")
    if flag.acknowledged_at is not None:
        raise InvalidTransition("The flag was already acknowledged.")
    flag.acknowledged_at = utcnow()
    flag.acknowledged_by_id = actor.id
    db.session.flush()
    _audit("flag.acknowledge", flag, actor)
    return flag
