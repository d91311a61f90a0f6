"""Intake assessments: draft sections saved as the interview goes, frozen on submit with
the rule results."""

from __future__ import annotations

import enum
from datetime import date, datetime
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
)


class AssessmentStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Assessment(NeverDeleted, TimestampMixin, VersionedMixin, Base):
    """A structured intake assessment: editable while a draft, frozen once submitted, when
    its `results` are computed by `intake.assessments.rules` (recording the rule version)."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    status: Mapped[AssessmentStatus] = mapped_column(
        enum_column(AssessmentStatus), default=AssessmentStatus.DRAFT
    )
    assessed_on: Mapped[date]
    #: the sections of API.md, stored as submitted (JSON-ready: dates as ISO strings).
    substances: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    dsm5: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    screenings: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    withdrawal_history: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    psychiatric_history: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    risk_factors: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    dimensions: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    goals: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    #: `{status: pregnant|not_pregnant|unknown, gestation_weeks?}` (rule version 2).
    pregnancy: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    #: computed on submit; read-only.
    results: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    rule_version: Mapped[str | None] = mapped_column(sa.String(40))
    #: copied out of `results` so SQL (dual diagnosis, placement, reports) can use them.
    use_disorder: Mapped[bool | None]
    physical_dependence: Mapped[bool | None]
    recommended_level: Mapped[str | None] = mapped_column(sa.String(5))
    requires_urgent_review: Mapped[bool | None]
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    #: my day's assessments in progress, newest first (migration 0014).
    __table_args__ = (
        sa.Index(
            "ix_assessments_drafts_updated",
            "updated_at",
            sqlite_where=sa.text("status = 'draft'"),
            postgresql_where=sa.text("status = 'draft'"),
        ),
    )

    SECTIONS = (
        "substances",
        "dsm5",
        "screenings",
        "withdrawal_history",
        "psychiatric_history",
        "risk_factors",
        "dimensions",
        "goals",
        "pregnancy",
    )

    def sections(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.SECTIONS}


def client_of_assessment(assessment_id: int) -> sa.Select[tuple[int]]:
    """The client an assessment belongs to (for the audit of a refused request)."""
    return sa.select(Assessment.client_id).where(Assessment.id == assessment_id)
