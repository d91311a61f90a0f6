"""Therapy session, room and calendar routes (API.md "Therapy sessions")."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from auth.models import User
from auth.permissions import (
    Permission,
    current_actor,
    permission_required,
)
from cases.episodes.models import client_of_case
from core.audit import finds_client
from core.extensions import db
from core.http import PageArgsSchema, check_if_match, page_schema, paginate, set_etag
from scheduling.sessions import service
from scheduling.sessions.models import TherapySession
from scheduling.sessions.schemas import (
    AttendanceSchema,
    BookingSchema,
    CaseAttendanceSchema,
    ParticipantAddSchema,
    ScopeSchema,
    SessionActionSchema,
    SessionCancelSchema,
    SessionCreateSchema,
    SessionQuerySchema,
    SessionSchema,
    SessionUpdateSchema,
)

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
@finds_client("case_id", client_of_case)
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
@finds_client("case_id", client_of_case)
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
