"""The calendar subscription: a feed URL for the signed-in counsellor's or clinician's own
sessions, for calendar programs (which send no headers), and its revocation — the services
`POST/DELETE /api/v1/auth/calendar-token` call (`auth.service`: issuing revokes the previous
token). The URL carries the token, so it is shown once, on the page answering the post, and
never put in a link or a redirect; revoking makes subscribed programs get 401."""

from __future__ import annotations

from flask import Response

from auth.permissions import Permission, current_actor
from core.extensions import db
from scheduling.calendars import service as calendar
from web.calendar import bp
from web.pages import render
from web.security import page


@bp.post("/calendar/subscription")
@page(Permission.OWN_CALENDAR)
def subscribe() -> Response:
    """A new feed URL (the previous one stops working)."""
    _token, url = calendar.issue_feed_token(current_actor())
    db.session.commit()
    return render("calendar/subscription.html", feed_url=url)


@bp.post("/calendar/subscription/revoke")
@page(Permission.OWN_CALENDAR)
def revoke() -> Response:
    """Revoke the feed URL: calendar programs subscribed to it get nothing more."""
    calendar.revoke_feed_token(current_actor())
    db.session.commit()
    return render("calendar/subscription.html", feed_url=None, revoked=True)
