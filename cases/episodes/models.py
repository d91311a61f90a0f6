"""Cases (episodes of care), beds, care teams, level history, notes, treatment plans, taper
plans and withdrawal scores. Nothing here is ever deleted: records are discharged, signed,
superseded, cancelled or ended."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.episodes.rules import CaseStatus
from core.db import (
    Base,
    NeverDeleted,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    enum_column,
    utcnow,
)

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
        # The case list's order (newest first) and the outcome report's discharge window.
        sa.Index("ix_cases_opened_order", "opened_at", "id"),
        sa.Index("ix_cases_discharge_date", "discharge_date"),
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


def client_of_case(case_id: int) -> sa.Select[tuple[int]]:
    """The client a case belongs to (for the audit of a refused request)."""
    return sa.select(Case.client_id).where(Case.id == case_id)
