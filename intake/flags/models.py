"""Clinical flags (psychiatric, risk, withdrawal, aftercare) on a client, and the SQL form of
the dual-diagnosis rule."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

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
from intake.assessments.models import Assessment, AssessmentStatus


class FlagStatus(enum.StrEnum):
    ACTIVE = "active"
    RESOLVED = "resolved"


class FlagSeverity(enum.StrEnum):
    INFO = "info"
    WARNING = "warning"
    URGENT = "urgent"


#: the work queue's urgent flags nobody has acknowledged (migration 0014's partial index).
URGENT_UNACKNOWLEDGED = "status = 'active' AND severity = 'urgent' AND acknowledged_at IS NULL"


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
        sa.Index(
            "ix_flags_urgent_unacknowledged",
            "raised_at",
            sqlite_where=sa.text(URGENT_UNACKNOWLEDGED),
            postgresql_where=sa.text(URGENT_UNACKNOWLEDGED),
        ),
        sa.Index(
            "ix_flags_active_psychiatric",
            "client_id",
            sqlite_where=sa.text("status = 'active' AND category = 'psychiatric'"),
            postgresql_where=sa.text("status = 'active' AND category = 'psychiatric'"),
        ),
    )


#: urgent first, then warning, then info (SQL ordering for active flag lists).
SEVERITY_ORDER = sa.case(
    {FlagSeverity.URGENT.value: 0, FlagSeverity.WARNING.value: 1}, value=Flag.severity, else_=2
)
#: The cross-client flag list's order is read from `ix_flags_severity_order`, an index on
#: (SEVERITY_ORDER, raised_at, id) that migration 0015 builds from the expression's SQL; a
#: model cannot declare it so that autogenerate comparisons agree (they leave it out).
EXPRESSION_INDEXES = frozenset({"ix_flags_severity_order"})


def dual_diagnosis_clause(client_id: Any, *, per_row: bool = False) -> sa.ColumnElement[bool]:
    """CLINICAL.md §3, in SQL for the client whose id is `client_id`: at least one active
    psychiatric flag **and** the latest submitted assessment found a use disorder or
    physical dependence. Used by the client record and by the manager reports.

    `per_row` asks for the form a page of clients wants: the flag test as a scalar subquery,
    which PostgreSQL probes per row through `ix_flags_active_psychiatric` instead of hashing
    every psychiatric flag of the centre first (what it does with EXISTS when it expects many
    rows, as over a whole table; the reports keep that form)."""
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
    condition = (
        Flag.client_id == client_id,
        Flag.status == FlagStatus.ACTIVE,
        Flag.category == "psychiatric",
    )
    if per_row:
        first = sa.select(Flag.id).where(*condition).limit(1).scalar_subquery()
        psychiatric: sa.ColumnElement[bool] = first.is_not(None)
    else:
        psychiatric = sa.exists().where(*condition)
    return sa.and_(psychiatric, sa.func.coalesce(latest, sa.false()))


def client_of_flag(flag_id: int) -> sa.Select[tuple[int]]:
    """The client a flag belongs to (for the audit of a refused request)."""
    return sa.select(Flag.client_id).where(Flag.id == flag_id)
