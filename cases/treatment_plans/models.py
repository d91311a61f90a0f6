"""The treatment plan of a case and its saved revisions."""

from __future__ import annotations

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
    utcnow,
)


class TreatmentPlan(NeverDeleted, TimestampMixin, VersionedMixin, Base):
    """The case's current treatment plan; every saved version is kept in revisions."""

    __tablename__ = "treatment_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), unique=True)
    #: problems → goals (target and review dates) → interventions.
    problems: Mapped[list[Any]] = mapped_column(sa.JSON)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class TreatmentPlanRevision(NeverDeleted, Base):
    """An immutable copy of each saved version of a treatment plan."""

    __tablename__ = "treatment_plan_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("treatment_plans.id"), index=True)
    version: Mapped[int]
    problems: Mapped[list[Any]] = mapped_column(sa.JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    saved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
