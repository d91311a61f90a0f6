"""Rooms therapy sessions are booked in (capacity, in service or not)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import (
    Base,
    TimestampMixin,
    VersionedMixin,
)


class Room(TimestampMixin, VersionedMixin, Base):
    """A therapy room (not a bed's room): sessions in it may not overlap, nor exceed its
    capacity."""

    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    capacity: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
