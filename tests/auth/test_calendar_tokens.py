"""Calendar feed tokens expire after CALENDAR_TOKEN_DAYS (a feed URL lives in calendar
programs and their sync logs, so it must not open the feed forever)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from auth.models import Credential, CredentialKind
from core.db import utcnow
from core.extensions import db


def feed(client, staff_id, token):
    url = f"/api/v1/staff/{staff_id}/calendar.ics"
    return client.get(url, query_string={"token": token}).status_code


def test_calendar_token_expires_after_the_configured_days(app, client, login_as, clock):
    counsellor = login_as("counsellor")
    issued = counsellor.post("/api/v1/auth/calendar-token")
    assert issued.status_code == 201, issued.get_json()
    token = issued.get_json()["token"]
    with app.app_context():
        expires_at = db.session.execute(
            sa.select(Credential.expires_at).where(
                Credential.user_id == counsellor.user_id,
                Credential.kind == CredentialKind.CALENDAR,
            )
        ).scalar_one()
    days = app.config["CALENDAR_TOKEN_DAYS"]
    assert abs(expires_at - (utcnow() + timedelta(days=days))) < timedelta(minutes=1)
    assert feed(client, counsellor.user_id, token) == 200

    clock.after(timedelta(days=days, minutes=1))
    assert feed(client, counsellor.user_id, token) == 401
