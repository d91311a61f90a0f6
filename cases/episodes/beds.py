"""Beds: the bed board, managing beds, and a case's place in one (claim a free or a named
bed, admit, join the waitlist, free a bed and admit the next case waiting).

Concurrency: on PostgreSQL a free bed is claimed with `SELECT ... FOR UPDATE SKIP LOCKED`;
on SQLite every transaction is `BEGIN IMMEDIATE` (core.extensions), so writers are
serialised. A partial unique index (one admitted case per bed) backs both up.

The board shows who is in a bed only to those who may see that client: the occupant's case,
client id and initials, else just `occupied`. The caseload check is a join of the board's
one query, and every occupant shown is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from auth.caseload import client_visibility
from auth.models import User
from cases.episodes.models import Bed, Case
from cases.episodes.rules import CaseStatus, TransitionNotAllowed, check_transition
from core import audit
from core.db import utcnow
from core.errors import Conflict, InvalidTransition, ValidationFailed, not_found
from core.extensions import db
from core.http import get_or_404, one_or_404, paginate
from core.shown import Shown
from intake.clients.models import Client
from intake.clients.service import initials

#: Admission order of the waitlist: urgent review first, then time waitlisted.
WAITLIST_ORDER = (Case.requires_urgent_review.desc(), Case.waitlisted_at, Case.id)

#: The board's order, and the order free beds are offered in.
BED_ORDER = (Bed.unit, Bed.room, Bed.label, Bed.id)


# --- a case's bed -----------------------------------------------------------------------------


def _bed_occupied() -> sa.Exists:
    return sa.exists().where(Case.bed_id == Bed.id, Case.status == CaseStatus.ADMITTED)


def claim_free_bed() -> Bed | None:
    """Lock and return the first free bed, skipping beds another transaction is claiming."""
    stmt = (
        sa.select(Bed)
        .where(Bed.active.is_(True), ~_bed_occupied())
        .order_by(*BED_ORDER)
        .limit(1)
        .with_for_update(skip_locked=True, of=Bed, key_share=True)
    )
    return db.session.execute(stmt).scalar_one_or_none()


def free_beds(limit: int = 200) -> list[Bed]:
    """The beds in service nobody is in, in the order a placement takes them (the first is
    the one `claim_free_bed` would claim now), for a placement form's bed picker. Tells no
    occupant, so it needs no audit."""
    stmt = sa.select(Bed).where(Bed.active.is_(True), ~_bed_occupied()).order_by(*BED_ORDER)
    return list(db.session.scalars(stmt.limit(limit)))


def claim_named_bed(bed_id: int) -> Bed:
    """Lock a named bed: 422 when it is unknown or out of service, 409 when occupied."""
    bed = db.session.execute(
        sa.select(Bed).where(Bed.id == bed_id).with_for_update(of=Bed, key_share=True)
    ).scalar_one_or_none()
    if bed is None or not bed.active:
        raise ValidationFailed("No such bed in service.", field="bed_id")
    occupant = db.session.execute(
        sa.select(Case.id).where(Case.bed_id == bed.id, Case.status == CaseStatus.ADMITTED)
    ).scalar()
    if occupant is not None:
        raise Conflict("That bed is occupied.", bed_id=bed.id)
    return bed


def admit(case: Case, bed: Bed, *, at: datetime | None = None) -> None:
    """Put the case in the bed; `admitted_at` is kept from a first admission, else `at`
    (a placement recorded late) or now."""
    case.bed_id = bed.id
    case.bed = bed
    case.status = CaseStatus.ADMITTED
    case.admitted_at = case.admitted_at or at or utcnow()


def join_waitlist(case: Case) -> None:
    """The case waits for a bed from now (its place in the queue)."""
    case.bed_id = None
    case.bed = None
    case.status = CaseStatus.WAITLISTED
    case.waitlisted_at = utcnow()


def place_inpatient(case: Case, bed_id: int | None, *, admitted_at: datetime | None) -> None:
    """Admit into the named bed or the first free one; with none free, join the waitlist."""
    bed = claim_named_bed(bed_id) if bed_id is not None else claim_free_bed()
    if bed is None:
        join_waitlist(case)
    else:
        admit(case, bed, at=admitted_at)


def free_bed_and_admit_next(case: Case, actor: User) -> None:
    """Release the case's bed and give it to the first case on the waitlist, if any."""
    bed = case.bed
    case.bed_id = None
    case.bed = None
    db.session.flush()
    if bed is None or not bed.active:
        return
    stmt = (
        sa.select(Case)
        .where(Case.status == CaseStatus.WAITLISTED)
        .order_by(*WAITLIST_ORDER)
        .limit(1)
        .with_for_update(skip_locked=True, of=Case, key_share=True)
    )
    waiting = db.session.execute(stmt).unique().scalar_one_or_none()
    if waiting is not None:
        admit(waiting, bed)
        db.session.flush()
        audit.record(
            "case.admit_from_waitlist",
            actor=actor,
            record_type="case",
            record_id=waiting.id,
            client_id=waiting.client_id,
            detail={"bed_id": bed.id},
        )


# --- the board --------------------------------------------------------------------------------


def _board_query(actor: User) -> sa.Select[Any]:
    """Each bed, its admitted case if any, and that client's names only when the actor may
    see the client (the caseload check is the join condition, not a query per bed)."""
    occupant = sa.orm.aliased(Case)
    shown = sa.and_(Client.id == occupant.client_id, client_visibility(actor, occupant.client_id))
    return (
        sa.select(
            Bed,
            occupant.id.label("occupant_case_id"),
            occupant.client_id.label("occupant_client_id"),
            Client.first_name,
            Client.last_name,
        )
        .outerjoin(
            occupant, sa.and_(occupant.bed_id == Bed.id, occupant.status == CaseStatus.ADMITTED)
        )
        .outerjoin(Client, shown)
        .order_by(*BED_ORDER)
    )


def _board_entry(row: sa.Row[Any]) -> dict[str, Any]:
    bed, case_id, client_id, first_name, last_name = row
    occupant = None
    if first_name is not None:
        occupant = {
            "case_id": case_id,
            "client_id": client_id,
            "initials": initials(first_name, last_name),
        }
    return {"bed": bed, "occupied": case_id is not None, "occupant": occupant}


def bed_board(*, actor: User, page: int, per_page: int) -> dict[str, Any]:
    """One page of the board (unit, room, label order): each bed with `occupied` and, when
    the actor may see that client, `occupant: {case_id, client_id, initials}` (else null).
    Every occupant shown is audited (`bed_board.read`, one multi-row insert)."""
    result = paginate(_board_query(actor), page, per_page, scalars=False)
    entries = [_board_entry(row) for row in result["items"]]
    audit.record_many(
        "bed_board.read",
        actor=actor,
        record_type="case",
        rows=[
            (entry["occupant"]["case_id"], entry["occupant"]["client_id"])
            for entry in entries
            if entry["occupant"] is not None
        ],
    )
    return {**result, "items": entries}


# --- managing beds ----------------------------------------------------------------------------


def create_bed(data: dict[str, Any], *, actor: User) -> Bed:
    """A new bed; 409 when one with the same unit, room and label exists."""
    exists = db.session.execute(
        sa.select(Bed.id).where(
            Bed.unit == data["unit"], Bed.room == data["room"], Bed.label == data["label"]
        )
    ).first()
    if exists:
        raise Conflict("A bed with this unit, room and label exists.", bed_id=exists[0])
    bed = Bed(**data)
    db.session.add(bed)
    db.session.flush()
    audit.record("bed.create", actor=actor, record_type="bed", record_id=bed.id)
    return bed


def get_bed(bed_id: int) -> Bed:
    return get_or_404(Bed, bed_id, "bed")


def update_bed(bed: Bed, changes: dict[str, Any], *, actor: User) -> Bed:
    """Relabel a bed or take it out of service (409 while someone is in it)."""
    if changes.get("active") is False:
        occupied = db.session.execute(
            sa.select(Case.id).where(Case.bed_id == bed.id, Case.status == CaseStatus.ADMITTED)
        ).scalar()
        if occupied is not None:
            raise Conflict("The bed is occupied; discharge or move the client first.")
    for key, value in changes.items():
        setattr(bed, key, value)
    db.session.flush()
    audit.record("bed.update", actor=actor, record_type="bed", record_id=bed.id)
    return bed


# --- the board's own actions (the staff web interface) ----------------------------------------


def bed_entry(bed_id: int, *, actor: User) -> dict[str, Any]:
    """One bed as the board shows it (`{bed, occupied, occupant}`, the occupant only when the
    actor may see that client; audited like the board): what a freed bed holds now, after a
    discharge gave it to the next case waiting. 404 for an unknown bed."""
    row = db.session.execute(_board_query(actor).where(Bed.id == bed_id)).first()
    if row is None:
        raise not_found("bed")
    entry = _board_entry(row)
    if entry["occupant"] is not None:
        audit.record_many(
            "bed_board.read",
            actor=actor,
            record_type="case",
            rows=[(entry["occupant"]["case_id"], entry["occupant"]["client_id"])],
        )
    return entry


def admit_from_waitlist(case_id: int, bed_id: int | None, *, actor: User) -> Case:
    """Admit a waitlisted case by hand into the named bed, or the first free one (a bed that
    came free without a discharge: a new bed, or one back in service). 404 for a case the
    actor may not see, 409 unless it is waitlisted or when no bed is free, 422/409 for a named
    bed unknown, out of service or occupied (`claim_named_bed`). Locks the case, then the bed,
    as a discharge does; the partial unique index backs up a race for the bed."""
    stmt = sa.select(Case).where(Case.id == case_id, client_visibility(actor, Case.client_id))
    case = one_or_404(stmt, "case", for_update=Case)
    try:
        check_transition(case.status, CaseStatus.ADMITTED)
    except TransitionNotAllowed as exc:
        raise InvalidTransition(f"Only a waitlisted case is admitted from here: {exc}") from exc
    bed = claim_named_bed(bed_id) if bed_id is not None else claim_free_bed()
    if bed is None:
        raise Conflict(
            "No bed is free; the first case waiting is admitted when a bed frees.",
            errors={"json": {"bed_id": ["No bed is free."]}},
        )
    admit(case, bed)
    db.session.flush()
    audit.record(
        "case.admit_from_waitlist",
        actor=actor,
        record_type="case",
        record_id=case.id,
        client_id=case.client_id,
        detail={"bed_id": bed.id, "fields": ["by_hand"]},
    )
    return case


def bed_of_case(case_id: int) -> int | None:
    """The bed a case is in now (None when it is in none), read before a discharge frees it
    so the board can say afterwards what became of that bed. An id only: no client data."""
    return db.session.execute(
        sa.select(Case.bed_id).where(Case.id == case_id, Case.status == CaseStatus.ADMITTED)
    ).scalar()


@dataclass(frozen=True)
class WaitlistEntry(Shown):
    """A waitlisted case with its place in the queue (from 1, within what the caller sees)."""

    record: Case
    position: int


def waitlist(*, actor: User, page: int, per_page: int) -> dict[str, Any]:
    """Waitlisted cases in admission order (urgent review first, then time waitlisted), every
    case shown audited."""
    stmt = (
        sa.select(Case)
        .where(Case.status == CaseStatus.WAITLISTED, client_visibility(actor, Case.client_id))
        .order_by(*WAITLIST_ORDER)
    )
    result = audit.audited_page(
        stmt, page, per_page, actor=actor, action="waitlist.read", record_type="case"
    )
    first = (page - 1) * per_page + 1
    entries = [WaitlistEntry(case, n) for n, case in enumerate(result["items"], start=first)]
    return {**result, "items": entries}
