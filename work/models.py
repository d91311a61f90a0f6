"""In-app notifications: the reminders one staff member gets from the work queue.

The background worker's sweep (`work.tasks.sweep`) writes them for the work queue's due items
(follow-ups due, withdrawal checks due, treatment-plan reviews, consents expiring), and an
urgent flag writes them at once (`work.service.notify_urgent_flag`). Each carries an
`idempotency_key` saying which reminder it is (user, kind, record, due date), unique in the
table, so a lost or repeated sweep never loses or duplicates a reminder. A notification about a
client the user may no longer see (the case was reassigned) stays stored but is never shown.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, enum_column, utcnow


class NotificationKind(enum.StrEnum):
    """The work-queue kinds a notification can be about (API.md "Work queue")."""

    FOLLOW_UP_DUE = "follow_up_due"
    WITHDRAWAL_CHECK_DUE = "withdrawal_check_due"
    PLAN_REVIEW_DUE = "plan_review_due"
    CONSENT_EXPIRING = "consent_expiring"
    FLAG_UNACKNOWLEDGED = "flag_unacknowledged"


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: who it is for.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    #: the client and case the record belongs to (the read-time caseload check uses the
    #: client), and the record's own id (a follow-up, score, plan, consent or flag).
    client_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clients.id"))
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"))
    record_id: Mapped[int]
    #: when the reminded work is (was) due.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the web page it opens (ids only, e.g. `/cases/12#follow-ups`).
    link: Mapped[str] = mapped_column(sa.String(200))
    #: `user:kind:record:due date` (an urgent flag: its finding), unique: written once.
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (sa.Index("ix_notifications_user_created", "user_id", "created_at"),)


def client_of_notification(notification_id: int) -> sa.Select[tuple[int | None]]:
    """The client a notification is about (for the audit of a refused request)."""
    return sa.select(Notification.client_id).where(Notification.id == notification_id)
