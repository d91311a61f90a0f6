"""Taking attendance for a whole session on one screen: each participant the caller may see
(a counsellor: their own caseload's clients) with attended / late / absent / excused, and one
submit — `service.record_attendance`, as `POST /api/v1/sessions/{id}/attendance` calls it
(409 before the session has started; corrections allowed). Participants left unmarked are
left as they were; at least one must be marked (the API's schema)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, request
from werkzeug.datastructures import MultiDict

from auth.permissions import Permission, current_actor
from core.errors import DomainError
from core.extensions import db
from scheduling.sessions import service as sessions
from scheduling.sessions.models import Attendance
from scheduling.sessions.schemas import AttendanceSchema
from web.calendar import bp, rooms, type_label
from web.calendar_forms import placed
from web.calendar_sessions import _back, shown_session
from web.forms import FormInvalid, domain_errors, flatten
from web.pages import render
from web.security import page

STATUS_LABELS = {
    Attendance.ATTENDED: "Attended",
    Attendance.LATE: "Late",
    Attendance.ABSENT: "Absent",
    Attendance.EXCUSED: "Excused",
}
NONE_MARKED = "Mark at least one participant."


def attendance_page(session_id: int, status: int = 200, **extra: Any) -> Response:
    """The attendance screen; `extra` carries a refused form back."""
    session, names = shown_session(session_id)
    room_names = {r.id: r.name for r in rooms()}
    if status < 400:
        db.session.commit()
    return render(
        "calendar/attendance.html",
        status,
        session=session,
        client_names=names,
        room_names=room_names,
        type_label=type_label,
        statuses=list(STATUS_LABELS.items()),
        form=extra.pop("form", None) or MultiDict(),
        **extra,
    )


@bp.get("/sessions/<int:session_id>/attendance")
@page(Permission.SESSION_WRITE)
def attendance(session_id: int) -> Response:
    """The attendance screen."""
    return attendance_page(session_id)


def _records(form: MultiDict) -> list[dict[str, Any]]:
    """`status.<case id>` inputs as the API's `records` (unmarked ones left out)."""
    records = []
    for name, value in form.items():
        if name.startswith("status.") and value:
            raw = name.removeprefix("status.")
            records.append({"case_id": int(raw) if raw.isdigit() else raw, "status": value})
    return records


def _loaded(form: MultiDict) -> list[dict[str, Any]]:
    """The records validated by the API's schema (FormInvalid when none is marked or one is bad)."""
    records = _records(form)
    if not records:
        raise FormInvalid({"_form": [NONE_MARKED]})
    try:
        return AttendanceSchema().load({"records": records})["records"]
    except ma.ValidationError as error:
        raise FormInvalid(placed(flatten(error.messages))) from error


@bp.post("/sessions/<int:session_id>/attendance")
@page(Permission.SESSION_WRITE)
def record(session_id: int) -> Response:
    """Save the whole session's attendance in one submit."""
    actor = current_actor()
    session = sessions.get_session(session_id, actor=actor, for_update=True)
    try:
        records = _loaded(request.form)
        sessions.record_attendance(session, records, actor=actor)
    except FormInvalid as invalid:
        db.session.rollback()
        return attendance_page(session_id, 422, errors=invalid.errors, form=request.form)
    except DomainError as error:
        if error.code == 404:
            raise
        db.session.rollback()
        errors = placed(domain_errors(error))
        return attendance_page(session_id, error.code, errors=errors, form=request.form)
    return _back(session_id, "attendance")
