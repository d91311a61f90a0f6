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

    #: the registry's order; the search's trigram and MRN-prefix indexes are PostgreSQL's
    #: alone and built on expressions, so they live in migration 0012 only (see below).
    __table_args__ = (sa.Index("ix_clients_name_order", "last_name", "first_name", "id"),)


Client.dual_diagnosis = column_property(
    dual_diagnosis_clause(Client.id, per_row=True), deferred=False
)

Client.active_flags = relationship(
    Flag,
    primaryjoin=sa.and_(Flag.client_id == Client.id, Flag.status == FlagStatus.ACTIVE),
    order_by=(SEVERITY_ORDER, Flag.raised_at, Flag.id),
    viewonly=True,
    lazy="selectin",
)


# The search expressions (`intake.clients.service.search_clients`), exactly as the indexes of
# migration 0012 are built on them: trigram (GIN) indexes on PostgreSQL serve a name part
# anywhere in the name, `text_pattern_ops` an MRN prefix. The separator is a literal, not a
# bound parameter, so the query's expression is the index's. SQLite scans (a small centre's
# database), with the same results.
_SPACE = sa.literal_column("' '")


def _joined(first: Any, second: Any) -> sa.ColumnElement[str]:
    concat = first.op("||", return_type=sa.String)(_SPACE).op("||", return_type=sa.String)
    return sa.func.lower(concat(second), type_=sa.String)


FIRST_LAST = _joined(Client.first_name, Client.last_name)
LAST_FIRST = _joined(Client.last_name, Client.first_name)
MRN_LOWER = sa.func.lower(Client.mrn, type_=sa.String)

#: indexes migration 0012 builds on PostgreSQL alone, on the expressions above (a model cannot
#: declare them for one dialect only; autogenerate comparisons leave them out).
POSTGRESQL_ONLY_INDEXES = frozenset(
    {"ix_clients_first_last_trgm", "ix_clients_last_first_trgm", "ix_clients_mrn_prefix"}
)
