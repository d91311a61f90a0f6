"""Calendar feed routes (API.md "Calendar feeds"): the subscription token and the iCalendar
feeds of a counsellor's sessions and of a case's sessions."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_login import current_user
from flask_smorest import Blueprint

from auth.credentials import resolve_credential
from auth.models import CredentialKind, User
from auth.permissions import (
    Permission,
    allowed,
    current_actor,
    permission_required,
    public,
)
from cases.episodes.models import client_of_case
from cases.episodes.service import get_case
from core.audit import finds_client
from core.errors import Unauthorized, not_found
from core.extensions import db
from scheduling.calendars import service as calendar
from scheduling.calendars.schemas import CalendarTokenSchema

#: Where the app is reached when the configuration does not say (core.config's default).


bp = Blueprint("calendars", __name__, url_prefix="/api/v1", description="Calendar feeds")


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
    token, url = calendar.issue_feed_token(current_actor())
    db.session.commit()
    return {"token": token, "feed_url": url}


@bp.delete("/auth/calendar-token")
@permission_required(Permission.OWN_CALENDAR)
@bp.response(204)
def revoke_calendar_token() -> Any:
    """Revoke your feed token: subscribed calendar programs get 401 from then on."""
    calendar.revoke_feed_token(current_actor())
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
        raise not_found("calendar")
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
@finds_client("case_id", client_of_case)
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
