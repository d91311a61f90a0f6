"""Taper plans: the schedule of a benzodiazepine (or other sedative) reduction, its status
and the rule version that drafted it."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from cases.episodes.models import Case
from core.db import (
    Base,
    NeverDeleted,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    enum_column,
)


class TaperStatus(enum.StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TaperPlan(NeverDeleted, TimestampMixin, VersionedMixin, Base):
    """A benzodiazepine taper computed by `cases.tapers.rules` (CLINICAL.md §6); a draft until a
    clinician approves it. Pausing and resuming shift the remaining step dates."""

    __tablename__ = "taper_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    status: Mapped[TaperStatus] = mapped_column(enum_column(TaperStatus), default=TaperStatus.DRAFT)
    #: the generic taken now; for a `from_assessment` plan the names of every drug, joined.
    medication: Mapped[str] = mapped_column(sa.String(200))
    #: the name as entered when it was a brand name (Xanax), else null.
    entered_name: Mapped[str | None] = mapped_column(sa.String(100))
    #: for a `from_assessment` plan the total diazepam equivalent, else the dose of `medication`.
    current_daily_dose_mg: Mapped[float]
    switch_to_diazepam: Mapped[bool]
    #: the intake assessment whose substances the plan was built from (`from_assessment`).
    from_assessment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assessments.id"))
    #: `[{medication, daily_dose_mg, diazepam_equivalent_mg}]`: what the client takes now.
    source_medications: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    #: the clinician confirmed a dose above the plausibility bound (CLINICAL.md §2).
    dose_confirmed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: days over which the switch to diazepam is staged (null without a switch, or version 1).
    crossover_days: Mapped[int | None]
    #: `[{date, original_mg, diazepam_mg, originals}]`, the dated stages of the switch.
    crossover: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    #: the clinician's diazepam start dose instead of the computed (or capped) one, and why.
    start_dose_mg: Mapped[float | None]
    start_dose_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: `[{code, message}]`: what the approver must weigh (an approval note is then required).
    cautions: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    approval_note: Mapped[str | None] = mapped_column(sa.Text)
    #: the equivalence table the doses were converted with.
    equivalence_table: Mapped[str] = mapped_column(
        sa.String(20), default="ashton", server_default="ashton"
    )
    reduction_percent: Mapped[float]
    interval_days: Mapped[int]
    start_date: Mapped[date]
    dose_increment_mg: Mapped[float]
    #: `[{date, daily_dose_mg, diazepam_equivalent_mg, tail}]`, steps[0] the starting dose.
    steps: Mapped[list[Any]] = mapped_column(sa.JSON)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    rule_version: Mapped[str] = mapped_column(sa.String(40))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the centre-local date the current pause began (resume shifts later steps by the gap).
    paused_on: Mapped[date | None]
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(sa.Text)


def client_of_taper_plan(plan_id: int) -> sa.Select[tuple[int]]:
    """The client a TaperPlan belongs to (for the audit of a refused request)."""
    return (
        sa.select(Case.client_id)
        .join(TaperPlan, TaperPlan.case_id == Case.id)
        .where(TaperPlan.id == plan_id)
    )
