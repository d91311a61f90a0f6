"""The session page: details, who is booked (as the caller may see them), and the forms that
change a session — move it (this occurrence, or it and the rest of its series), cancel it
(with a reason, one occurrence or the rest), add a case or withdraw one (this occurrence or
the following ones). Each form posts to a route calling the service its API twin calls
(`PATCH /sessions/{id}` and `service.move_following`, `/cancel`, `/participants`,
`/participants/{case_id}/withdraw`); the service decides who may (403 page) and what clashes
(409, the conflicts in words beside the form), and a refused form changes nothing.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response, redirect, request, url_for

from auth.permissions import Permission, allowed, current_actor
from auth.staff import staff_names
from cases.episodes.models import client_of_case
from core.audit import finds_client
from core.db import utcnow
from core.errors import Conflict, DomainError, PreconditionFailed
from core.extensions import db
from intake.clients.models import Client
from scheduling.sessions import service as sessions
from scheduling.sessions.access import visible_cases
from scheduling.sessions.models import SessionStatus, TherapySession
from scheduling.sessions.schemas import (
    ParticipantAddSchema,
    ScopeSchema,
    SessionCancelSchema,
    SessionUpdateSchema,
)
from web.calendar import bp, rooms, type_label
from web.calendar_conflicts import described
from web.calendar_forms import placed, time_inputs, times
from web.forms import Errors, FormInvalid, domain_errors, form_is_current, load
from web.pages import render
from web.security import page

STALE = "The session was changed since you opened this page; check it and try again."
DONE = {
    "moved": "The session was moved.",
    "cancelled": "The session was cancelled.",
    "added": "The case was added.",
    "withdrawn": "The case was withdrawn.",
    "attendance": "Attendance was saved.",
    "booked": "The session was booked.",
}


def client_names(client_ids: set[int]) -> dict[int, str]:
    """The full names of clients the page shows (all of them in one query)."""
    if not client_ids:
        return {}
    stmt = sa.select(Client.id, Client.first_name, Client.last_name).where(
        Client.id.in_(client_ids)
    )
    return {cid: f"{first} {last}" for cid, first, last in db.session.execute(stmt)}


def shown_session(session_id: int) -> tuple[TherapySession, dict[int, str]]:
    """The session as the caller may see it (404 otherwise; audited as `session.read`),
    with the names of the clients shown."""
    actor = current_actor()
    session = sessions.get_session(session_id, actor=actor)
    sessions.show_sessions([session], actor)
    return session, client_names({p.client_id for p in session.visible_participants})


def series_of(session: TherapySession) -> dict[str, Any] | None:
    """The session's weekly series in brief (how many occurrences, the first and the last,
    how many cancelled), in one query; None for a single session."""
    if session.series_id is None:
        return None
    cancelled = sa.case((TherapySession.status == SessionStatus.CANCELLED, 1), else_=0)
    first, last = sa.func.min(TherapySession.starts_at), sa.func.max(TherapySession.starts_at)
    stmt = sa.select(sa.func.count(), first, last, sa.func.sum(cancelled)).where(
        TherapySession.series_id == session.series_id
    )
    count, first_at, last_at, cancelled_count = db.session.execute(stmt).one()
    return {"count": count, "first": first_at, "last": last_at, "cancelled": cancelled_count or 0}


def _offers(session: TherapySession) -> dict[str, Any]:
    """What the page offers to change, by role and the session's state (the services check
    again)."""
    actor = current_actor()
    writes = allowed(actor.role, Permission.SESSION_WRITE)
    open_ = session.status is SessionStatus.SCHEDULED
    future = open_ and session.starts_at > utcnow()
    cases = sessions.bookable_cases(actor=actor) if writes and future else []
    booked = {p.case_id for p in session.visible_participants}
    return {
        "may_change": writes and open_,
        "may_roster": writes and future,
        "may_attend": writes and open_ and not future,
        "case_options": [
            (c.id, f"{first} {last} · case {c.id}")
            for c, first, last in cases
            if c.id not in booked
        ],
    }


def session_page(session_id: int, status: int = 200, **extra: Any) -> Response:
    """The session page; `extra` carries a refused form back with the refusal's status."""
    session, names = shown_session(session_id)
    offers = _offers(session)
    all_rooms = rooms()
    staff = staff_names({session.facilitator_id})
    if status < 400:
        db.session.commit()
    return render(
        "calendar/session.html",
        status,
        session=session,
        series=series_of(session),
        client_names=names,
        staff_names=staff,
        room_names={r.id: r.name for r in all_rooms},
        room_options=[(r.id, r.name) for r in all_rooms if r.active],
        type_label=type_label,
        move_form=extra.pop("move_form", None) or time_inputs(session.starts_at, session.ends_at),
        done=DONE.get(request.args.get("done", "")),
        **offers,
        **extra,
    )


@bp.get("/sessions/<int:session_id>")
@page(Permission.SESSION_READ)
def show(session_id: int) -> Response:
    """The session page."""
    return session_page(session_id)


def _back(session_id: int, done: str) -> Response:
    """Commit and go back to the session page saying what was done (a fixed word, no data)."""
    db.session.commit()
    return redirect(url_for("web.calendar.show", session_id=session_id, done=done), 303)


def _lines(session: TherapySession, error: DomainError, room_id: Any, case_id: Any) -> list[str]:
    """A 409's conflicts in words: the session's clients, and the case being added, as the
    caller may see them."""
    actor = current_actor()
    room = next((r for r in rooms() if r.id == (room_id or session.room_id)), None)
    lead = staff_names({session.facilitator_id}).get(session.facilitator_id)
    booking = {p.client_id for p in session.participants}
    if case_id is not None:
        booking |= {c.client_id for c in visible_cases([case_id], actor).values()}
    return described(
        error.extra["conflicts"], actor=actor, facilitator=lead, room=room, client_ids=booking
    )


def _refused(session_id: int, form: str, error: DomainError, lines: list[str] | None = None):
    """A service's refusal beside `form`: 404 stays the 404 page; field errors, conflicts
    and other refusals (403, 409, 412) come back with their status."""
    if error.code == 404:
        raise error
    db.session.rollback()
    errors: Errors = placed(domain_errors(error)) if not lines else {}
    return session_page(
        session_id, error.code, **{f"{form}_errors": errors, f"{form}_lines": lines or []}
    )


def _move_changes(form: Any) -> dict[str, Any]:
    """The move form as the API's PATCH body (times, and the room, which may be "no room")."""
    errors: Errors = {}
    extra: dict[str, Any] = times(form, errors)
    if "room_id" in form and not form["room_id"].strip():
        extra["room_id"] = None
    try:
        changes = load(SessionUpdateSchema(), form, **extra)
    except FormInvalid as invalid:
        raise FormInvalid(placed({**invalid.errors, **errors})) from invalid
    if errors:
        raise FormInvalid(errors)
    return changes


@bp.post("/sessions/<int:session_id>/move")
@page(Permission.SESSION_WRITE)
def move(session_id: int) -> Response:
    """Move this occurrence (PATCH /sessions/{id}) or it and the following ones."""
    actor = current_actor()
    session = sessions.get_session(session_id, actor=actor, for_update=True)
    form = request.form
    try:
        changes = _move_changes(form)
        sessions.require_may_manage([session], actor)  # 403 before 412, as the API
        if not form_is_current(session, form):
            raise PreconditionFailed(STALE)
        if form.get("scope") == "following":
            sessions.move_following(session, changes, actor=actor)
        else:
            sessions.update_session(session, changes, actor=actor)
    except FormInvalid as invalid:
        db.session.rollback()
        return session_page(session_id, 422, move_errors=invalid.errors, move_form=form)
    except DomainError as error:
        lines = _conflicts(session, error, form.get("room_id"))
        if error.code != 404:
            return _refused_move(session_id, error, lines, form)
        raise
    return _back(session_id, "moved")


def _conflicts(
    session: TherapySession, error: DomainError, room_id: Any, case_id: Any = None
) -> list[str]:
    """A 409's conflicts in words, or [] for any other refusal."""
    if isinstance(error, Conflict) and error.extra.get("conflicts"):
        room = int(room_id) if room_id and str(room_id).isdigit() else None
        return _lines(session, error, room, case_id)
    return []


def _refused_move(session_id: int, error: DomainError, lines: list[str], form: Any) -> Response:
    """A refused move back on its form, with the values typed."""
    db.session.rollback()
    errors = {} if lines else placed(domain_errors(error))
    return session_page(
        session_id, error.code, move_errors=errors, move_lines=lines, move_form=form
    )


@bp.post("/sessions/<int:session_id>/cancel")
@page(Permission.SESSION_WRITE)
def cancel(session_id: int) -> Response:
    """Cancel this occurrence or the rest of the series (a reason is required)."""
    actor = current_actor()
    session = sessions.get_session(session_id, actor=actor, for_update=True)
    try:
        data = load(SessionCancelSchema(), request.form)
        sessions.cancel_session(session, data["reason"], data["scope"], actor=actor)
    except FormInvalid as invalid:
        db.session.rollback()
        return session_page(session_id, 422, cancel_errors=invalid.errors)
    except DomainError as error:
        return _refused(session_id, "cancel", error)
    return _back(session_id, "cancelled")


@bp.post("/sessions/<int:session_id>/participants")
@page(Permission.SESSION_WRITE)
def add(session_id: int) -> Response:
    """Add a case to this occurrence or to it and the following ones."""
    actor = current_actor()
    session = sessions.get_session(session_id, actor=actor, for_update=True)
    try:
        data = load(ParticipantAddSchema(), request.form)
        sessions.add_participant(session, data["case_id"], data["scope"], actor=actor)
    except FormInvalid as invalid:
        db.session.rollback()
        return session_page(session_id, 422, add_errors=invalid.errors)
    except DomainError as error:
        lines = _conflicts(session, error, None, data["case_id"])
        return _refused(session_id, "add", error, lines)
    return _back(session_id, "added")


@bp.post("/sessions/<int:session_id>/participants/<int:case_id>/withdraw")
@finds_client("case_id", client_of_case)
@page(Permission.SESSION_WRITE)
def withdraw(session_id: int, case_id: int) -> Response:
    """Withdraw a case from this occurrence or from it and the following ones."""
    actor = current_actor()
    session = sessions.get_session(session_id, actor=actor, for_update=True)
    try:
        data = load(ScopeSchema(), request.form)
        sessions.withdraw_participant(session, case_id, data["scope"], actor=actor)
    except FormInvalid as invalid:
        db.session.rollback()
        return session_page(session_id, 422, withdraw_errors=invalid.errors)
    except DomainError as error:
        return _refused(session_id, "withdraw", error)
    return _back(session_id, "withdrawn")
