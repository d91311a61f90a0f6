"""Cases (episodes of care), beds, care teams, level history, notes, treatment plans, taper
plans and withdrawal scores. Nothing here is ever deleted: records are discharged, signed,
superseded, cancelled or ended."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.rules import CaseStatus
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
from intake.models import Client

OPEN_STATUS_SQL = "status IN ('waitlisted', 'admitted', 'active')"


class Setting(enum.StrEnum):
    INPATIENT = "inpatient"
    OUTPATIENT = "outpatient"


class Bed(TimestampMixin, VersionedMixin, Base):
    __tablename__ = "beds"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit: Mapped[str] = mapped_column(sa.String(100))
    room: Mapped[str] = mapped_column(sa.String(100))
    label: Mapped[str] = mapped_column(sa.String(100))
    #: a bed taken out of service is kept (history) but never offered.
    active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (sa.UniqueConstraint("unit", "room", "label"),)


class Case(NeverDeleted, TimestampMixin, VersionedMixin, Base):
    """One episode of care for a client, from placement to discharge."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    #: the submitted assessment the placement was decided on.
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id"))
    level: Mapped[str] = mapped_column(sa.String(5))
    setting: Mapped[Setting] = mapped_column(enum_column(Setting))
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus), index=True)
    #: the assessment's recommendation at placement, and why the clinician chose otherwise.
    recommended_level: Mapped[str] = mapped_column(sa.String(5))
    override_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: copied from the assessment: waitlist priority.
    requires_urgent_review: Mapped[bool] = mapped_column(default=False)
    primary_counsellor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    bed_id: Mapped[int | None] = mapped_column(sa.ForeignKey("beds.id"))
    previous_case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    admitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: when the case joined the waitlist (its place in the queue).
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    discharged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    discharge_date: Mapped[date | None]
    discharge_reason: Mapped[str | None] = mapped_column(sa.String(30))
    discharge_summary: Mapped[str | None] = mapped_column(sa.Text)
    discharged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: set by a follow-up that found a relapse: the client should be offered a way back in.
    re_engagement_recommended: Mapped[bool] = mapped_column(default=False)

    bed: Mapped[Bed | None] = relationship(lazy="joined")
    care_team: Mapped[list[CareTeamMember]] = relationship(
        primaryjoin="and_(CareTeamMember.case_id == Case.id, CareTeamMember.removed_at.is_(None))",
        order_by="CareTeamMember.id",
        viewonly=True,
        lazy="selectin",
    )
    level_history: Mapped[list[LevelChange]] = relationship(
        order_by="LevelChange.id", viewonly=True, lazy="selectin"
    )

    __table_args__ = (
        # One open case per client, and one admitted case per bed, enforced by the database
        # (the last line of defence against racing requests).
        sa.Index(
            "uq_cases_open_client",
            "client_id",
            unique=True,
            sqlite_where=sa.text(OPEN_STATUS_SQL),
            postgresql_where=sa.text(OPEN_STATUS_SQL),
        ),
        sa.Index(
            "uq_cases_admitted_bed",
            "bed_id",
            unique=True,
            sqlite_where=sa.text("status = 'admitted'"),
            postgresql_where=sa.text("status = 'admitted'"),
        ),
    )

    @property
    def care_team_ids(self) -> list[int]:
        return [member.staff_id for member in self.care_team]


class CareTeamMember(NeverDeleted, Base):
    """Staff on a case besides the primary counsellor; removal ends the row."""

    __tablename__ = "care_team_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LevelChange(NeverDeleted, Base):
    """Every level a case has had, with why (placement is the first entry)."""

    __tablename__ = "level_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    from_level: Mapped[str | None] = mapped_column(sa.String(5))
    to_level: Mapped[str] = mapped_column(sa.String(5))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class NoteKind(enum.StrEnum):
    PROGRESS = "progress"
    DAP = "dap"
    SOAP = "soap"
    GROUP = "group"


class Note(NeverDeleted, TimestampMixin, VersionedMixin, Base):
    """A clinical note; signing locks it, after which only addenda may be added."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    kind: Mapped[NoteKind] = mapped_column(enum_column(NoteKind))
    #: `{text}` for progress and group, `{data, assessment, plan}` for DAP,
    #: `{subjective, objective, assessment, plan}` for SOAP.
    body: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    addenda: Mapped[list[NoteAddendum]] = relationship(
        order_by="NoteAddendum.id", viewonly=True, lazy="selectin"
    )


class NoteAddendum(NeverDeleted, Base):
    __tablename__ = "note_addenda"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(sa.ForeignKey("notes.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


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


class TaperStatus(enum.StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TaperPlan(NeverDeleted, TimestampMixin, VersionedMixin, Base):
    """A benzodiazepine taper computed by `cases.taper` (CLINICAL.md §6); a draft until a
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


class WithdrawalScore(NeverDeleted, Base):
    """One withdrawal-scale observation (CIWA-B, CIWA-Ar, COWS); a series per case."""

    __tablename__ = "withdrawal_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    instrument: Mapped[str] = mapped_column(sa.String(10))
    items: Mapped[list[int]] = mapped_column(sa.JSON)
    score: Mapped[int]
    band: Mapped[str] = mapped_column(sa.String(30))
    severe: Mapped[bool]
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    rule_version: Mapped[str] = mapped_column(sa.String(40))
    #: items that escalate whatever the total (CIWA-Ar hallucinations, disorientation).
    warning_signs: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    #: the total rose fast against the previous score on the same scale (CLINICAL.md §4).
    rising_fast: Mapped[bool | None]

    __table_args__ = (sa.Index("ix_withdrawal_scores_case_observed", "case_id", "observed_at"),)


#: The client's episodes of care, oldest first (shown on the client record).
Client.episodes = relationship(
    Case,
    primaryjoin=Case.client_id == Client.id,
    order_by=(Case.opened_at, Case.id),
    viewonly=True,
    lazy="selectin",
)


register_client_of("case_id", lambda i: sa.select(Case.client_id).where(Case.id == i))
register_client_of(
    "note_id",
    lambda i: sa.select(Case.client_id).join(Note, Note.case_id == Case.id).where(Note.id == i),
)
register_client_of(
    "plan_id",
    lambda i: (
        sa.select(Case.client_id)
        .join(TaperPlan, TaperPlan.case_id == Case.id)
        .where(TaperPlan.id == i)
    ),
)
