"""Withdrawal scores (CIWA-B, CIWA-Ar, COWS) recorded on a case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import (
    Base,
    NeverDeleted,
    UTCDateTime,
    utcnow,
)


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
