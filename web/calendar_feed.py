"""The calendar subscription: a feed URL for the signed-in counsellor's or clinician's own
sessions, for calendar programs (which send no headers), and its revocation — the services
`POST/DELETE /api/v1/auth/calendar-token` call (`auth.service`: issuing revokes the previous
token). The URL carries the token, so it is shown once, on the page answering the post, and
never put in a link or a redirect; revoking makes subscribed programs get 401."""

from __future__ import annotations

from flask import Response

from auth.models import CredentialKind
from auth.permissions import Permission, current_actor
from auth.service import issue_credential, revoke_all
from core import audit
from core.extensions import db
from scheduling.calendars.views import _public_feed_url
from web.calendar import bp
from web.pages import render
from web.security import page


@bp.post("/calendar/subscription")
@page(Permission.OWN_CALENDAR)
def subscribe() -> Response:
    """A new feed URL (the previous one stops working)."""
    actor = current_actor()
    revoke_all(actor.id, kinds=[CredentialKind.CALENDAR])
    issued = issue_credential(actor, CredentialKind.CALENDAR, label="calendar feed")
    db.session.commit()
    return render("calendar/subscription.html", feed_url=_public_feed_url(actor.id, issued.secret))


@bp.post("/calendar/subscription/revoke")
@page(Permission.OWN_CALENDAR)
def revoke() -> Response:
    """Revoke the feed URL: calendar programs subscribed to it get nothing more."""
    actor = current_actor()
    revoke_all(actor.id, kinds=[CredentialKind.CALENDAR])
    audit.record("auth.calendar.revoke", actor=actor, record_type="user", record_id=actor.id)
    db.session.commit()
    return render("calendar/subscription.html", feed_url=None, revoked=True)
