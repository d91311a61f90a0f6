"""Who sees and who may change a therapy session (API.md "Who may change a session").

Seeing
- Everyone with `SESSION_READ` but counsellors sees every session. A counsellor sees the
  sessions they facilitate and those that book a client on their caseload.
- A counsellor never learns who else is booked: in every answer (JSON, calendar feeds,
  errors) they see only the participants on their own caseload, even in a session they
  facilitate; the rest are a count ("+2 others"), never ids or initials.
- Every response that shows sessions records one audit event per client shown (and one
  without a client for a session that shows none), so the accounting of a client's
  disclosures lists every read.

Changing
- Clinicians may change any session.
- A counsellor may edit or cancel only sessions they facilitate whose booked cases are
  all their own (403 otherwise: the session itself is visible to them); for a series,
  every occurrence the change reaches must qualify.
- A counsellor may add or withdraw their own cases, and record attendance for their own
  cases, in any session they can see.
- A case the caller may not see answers exactly like a case that does not exist: 422
  "No such case." at its place in a body, 404 in a path."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from auth.caseload import caseload_client_ids, client_visibility, is_caseload_scoped
from auth.models import User
from cases.episodes.models import Case
from core import audit
from core.errors import Forbidden, ValidationFailed, not_found
from core.extensions import db
from scheduling.sessions.models import ParticipantStatus, SessionParticipant, TherapySession

NO_SUCH_CASE = "No such case."


def visible_sessions(actor: User) -> sa.ColumnElement[bool]:
    """SQL predicate: sessions the actor may see (module docstring)."""
    if not is_caseload_scoped(actor):
        return sa.true()
    own_client = sa.exists().where(
        SessionParticipant.session_id == TherapySession.id,
        SessionParticipant.status == ParticipantStatus.BOOKED,
        SessionParticipant.client_id.in_(caseload_client_ids(actor.id)),
    )
    return sa.or_(TherapySession.facilitator_id == actor.id, own_client)


def own_client_ids(actor: User) -> frozenset[int] | None:
    """The clients the actor may see in a session, or None for every client."""
    if not is_caseload_scoped(actor):
        return None
    return frozenset(db.session.execute(caseload_client_ids(actor.id)).scalars())


def audit_session(
    action: str, session: TherapySession, actor: User, client_id: int | None = None
) -> None:
    audit.record(
        action,
        actor=actor,
        record_type="therapy_session",
        record_id=session.id,
        client_id=client_id,
    )


def audit_change(
    action: str, sessions: Sequence[TherapySession], actor: User, client_ids: dict[int, list[int]]
) -> None:
    """One event per session and client it books (`client_ids` by session id), or one
    without a client for a session that books none."""
    rows: list[tuple[int, int | None]] = []
    for session in sessions:
        rows += [(session.id, c) for c in client_ids.get(session.id, [])] or [(session.id, None)]
    audit.record_many(action, actor=actor, record_type="therapy_session", rows=rows)


def show_sessions(
    sessions: Iterable[TherapySession], actor: User, *, action: str | None = "session.read"
) -> None:
    """Set each session's `visible_participants` and `other_participant_count` for the
    actor, and audit every client shown under `action` (module docstring; None where the
    write being answered already audited exactly these clients, as a booking does)."""
    mine = own_client_ids(actor)
    rows: list[tuple[int, int | None]] = []
    for session in sessions:
        shown = [p for p in session.participants if mine is None or p.client_id in mine]
        session.visible_participants = shown
        session.other_participant_count = len(session.participants) - len(shown)
        rows += [(session.id, p.client_id) for p in shown] or [(session.id, None)]
    if action is not None:
        audit.record_many(action, actor=actor, record_type="therapy_session", rows=rows)


def require_may_manage(sessions: Sequence[TherapySession], actor: User) -> None:
    """403 unless the actor may edit or cancel every one of these sessions: a counsellor
    only those they facilitate whose booked cases are all on their caseload."""
    mine = own_client_ids(actor)
    if mine is None:
        return
    ids = [s.id for s in sessions]
    foreign = db.session.execute(
        sa.select(sa.func.count())
        .select_from(SessionParticipant)
        .where(
            SessionParticipant.session_id.in_(ids),
            SessionParticipant.status == ParticipantStatus.BOOKED,
            SessionParticipant.client_id.not_in(caseload_client_ids(actor.id)),
        )
    ).scalar_one()
    if foreign or any(s.facilitator_id != actor.id for s in sessions):
        raise Forbidden(
            "A counsellor may edit or cancel only sessions they facilitate whose booked "
            "cases are all on their caseload; ask a clinician."
        )


def visible_cases(case_ids: Iterable[int], actor: User) -> dict[int, Case]:
    """The cases among `case_ids` that exist and that the actor may see, by id."""
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        return {}
    stmt = sa.select(Case).where(Case.id.in_(ids), client_visibility(actor, Case.client_id))
    return {c.id: c for c in db.session.execute(stmt).unique().scalars()}


def cases_in_body(case_ids: Sequence[int], actor: User, field: str) -> list[Case]:
    """The cases a body names, in its order; 422 at the position of each one that does not
    exist or that the actor may not see (the two answer alike)."""
    found = visible_cases(case_ids, actor)
    missing = {str(i): [NO_SUCH_CASE] for i, cid in enumerate(case_ids) if cid not in found}
    if missing:
        raise ValidationFailed(NO_SUCH_CASE, errors={"json": {field: missing}})
    return [found[cid] for cid in dict.fromkeys(case_ids)]


def case_in_body(case_id: int, actor: User, field: str = "case_id") -> Case:
    """One case named by a body field (422 when missing or not visible)."""
    case = visible_cases([case_id], actor).get(case_id)
    if case is None:
        raise ValidationFailed(NO_SUCH_CASE, field=field)
    return case


def case_in_path(case_id: int, actor: User) -> Case:
    """One case named in the path (404 when missing or not visible)."""
    case = visible_cases([case_id], actor).get(case_id)
    if case is None:
        raise not_found("case")
    return case


def record_errors(errors: dict[int, str]) -> dict[str, Any]:
    """Field errors for `records[i].case_id`, in marshmallow's nesting."""
    return {"json": {"records": {str(i): {"case_id": [why]} for i, why in errors.items()}}}
