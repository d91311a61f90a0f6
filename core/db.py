"""Declarative base, column types (UTC timestamps, enums as checked strings) and mixins shared
by every domain's models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from core import clock

#: Constraint names are deterministic so migrations can drop and alter them by name on
#: both SQLite (batch mode) and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (`core.clock.now`). Used as a *callable*
    default."""
    return clock.now()


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    PostgreSQL keeps the offset (timestamptz); SQLite keeps text without one, so values are
    normalised to UTC on the way in and tagged as UTC on the way out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC timestamp column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    """`created_at` and `updated_at`, set by the application with callable defaults."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class VersionedMixin:
    """Optimistic concurrency: `version` is bumped on every UPDATE and checked in its WHERE.

    A concurrent writer that read an older version gets `StaleDataError`, mapped to 412; the
    HTTP layer also compares `If-Match` with the version before any change is made.
    """

    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


class NeverDeleted:
    """Marks clinical records: they are archived, resolved, signed, cancelled or superseded,
    never deleted. `refuse_deletes` makes a flush that would delete one fail."""


class RecordDeletionError(RuntimeError):
    """Code tried to delete a record that must never be deleted."""


def refuse_deletes(session: Any, _flush_context: Any, _instances: Any) -> None:
    doomed = [obj for obj in session.deleted if isinstance(obj, NeverDeleted)]
    if doomed:
        names = ", ".join(sorted({type(obj).__name__ for obj in doomed}))
        raise RecordDeletionError(f"Clinical records are never deleted ({names}).")


def enum_column(enum_cls: type[enum.Enum], length: int = 30) -> sa.Enum:
    """Enums are stored as their lower-case values in a VARCHAR with a CHECK constraint."""
    return sa.Enum(
        enum_cls,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        create_constraint=True,
        length=length,
        name=enum_cls.__name__.lower(),
        validate_strings=True,
    )
