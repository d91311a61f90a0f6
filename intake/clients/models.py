"""Clients (the people the centre treats). Assessments and flags join them here."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from core.db import (
    Base,
    NeverDeleted,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    enum_column,
)
from intake.flags.models import SEVERITY_ORDER, Flag, FlagStatus, dual_diagnosis_clause


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


Client.dual_diagnosis = column_property(dual_diagnosis_clause(Client.id), deferred=False)

Client.active_flags = relationship(
    Flag,
    primaryjoin=sa.and_(Flag.client_id == Client.id, Flag.status == FlagStatus.ACTIVE),
    order_by=(SEVERITY_ORDER, Flag.raised_at, Flag.id),
    viewonly=True,
    lazy="selectin",
)
