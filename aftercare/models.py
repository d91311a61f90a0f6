"""Relapse-prevention (aftercare) plans with every version kept, and follow-ups after
discharge."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import register_client_of
from core.db import (
    Base,
    NeverDeleted,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    enum_column,
    utcnow,
)


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    AGREED = "agreed"


class FollowUpOutcome(enum.StrEnum):
    ABSTINENT = "abstinent"
    LAPSE = "lapse"  #: a single slip
    RELAPSE = "relapse"  #: a return to the old pattern
    UNREACHABLE = "unreachable"
    DECLINED = "declined"


class AftercarePlan(NeverDeleted, TimestampMixin, VersionedMixin, Base):
    """The case's current relapse-prevention plan; `version` counts saved versions, each
    copied to `aftercare_plan_versions`."""

    __tablename__ = "aftercare_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), unique=True)
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus), default=PlanStatus.DRAFT)
    #: goals, triggers, warning_signs, coping_strategies, support_contacts, support_groups,
    #: lapse_plan, crisis_plan, medication_plan (API.md "Aftercare").
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AftercarePlanVersion(NeverDeleted, Base):
    """An immutable copy of every saved version of a plan."""

    __tablename__ = "aftercare_plan_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("aftercare_plans.id"), index=True)
    version: Mapped[int]
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus))
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    saved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    __table_args__ = (sa.UniqueConstraint("plan_id", "version"),)


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
        sa.Index("ix_follow_ups_due_on", "due_on"),
        # Open follow-ups by assignee and due date: overdue lists and the caseload report.
        sa.Index(
            "ix_follow_ups_open_assigned_due",
            "assigned_to_id",
            "due_on",
            sqlite_where=sa.text("completed_at IS NULL"),
            postgresql_where=sa.text("completed_at IS NULL"),
        ),
    )


register_client_of("follow_up_id", lambda i: sa.select(FollowUp.client_id).where(FollowUp.id == i))
