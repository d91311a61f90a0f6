"""Date arithmetic that differs between PostgreSQL and SQLite, for the report queries."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.extensions import db


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def as_date(timestamp: Any) -> sa.ColumnElement[Any]:
    """The calendar date (UTC) of a timestamp column."""
    return sa.func.date(timestamp) if _sqlite() else sa.cast(timestamp, sa.Date)


def plus_days(date_column: Any, days: int) -> sa.ColumnElement[Any]:
    if _sqlite():
        return sa.func.date(date_column, f"+{days} days")
    return date_column + sa.literal(days)


def days_between(later: Any, earlier: Any) -> sa.ColumnElement[Any]:
    """Whole days from `earlier` to `later` (both dates)."""
    if _sqlite():
        return sa.func.julianday(later) - sa.func.julianday(earlier)
    return later - earlier
