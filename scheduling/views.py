"""Therapy session, room and calendar routes (API.md "Therapy sessions")."""

from __future__ import annotations

from typing import Any

from flask import Response, request, url_for
from flask_login import current_user
from flask_smorest import Blueprint

from auth.models import CredentialKind, User
from auth.permissions import (
    Permission,
    allowed,
    current_actor,
    permission_required,
    public,
)
from auth.service import issue_credential, resolve_credential, revoke_all
from cases.service import get_case
from core import audit
from core.errors import NotFound, Unauthorized
from core.extensions import db
from core.http import check_if_match, page_schema, paginate, set_etag
from scheduling import calendar, service
from scheduling.schemas import (
    AttendanceSchema,
    BookingSchema,
    CalendarTokenSchema,
    CaseAttendanceSchema,
    ParticipantAddSchema,
    RoomCreateSchema,
    RoomSchema,
    RoomUpdateSchema,
    ScopeSchema,
    SessionCancelSchema,
    SessionCreateSchema,
    SessionQuerySchema,
    SessionSchema,
    SessionUpdateSchema,
)

bp = Blueprint("sessions", __name__, url_prefix="/api/v1", description="Therapy sessions")


def _respond(sessions: list[Any], actor: User) -> list[Any]:
    service.show_participants(sessions, actor)
    return sessions


@bp.post("/sessions")
@permission_required(Permission.SESSION_WRITE)
@bp.arguments(SessionCreateSchema)
@bp.response(201, BookingSchema)
def book_session(data: dict[str, Any]) -> Any:
    """Book a session or a weekly series (`recurrence: {frequency: weekly, count | until}`,
    expanded in CENTRE_TIMEZONE so wall-clock times hold across DST). A clash of
    facilitator, client or room, or a group or room over capacity, is a 409 listing every
    conflict, and nothing is booked. Only admitted or active cases can be booked."""
    actor = current_actor()
    series_id, sessions = service.book_session(data, actor=actor)
    db.session.commit()
    return {"series_id": series_id, "sessions": _respond(sessions, actor)}


@bp.get("/sessions")
@permission_required(Permission.SESSION_READ)
@bp.arguments(SessionQuerySchema, location="query")
@bp.response(200, page_schema(SessionSchema))
def list_sessions(args: dict[str, Any]) -> Any:
    """Sessions overlapping [from, to), by start time. Counsellors see sessions they
    facilitate or that book a client on their caseload."""
    actor = current_actor()
    filters = {k: v for k, v in args.items() if k not in ("page", "per_page")}
    page = paginate(service.list_sessions(actor=actor, **filters), args["page"], args["per_page"])
    _respond(page["items"], actor)
    audit.record_many(
        "session.list",
        actor=actor,
        record_type="therapy_session",
        rows=[(s.id, None) for s in page["items"]],
    )
    db.session.commit()
    return page


@bp.get("/sessions/<int:session_id>")
@permission_required(Permission.SESSION_READ)
@bp.response(200, SessionSchema)
def get_session(session_id: int) -> Any:
    actor = current_actor()
    session = service.get_session(session_id, actor=actor)
    db.session.commit()
    set_etag(session)
    return _respond([session], actor)[0]


@bp.patch("/sessions/<int:session_id>")
@permission_required(Permission.SESSION_WRITE)
@bp.arguments(SessionUpdateSchema)
@bp.response(200, SessionSchema)
def update_session(data: dict[str, Any], session_id: int) -> Any:
    """Reschedule, re-staff or re-room one occurrence (If-Match); conflicts are 409."""
    actor = current_actor()
    session = service.get_session(session_id, actor=actor, for_update=True)
    check_if_match(session)
    service.update_session(session, data, actor=actor)
    db.session.commit()
    set_etag(session)
    return _respond([session], actor)[0]


@bp.post("/sessions/<int:session_id>/participants")
@permission_required(Permission.SESSION_WRITE)
@bp.arguments(ParticipantAddSchema)
@bp.response(200, SessionSchema(many=True))
def add_participant(data: dict[str, Any], session_id: int) -> Any:
    """Add a case to this occurrence, or (`scope: following`) to it and every later one of
    its series, without recreating the series. Returns the sessions changed."""
    actor = current_actor()
    session = service.get_session(session_id, actor=actor, for_update=True)
    changed = service.add_participant(session, data["case_id"], data["scope"], actor=actor)
    db.session.commit()
    return _respond(changed, actor)


@bp.post("/sessions/<int:session_id>/participants/<int:case_id>/withdraw")
@permission_required(Permission.SESSION_WRITE)
@bp.arguments(ScopeSchema)
@bp.response(200, SessionSchema(many=True))
def withdraw_participant(data: dict[str, Any], session_id: int, case_id: int) -> Any:
    """Withdraw a case from this occurrence or (`scope: following`) the rest of the series."""
    actor = current_actor()
    session = service.get_session(session_id, actor=actor, for_update=True)
    changed = service.withdraw_participant(session, case_id, data["scope"], actor=actor)
    db.session.commit()
    return _respond(changed, actor)


@bp.post("/sessions/<int:session_id>/attendance")
@permission_required(Permission.SESSION_WRITE)
@bp.arguments(AttendanceSchema)
@bp.response(200, SessionSchema)
def record_attendance(data: dict[str, Any], session_id: int) -> Any:
    """Attended, late, absent or excused per participant; 409 before the session starts."""
    actor = current_actor()
    session = service.get_session(session_id, actor=actor, for_update=True)
    service.record_attendance(session, data["records"], actor=actor)
    db.session.commit()
    set_etag(session)
    return _respond([session], actor)[0]


@bp.post("/sessions/<int:session_id>/cancel")
@permission_required(Permission.SESSION_WRITE)
@bp.arguments(SessionCancelSchema)
@bp.response(200, SessionSchema(many=True))
def cancel_session(data: dict[str, Any], session_id: int) -> Any:
    """Cancel this occurrence, or (`scope: following`) it and the rest of its series."""
    actor = current_actor()
    session = service.get_session(session_id, actor=actor, for_update=True)
    changed = service.cancel_session(session, data["reason"], data["scope"], actor=actor)
    db.session.commit()
    return _respond(changed, actor)


@bp.get("/cases/<int:case_id>/attendance")
@permission_required(Permission.SESSION_READ)
@bp.response(200, CaseAttendanceSchema(many=True))
def case_attendance(case_id: int) -> Any:
    """The case's sessions and attendance, oldest first (part of the case record)."""
    rows = service.case_attendance(case_id, actor=current_actor())
    db.session.commit()
    return rows


@bp.get("/rooms")
@permission_required(Permission.FACILITY_READ)
@bp.response(200, RoomSchema(many=True))
def list_rooms() -> Any:
    return list(db.session.execute(service.list_rooms()).scalars())


@bp.post("/rooms")
@permission_required(Permission.FACILITY_MANAGE)
@bp.arguments(RoomCreateSchema)
@bp.response(201, RoomSchema)
def create_room(data: dict[str, Any]) -> Any:
    room = service.create_room(data, actor=current_actor())
    db.session.commit()
    set_etag(room)
    return room


@bp.patch("/rooms/<int:room_id>")
@permission_required(Permission.FACILITY_MANAGE)
@bp.arguments(RoomUpdateSchema)
@bp.response(200, RoomSchema)
def update_room(data: dict[str, Any], room_id: int) -> Any:
    room = service.get_room(room_id)
    check_if_match(room)
    service.update_room(room, data, actor=current_actor())
    db.session.commit()
    set_etag(room)
    return room


# --- calendars ------------------------------------------------------------------------------


def _ics(body: bytes, name: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{name}.ics"'
    return response


@bp.post("/auth/calendar-token")
@permission_required(Permission.OWN_CALENDAR)
@bp.response(201, CalendarTokenSchema)
def issue_calendar_token() -> Any:
    """A feed token for your own calendar (`?token=` on your staff feed), for calendar
    programs that send no headers. Issuing one revokes the previous one."""
    actor = current_actor()
    revoke_all(actor.id, kinds=[CredentialKind.CALENDAR])
    issued = issue_credential(actor, CredentialKind.CALENDAR, label="calendar feed")
    db.session.commit()
    url = url_for("sessions.staff_calendar", staff_id=actor.id, token=issued.secret, _external=True)
    return {"token": issued.secret, "feed_url": url}


@bp.delete("/auth/calendar-token")
@permission_required(Permission.OWN_CALENDAR)
@bp.response(204)
def revoke_calendar_token() -> Any:
    """Revoke your feed token: subscribed calendar programs get 401 from then on."""
    actor = current_actor()
    revoke_all(actor.id, kinds=[CredentialKind.CALENDAR])
    audit.record("auth.calendar.revoke", actor=actor, record_type="user", record_id=actor.id)
    db.session.commit()
    return Response(status=204)


def _feed_reader(staff_id: int) -> User:
    """The feed's reader: the token's owner (`?token=`), or the signed-in staff member
    themself. Other people's feeds answer 404."""
    token = request.args.get("token")
    if token:
        credential = resolve_credential(token, {CredentialKind.CALENDAR})
        if credential is None:
            raise Unauthorized("The calendar token is not valid (revoked or unknown).")
        user = db.session.get(User, credential.user_id)
    elif current_user.is_authenticated:
        user = current_actor()
    else:
        raise Unauthorized("Authentication required.")
    if user.id != staff_id or not allowed(user.role, Permission.OWN_CALENDAR):
        raise NotFound("No such calendar.")
    return user


@bp.get("/staff/<int:staff_id>/calendar.ics")
@public
@bp.response(200, content_type="text/calendar")
def staff_calendar(staff_id: int) -> Any:
    """A staff member's own sessions as RFC 5545. Authenticates with `?token=` (a feed token
    from POST /auth/calendar-token) or the usual login."""
    reader = _feed_reader(staff_id)
    body = calendar.build_calendar("Therapy sessions", calendar.staff_sessions(staff_id))
    audit.record("calendar.staff.read", actor=reader, record_type="user", record_id=staff_id)
    db.session.commit()
    return _ics(body, "sessions")


@bp.get("/cases/<int:case_id>/calendar.ics")
@permission_required(Permission.SESSION_READ)
@bp.response(200, content_type="text/calendar")
def case_calendar(case_id: int) -> Any:
    """A case's booked sessions as RFC 5545 (client initials only)."""
    case = get_case(case_id, actor=current_actor(), action="calendar.case.read")
    body = calendar.build_calendar(f"Case {case.id} sessions", calendar.case_sessions(case.id))
    db.session.commit()
    return _ics(body, f"case-{case.id}")
