"""Relapse-prevention (aftercare) plans with every version kept, and follow-ups after
discharge."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

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
