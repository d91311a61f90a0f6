"""Work queue and notification routes (API.md "Work queue and notifications"): anyone signed
in (`SELF`) reads their own queue and notifications; what is in them is caseload-filtered,
and a notification that is not the caller's own (or is about a client they no longer see)
answers 404."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from auth.permissions import Permission, current_actor, permission_required
from core.audit import finds_client
from core.db import utcnow
from core.extensions import db
from core.http import page_schema
from work import queue, service
from work.models import client_of_notification
from work.schemas import NotificationQuerySchema, NotificationSchema, WorkQueueSchema

bp = Blueprint("work", __name__, url_prefix="/api/v1", description="Work queue and notifications")


@bp.get("/me/work")
@permission_required(Permission.SELF)
@bp.response(200, WorkQueueSchema)
def my_work() -> Any:
    """What the signed-in user must do now, by kind (`session_today`, `note_unsigned`,
    `session_without_note`, `follow_up_due`, `flag_unacknowledged`, `taper_to_approve`,
    `withdrawal_check_due`, `plan_review_due`, `consent_expiring`), overdue first within a
    kind. Each item links to the web page it is done on. Caseload-filtered; every client
    record listed is audited."""
    as_of = utcnow()
    items = queue.work_queue(current_actor())
    db.session.commit()
    return {"as_of": as_of, "items": items}


@bp.get("/me/notifications")
@permission_required(Permission.SELF)
@bp.arguments(NotificationQuerySchema, location="query")
@bp.response(200, page_schema(NotificationSchema))
def my_notifications(args: dict[str, Any]) -> Any:
    """The signed-in user's notifications, newest first (`unread=true` for unread only).
    Those about a client the user may no longer see are never listed."""
    page = service.list_notifications(actor=current_actor(), **args)
    db.session.commit()
    return page


@bp.post("/notifications/<int:notification_id>/read")
@finds_client("notification_id", client_of_notification)
@permission_required(Permission.SELF)
@bp.response(200, NotificationSchema)
def read_notification(notification_id: int) -> Any:
    """Mark one of your own notifications read (404 for anyone else's)."""
    found = service.mark_read(notification_id, actor=current_actor())
    db.session.commit()
    return found
