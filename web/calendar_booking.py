"""Booking a session from the calendar: type, date, start and length, room, facilitator,
cases, family members, weekly recurrence (a count or an end date).

As the form is filled in, htmx posts it to `/calendar/conflicts`, which runs
`service.booking_conflicts` — the validation and the `find_conflicts` of `book_session`
itself, without booking — and shows plainly who or what clashes and when. The submit books
through `service.book_session`, as `POST /api/v1/sessions` does; its 409 is the same list in
the same words, beside the form, and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, request, url_for
from werkzeug.datastructures import MultiDict

from auth.models import User
from auth.permissions import Permission, current_actor
from auth.staff import staff_names
from core.clock import centre_today
from core.errors import Conflict, DomainError
from core.extensions import db
from scheduling.rooms.models import Room
from scheduling.sessions import service as sessions
from scheduling.sessions.access import visible_cases
from scheduling.sessions.models import SessionType
from scheduling.sessions.schemas import RecurrenceSchema, SessionCreateSchema
from web.calendar import bp, facilitators, rooms, type_label
from web.calendar_conflicts import described
from web.calendar_forms import placed, times
from web.forms import Errors, FormInvalid, domain_errors, form_data, load
from web.pages import render
from web.security import page

FAMILY_ROWS = 3
DEFAULTS = {"type": "group", "start_time": "10:00", "duration_minutes": "60", "repeat": "none"}


def _family(form: MultiDict) -> list[dict[str, str]]:
    """The family member rows filled in (a half-filled row goes to the schema, which
    names the missing half)."""
    rows = []
    for n in range(FAMILY_ROWS):
        name = form.get(f"family_members.{n}.name", "").strip()
        relationship = form.get(f"family_members.{n}.relationship", "").strip()
        if name or relationship:
            rows.append({"name": name, "relationship": relationship})
    return rows


def _recurrence(form: MultiDict) -> dict[str, Any] | None:
    """The weekly recurrence asked for, or None for a single session."""
    if form.get("repeat") != "weekly":
        return None
    return {"frequency": "weekly", **form_data(RecurrenceSchema(), form, "recurrence.")}


def booking(form: MultiDict) -> dict[str, Any]:
    """The booking the form stands for, validated by the API's schema (FormInvalid with
    every error, keyed by the input it belongs to)."""
    errors: Errors = {}
    extra: dict[str, Any] = {"recurrence": _recurrence(form), **times(form, errors)}
    family = _family(form)
    if family:
        extra["family_members"] = family
    if "case_ids" not in form:
        extra["case_ids"] = []
    try:
        data = load(SessionCreateSchema(), form, **extra)
    except FormInvalid as invalid:
        raise FormInvalid(placed({**invalid.errors, **errors})) from invalid
    if errors:
        raise FormInvalid(errors)
    return data


def conflict_lines(data: dict[str, Any], conflicts: list[dict[str, Any]]) -> list[str]:
    """A booking's conflicts in words, naming its facilitator, room and chosen clients."""
    lead = staff_names({data["facilitator_id"]}).get(data["facilitator_id"])
    room = db.session.get(Room, data["room_id"]) if data.get("room_id") else None
    actor = current_actor()
    cases = visible_cases(data["case_ids"], actor)
    chosen = {case.client_id for case in cases.values()}
    return described(conflicts, actor=actor, facilitator=lead, room=room, client_ids=chosen)


def _choices(actor: User) -> dict[str, Any]:
    """The form's pickers: types, facilitators, rooms in service, and the cases the actor
    may book (audited)."""
    cases = sessions.bookable_cases(actor=actor)
    return {
        "type_options": [(t.value, type_label(t)) for t in SessionType],
        "staff_options": [(u.id, u.name) for u in facilitators()],
        "room_options": [(r.id, f"{r.name} (up to {r.capacity})") for r in rooms() if r.active],
        "case_options": [(c.id, f"{first} {last} · case {c.id}") for c, first, last in cases],
        "family_rows": FAMILY_ROWS,
    }


def booking_form(status: int = 200, **extra: Any) -> Response:
    """The booking form (a refused one with its values, errors and conflicts)."""
    actor = current_actor()
    choices = _choices(actor)
    if status < 400:
        db.session.commit()
    default = {**DEFAULTS, "facilitator_id": str(actor.id), "day": _day_arg()}
    form = extra.pop("form", None) or MultiDict(default)
    return render("calendar/book.html", status, form=form, **choices, **extra)


def _day_arg() -> str:
    """The date the form starts on: `?day=` from the week view, or today."""
    raw = request.args.get("day", "")
    return raw if len(raw) == 10 and raw[4] == "-" else centre_today().isoformat()


@bp.get("/calendar/book")
@page(Permission.SESSION_WRITE)
def book_form() -> Response:
    """The empty booking form."""
    return booking_form()


def _check(form: MultiDict) -> dict[str, Any]:
    """What the conflict check shows for a form: errors still to fix, or the conflicts."""
    try:
        data = booking(form)
        conflicts = sessions.booking_conflicts(data, actor=current_actor())
    except FormInvalid as invalid:
        return {"incomplete": invalid.errors}
    except DomainError as error:
        if error.code == 404:
            raise
        return {"refused": domain_errors(error)}
    return {"lines": conflict_lines(data, conflicts), "checked": True}


@bp.post("/calendar/conflicts")
@page(Permission.SESSION_WRITE)
def conflicts() -> Response:
    """The live conflict check (htmx): always 200 so htmx shows it; saves nothing."""
    found = _check(request.form)
    db.session.rollback()
    return render("calendar/_conflicts.html", **found)


@bp.post("/calendar/book")
@page(Permission.SESSION_WRITE)
def book() -> Response:
    """Book (as POST /api/v1/sessions); a refusal comes back on the form, nothing saved."""
    actor = current_actor()
    try:
        data = booking(request.form)
        _, booked = sessions.book_session(data, actor=actor)
    except FormInvalid as invalid:
        db.session.rollback()
        return booking_form(422, form=request.form, errors=invalid.errors)
    except DomainError as error:
        if error.code == 404:
            raise
        return _refused(error, request.form)
    sessions.show_sessions(booked, actor, action=None)  # audited as session.book
    db.session.commit()
    return redirect(url_for("web.calendar.show", session_id=booked[0].id, done="booked"), 303)


def _refused(error: DomainError, form: MultiDict) -> Response:
    """A refused booking back on the form: a 409's conflicts in words, other refusals
    beside their fields."""
    found = error.extra.get("conflicts") if isinstance(error, Conflict) else None
    if found:
        lines = conflict_lines(booking(form), found)
        db.session.rollback()
        return booking_form(409, form=form, lines=lines, checked=True)
    db.session.rollback()
    return booking_form(error.code, form=form, errors=placed(domain_errors(error)))
