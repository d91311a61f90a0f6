"""The calendar subscription from the week view: a feed URL for my own sessions, shown once
on the page answering the post (never in a link), which the feed accepts until revoked."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit


def _feed_path(html):
    url = unescape(re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', html).group(1))
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_subscribe_then_revoke(app, sign_in):
    me = sign_in("counsellor")
    assert 'action="/calendar/subscription"' in me.get("/calendar").get_data(as_text=True)

    answer = me.post("/calendar/subscription")

    assert answer.status_code == 200
    path = _feed_path(answer.get_data(as_text=True))
    assert path.startswith(f"/api/v1/staff/{me.user_id}/calendar.ics?token=")
    anonymous = app.test_client()
    feed = anonymous.get(path)
    assert feed.status_code == 200 and b"BEGIN:VCALENDAR" in feed.data

    newer = _feed_path(me.post("/calendar/subscription").get_data(as_text=True))
    assert anonymous.get(path).status_code == 401  # a new link replaces the old one
    revoked = me.post("/calendar/subscription/revoke")
    assert revoked.status_code == 200 and 'id="revoked"' in revoked.get_data(as_text=True)
    assert anonymous.get(newer).status_code == 401


def test_a_manager_has_no_subscription(sign_in):
    manager = sign_in("manager")
    assert 'action="/calendar/subscription"' not in manager.get("/calendar").get_data(as_text=True)
    assert manager.post("/calendar/subscription").status_code == 403
