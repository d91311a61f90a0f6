"""Therapy session, room and calendar routes (API.md "Therapy sessions")."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Response, current_app, request
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
from core.http import PageArgsSchema, check_if_match, page_schema, paginate, set_etag
from scheduling import calendar, service
from scheduling.models import TherapySession
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
    SessionActionSchema,
    SessionCancelSchema,
    SessionCreateSchema,
    SessionQuerySchema,
    SessionSchema,
    SessionUpdateSchema,
)

#: Where the app is reached when the configuration does not say (core.config's default).
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"

bp = Blueprint("sessions", __name__, url_prefix="/api/v1", description="Therapy sessions")


def _shown(
    session: TherapySession, actor: User, changed: list[TherapySession] | None = None
) -> TherapySession:
    """The session as the actor may see it (audited); after an action, with the ids of
    every session it changed."""
    service.show_sessions([session], actor)
    if changed is not None:
        session.affected_session_ids = [s.id for s in changed]
    return session


@bp.post("/sessions")
@permission_required(Permission.SESSION_WRITE)
@bp.arguments(SessionCreateSchema)
@bp.response(201, BookingSchema)
def book_session(data: dict[str, Any]) -> Any:
    """Book a session or a weekly series (`recurrence: {frequency: weekly, count | until}`,
    expanded in CENTRE_TIMEZONE so wall-clock times hold across DST). A clash of
    facilitator, client or room, or a group or room over capacity, is a 409 listing every
    conflict, and nothing is booked. Only admitted or active cases can be booked;
    counsellors book their own cases."""
    actor = current_actor()
    series_id, sessions = service.book_session(data, actor=actor)
    service.show_sessions(sessions, actor, action=None)  # audited as session.book
    db.session.commit()
    return {"series_id": series_id, "sessions": sessions}


@bp.get("/sessions")
@permission_required(Permission.SESSION_READ)
@bp.arguments(SessionQuerySchema, location="query")
@bp.response(200, page_schema(SessionSchema))
def list_sessions(args: dict[str, Any]) -> Any:
    """Sessions overlapping [from, to), by start time; `from` and `to` take a date (the
    start of that day in CENTRE_TIMEZONE) or a timestamp. Counsellors see sessions they
    facilitate or that book a client on their caseload, and only those clients."""
    actor = current_actor()
    filters = {k: v for k, v in args.items() if k not in ("page", "per_page")}
    page = paginate(service.list_sessions(actor=actor, **filters), args["page"], args["per_page"])
    service.show_sessions(page["items"], actor, action="session.list")
    db.session.commit()
    return page


@bp.get("/sessions/<int:session_id>")
@permission_required(Permission.SESSION_READ)
@bp.response(200, SessionSchema)
def get_session(session_id: int) -> Any:
    actor = current_actor()
    session = _shown(service.get_session(session_id, actor=actor), actor)
    db.session.commit()
    set_etag(session)
    return session


@bp.patch("/sessions/<int:session_id>")
@permission_required(Permission.SESSION_WRITE)
@bp.arguments(SessionUpdateSchema)
@bp.response(200, SessionSchema)
def update_session(data: dict[str, Any], session_id: int) -> Any:
    """Reschedule, re-staff or re-room one occurrence (If-Match); conflicts are 409. A
    counsellor may edit only sessions they facilitate whose booked cases are all theirs."""
    actor = current_actor()
    session = service.get_session(session_id, actor=actor, for_update=True)
    service.require_may_manage([session], actor)  # 403 before 428/412
    check_if_match(session)
    service.update_session(session, data, actor=actor)
    _shown(session, actor)
    db.session.commit()
    set_etag(session)
    return session


@bp.post("/sessions/<int:session_id>/participants")
@permission_required(Permission.SESSION_WRITE)
@bp.arguments(ParticipantAddSchema)
@bp.response(200, SessionActionSchema)
def add_participant(data: dict[str, Any], session_id: int) -> Any:
    """Add a case to this occurrence, or (`scope: following`) to it and every later one of
    its series, without recreating the series. Answers the session in the path, with
    `affected_session_ids`. Counsellors add their own cases."""
    actor = current_actor()
    session = service.get_session(session_id, actor=actor, for_update=True)
    changed = service.add_participant(session, data["case_id"], data["scope"], actor=actor)
    _shown(session, actor, changed)
    db.session.commit()
    set_etag(session)
    return session


@bp.post("/sessions/<int:session_id>/participants/<int:case_id>/withdraw")
@permission_required(Permission.SESSION_WRITE)
@bp.arguments(ScopeSchema)
@bp.response(200, SessionActionSchema)
def withdraw_participant(data: dict[str, Any], session_id: int, case_id: int) -> Any:
    """Withdraw a case from this occurrence or (`scope: following`) the rest of the series.
    Answers the session in the path, with `affected_session_ids`."""
    actor = current_actor()
    session = service.get_session(session_id, actor=actor, for_update=True)
    changed = service.withdraw_participant(session, case_id, data["scope"], actor=actor)
    _shown(session, actor, changed)
    db.session.commit()
    set_etag(session)
    return session


@bp.post("/sessions/<int:session_id>/attendance")
@permission_required(Permission.SESSION_WRITE)
@bp.arguments(AttendanceSchema)
@bp.response(200, SessionActionSchema)
def record_attendance(data: dict[str, Any], session_id: int) -> Any:
    """Attended, late, absent or excused per participant; 409 before the session starts.
    Counsellors record attendance for their own cases."""
    actor = current_actor()
    session = service.get_session(session_id, actor=actor, for_update=True)
    service.record_attendance(session, data["records"], actor=actor)
    _shown(session, actor, [session])
    db.session.commit()
    set_etag(session)
    return session


@bp.post("/sessions/<int:session_id>/cancel")
@permission_required(Permission.SESSION_WRITE)
@bp.arguments(SessionCancelSchema)
@bp.response(200, SessionActionSchema)
def cancel_session(data: dict[str, Any], session_id: int) -> Any:
    """Cancel this occurrence, or (`scope: following`) it and the rest of its series.
    Answers the session in the path, with `affected_session_ids`. A counsellor may cancel
    only sessions they facilitate whose booked cases are all theirs."""
    actor = current_actor()
    session = service.get_session(session_id, actor=actor, for_update=True)
    changed = service.cancel_session(session, data["reason"], data["scope"], actor=actor)
    _shown(session, actor, changed)
    db.session.commit()
    set_etag(session)
    return session


@bp.get("/cases/<int:case_id>/attendance")
@permission_required(Permission.SESSION_READ)
@bp.arguments(PageArgsSchema, location="query")
@bp.response(200, page_schema(CaseAttendanceSchema))
def case_attendance(args: dict[str, Any], case_id: int) -> Any:
    """The case's sessions and attendance, oldest first (part of the case record)."""
    page = service.case_attendance(
        case_id, actor=current_actor(), page=args["page"], per_page=args["per_page"]
    )
    db.session.commit()
    return page


@bp.get("/rooms")
@permission_required(Permission.FACILITY_READ)
@bp.arguments(PageArgsSchema, location="query")
@bp.response(200, page_schema(RoomSchema))
def list_rooms(args: dict[str, Any]) -> Any:
    """Therapy rooms by name."""
    return paginate(service.list_rooms(), args["page"], args["per_page"])


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


def _public_feed_url(staff_id: int, token: str) -> str:
    """The feed's absolute URL under the configured `PUBLIC_URL`, never the request's
    `Host` header (which a caller, or a proxy, controls)."""
    base = urlsplit(current_app.config.get("PUBLIC_URL") or DEFAULT_PUBLIC_URL)
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    values = {"staff_id": staff_id, "token": token}
    return adapter.build("sessions.staff_calendar", values, force_external=True)


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
    return {"token": issued.secret, "feed_url": _public_feed_url(actor.id, issued.secret)}


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
    body = calendar.staff_feed(staff_id, reader=reader)
    db.session.commit()
    return _ics(body, "sessions")


@bp.get("/cases/<int:case_id>/calendar.ics")
@permission_required(Permission.SESSION_READ)
@bp.response(200, content_type="text/calendar")
def case_calendar(case_id: int) -> Any:
    """A case's booked sessions as RFC 5545: the case's client's initials only, everyone
    else in a shared group as "+N others"."""
    actor = current_actor()
    case = get_case(case_id, actor=actor, action="calendar.case.read")
    body = calendar.case_feed(case, reader=actor)
    db.session.commit()
    return _ics(body, f"case-{case.id}")
