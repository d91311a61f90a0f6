"""Clients (the people the centre treats). Assessments and flags join them here."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

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


class Sex(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    INTERSEX = "intersex"
    UNKNOWN = "unknown"


class ClientStatus(enum.StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class Client(NeverDeleted, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: medical record number, derived from the id with a check digit; set in the same
    #: transaction as the insert (so never null once committed).
    mrn: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    #: indexed: duplicate detection and search narrow by birth date first.
    date_of_birth: Mapped[date] = mapped_column(index=True)
    #: sex recorded for clinical scoring (AUDIT-C cut-offs); gender identity is separate.
    sex: Mapped[Sex] = mapped_column(enum_column(Sex), default=Sex.UNKNOWN)
    gender_identity: Mapped[str | None] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    address: Mapped[str | None] = mapped_column(sa.String(500))
    #: `{name, relationship, phone}`
    emergency_contact: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    referral_source: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[ClientStatus] = mapped_column(
        enum_column(ClientStatus), default=ClientStatus.ACTIVE
    )
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    archive_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: why a client matching an existing one's name and birth date was registered anyway.
    duplicate_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class AssessmentStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class FlagStatus(enum.StrEnum):
    ACTIVE = "active"
    RESOLVED = "resolved"


class FlagSeverity(enum.StrEnum):
    INFO = "info"
    WARNING = "warning"
    URGENT = "urgent"


class Assessment(NeverDeleted, TimestampMixin, VersionedMixin, Base):
    """A structured intake assessment: editable while a draft, frozen once submitted, when
    its `results` are computed by `intake.rules` (recording the rule version)."""

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


class Flag(NeverDeleted, VersionedMixin, Base):
    """A clinical flag on a client (CLINICAL.md §3), tracked until a clinician resolves it.

    At most one *active* flag per client and type (a partial unique index); a new finding
    of an active type raises that flag's severity instead of duplicating it."""

    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    type: Mapped[str] = mapped_column(sa.String(40))
    category: Mapped[str] = mapped_column(sa.String(20))
    severity: Mapped[FlagSeverity] = mapped_column(enum_column(FlagSeverity))
    status: Mapped[FlagStatus] = mapped_column(enum_column(FlagStatus), default=FlagStatus.ACTIVE)
    #: screening | history | manual | withdrawal_score | follow_up (and what raised it)
    source_kind: Mapped[str] = mapped_column(sa.String(30))
    source_instrument: Mapped[str | None] = mapped_column(sa.String(30))
    source_score: Mapped[float | None]
    source_assessment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assessments.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    #: `[{at, source, severity, note}]`, one entry per finding, oldest first (rule version 2);
    #: every urgent finding also clears the acknowledgement (re-alert).
    history: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    raised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolution_reason: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (
        sa.Index(
            "uq_flags_active_type",
            "client_id",
            "type",
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        ),
        sa.Index("ix_flags_status_severity", "status", "severity"),
    )


#: urgent first, then warning, then info (SQL ordering for active flag lists).
SEVERITY_ORDER = sa.case(
    {FlagSeverity.URGENT.value: 0, FlagSeverity.WARNING.value: 1}, value=Flag.severity, else_=2
)


def dual_diagnosis_clause(client_id: Any) -> sa.ColumnElement[bool]:
    """CLINICAL.md §3, in SQL for the client whose id is `client_id`: at least one active
    psychiatric flag **and** the latest submitted assessment found a use disorder or
    physical dependence. Used by the client record and by the manager reports."""
    latest = (
        sa.select(sa.or_(Assessment.use_disorder, Assessment.physical_dependence))
        .where(
            Assessment.client_id == client_id,
            Assessment.status == AssessmentStatus.SUBMITTED,
        )
        .order_by(
            Assessment.assessed_on.desc(), Assessment.submitted_at.desc(), Assessment.id.desc()
        )
        .limit(1)
        .scalar_subquery()
    )
    psychiatric = sa.exists().where(
        Flag.client_id == client_id,
        Flag.status == FlagStatus.ACTIVE,
        Flag.category == "psychiatric",
    )
    return sa.and_(psychiatric, sa.func.coalesce(latest, sa.false()))


Client.dual_diagnosis = column_property(dual_diagnosis_clause(Client.id), deferred=False)

Client.active_flags = relationship(
    Flag,
    primaryjoin=sa.and_(Flag.client_id == Client.id, Flag.status == FlagStatus.ACTIVE),
    order_by=(SEVERITY_ORDER, Flag.raised_at, Flag.id),
    viewonly=True,
    lazy="selectin",
)


register_client_of(
    "assessment_id", lambda i: sa.select(Assessment.client_id).where(Assessment.id == i)
)
register_client_of("flag_id", lambda i: sa.select(Flag.client_id).where(Flag.id == i))
