"""Follow-ups: the post-discharge contacts (7, 30 and 90 days by default) and their outcomes."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import (
    Base,
    NeverDeleted,
    UTCDateTime,
    VersionedMixin,
    enum_column,
    utcnow,
)


class FollowUpOutcome(enum.StrEnum):
    ABSTINENT = "abstinent"
    LAPSE = "lapse"  #: a single slip
    RELAPSE = "relapse"  #: a return to the old pattern
    UNREACHABLE = "unreachable"
    DECLINED = "declined"


class FollowUp(NeverDeleted, VersionedMixin, Base):
    """A contact due after discharge (+7, +30, +90 days by default). Its API status is
    derived: completed once `completed_at` is set, else overdue when `due_on` is before
    today in the centre's time zone, else due."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    offset_days: Mapped[int]
    due_on: Mapped[date]
    assigned_to_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[FollowUpOutcome | None] = mapped_column(enum_column(FollowUpOutcome))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.Index("ix_follow_ups_assigned_due", "assigned_to_id", "due_on"),
        # The follow-up list's order: its pages are read from the index, ids included, so a
        # later page's offset walks index entries only (migration 0018).
        sa.Index("ix_follow_ups_due_order", "due_on", "id"),
        # Open follow-ups by assignee and due date: overdue lists and the caseload report.
        sa.Index(
            "ix_follow_ups_open_assigned_due",
            "assigned_to_id",
            "due_on",
            sqlite_where=sa.text("completed_at IS NULL"),
            postgresql_where=sa.text("completed_at IS NULL"),
        ),
    )


def client_of_follow_up(follow_up_id: int) -> sa.Select[tuple[int]]:
    """The client a follow-up belongs to (for the audit of a refused request)."""
    return sa.select(FollowUp.client_id).where(FollowUp.id == follow_up_id)
