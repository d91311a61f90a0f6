"""The audit trail (screen 12, managers and admins): who did what to which record, newest
first, filtered by user, client record, action and dates — `GET /api/v1/audit-events`.

The query string holds ids, an action name and dates only. Its filters are validated by the
API's own `AuditQuerySchema` and served, paginated and audited, by
`core.audit_trail.read_events`; a date is read as the centre's day (`from` its start, `to`
through its end). Reading the trail is itself audited, as the API does. Events carry no
clinical content (the audit module sanitises them), only ids, action, outcome, field names.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Response, request

from auth import staff as staff_service
from auth.models import User
from auth.permissions import Permission, allowed, current_actor
from core.audit_trail import AuditQuerySchema, read_events
from core.clock import centre_zone
from core.extensions import db
from web.admin import NOTHING_FOUND, bp, listing, query_args
from web.audit_actions import KNOWN_ACTIONS
from web.forms import FormInvalid
from web.pages import render
from web.security import page

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day_start(raw: str | None, days_after: int = 0) -> str | None:
    """A date of the form as the timestamp starting that centre day (plus `days_after`
    days); anything else is left for the schema to judge (and name)."""
    if raw is None or not _DATE.fullmatch(raw.strip()):
        return None
    try:
        day = date.fromisoformat(raw.strip()) + timedelta(days=days_after)
    except (ValueError, OverflowError):
        return None
    return datetime.combine(day, time.min, tzinfo=centre_zone()).isoformat()


def audit_filters() -> dict[str, Any]:
    """The validated filters (FormInvalid naming the field when one is wrong)."""
    args = request.args
    return query_args(
        AuditQuerySchema(),
        **{"from": _day_start(args.get("from")), "to": _day_start(args.get("to"), 1)},
    )


def action_options(errors: Any) -> list[tuple[str, str]]:
    """The Action filter's choices: every known action (`web.audit_actions`, no query),
    and first the one asked for when it is a valid name the list lacks (a refused
    request's endpoint, say), so the page shows what it is filtered by."""
    asked = request.args.get("action", "").strip()
    options = [(name, name) for name in KNOWN_ACTIONS]
    if asked and asked not in KNOWN_ACTIONS and not (errors or {}).get("action"):
        options.insert(0, (asked, asked))
    return options


def _events(filters: dict[str, Any]) -> dict[str, Any]:
    """One page of the filtered trail, the reading audited as the API audits it."""
    return read_events(filters, actor=current_actor())


def _audit_page(status: int = 200, errors: Any = None) -> Response:
    """The trail page; with `errors` (bad filters) the form alone, naming the fields. The
    user filter offers every account, deactivated ones too (one query, which also names
    the users in the table); the action filter, the known action names."""
    found = NOTHING_FOUND
    if not errors:
        found = _events(audit_filters())
        db.session.commit()
    everyone = staff_service.list_staff(include_inactive=True)  # columns: hundreds of users
    staff = db.session.execute(everyone.with_only_columns(User.id, User.name, User.email)).all()
    return render(
        "admin/audit.html",
        status,
        **listing(found, errors),
        staff_options=[(row.id, f"{row.name} ({row.email})") for row in staff],
        staff_names={row.id: row.name for row in staff},
        action_options=action_options(errors),
        may_read_clients=allowed(current_actor().role, Permission.CLIENT_READ),
    )


@bp.get("/admin/audit", endpoint="audit")
@page(Permission.AUDIT_READ)
def audit_trail() -> Response:
    """The trail; bad filters are a 422 page naming each wrong field."""
    try:
        return _audit_page()
    except FormInvalid as invalid:
        return _audit_page(422, invalid.errors)
