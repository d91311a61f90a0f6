"""What `bench.load` reports: the database checked for double bookings the run made, and
the Markdown table of requests, errors, 409s and latency per endpoint."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from bench.load_runner import Outcome, Sample
from bench.load_workload import LABELS
from core.extensions import db
from scheduling.sessions.models import (
    ParticipantStatus,
    SessionParticipant,
    SessionStatus,
    TherapySession,
)


def double_bookings(app: Any, since: datetime) -> dict[str, int]:
    """Overlapping scheduled sessions of one facilitator or room, or booked participations
    of one client, involving a session created since `since` (the bookings of this run)."""
    a, b = aliased(TherapySession), aliased(TherapySession)
    pa, pb = aliased(SessionParticipant), aliased(SessionParticipant)
    scheduled = SessionStatus.SCHEDULED
    overlap = sa.and_(b.id != a.id, b.starts_at < a.ends_at, a.starts_at < b.ends_at)
    new = sa.and_(a.created_at >= since, a.status == scheduled, b.status == scheduled)
    pair = sa.select(sa.func.count()).select_from(a)
    found = {}
    with app.app_context():
        for kind, column in (("facilitator", "facilitator_id"), ("room", "room_id")):
            same = getattr(b, column) == getattr(a, column)
            stmt = pair.join(b, sa.and_(same, overlap)).where(new)
            found[kind] = db.session.execute(stmt).scalar_one()
        booked = ParticipantStatus.BOOKED
        stmt = (
            pair.join(pa, pa.session_id == a.id)
            .join(pb, sa.and_(pb.client_id == pa.client_id, pb.status == booked))
            .join(b, sa.and_(b.id == pb.session_id, overlap))
            .where(new, pa.status == booked)
        )
        found["client"] = db.session.execute(stmt).scalar_one()
        db.session.rollback()
    return found


# --- the table -------------------------------------------------------------------------------


def _percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(rank) - 1]


def table(outcome: Outcome) -> list[str]:
    """A Markdown table, ready to paste: one row per endpoint, then the totals."""
    by_label: dict[str, list[Sample]] = defaultdict(list)
    for s in outcome.samples:
        by_label[s.label].append(s)
    labels = [x for x in LABELS if x in by_label] + sorted(set(by_label) - set(LABELS))
    head = ("endpoint", "requests", "errors", "409", "p50 ms", "p95 ms", "max ms")
    rows = [head]

    def row(name: str, samples: list[Sample]) -> tuple[str, ...]:
        times = sorted(s.seconds * 1000 for s in samples)
        return (
            name,
            f"{len(samples):,}",
            f"{sum(s.error for s in samples):,}",
            f"{sum(s.status == 409 for s in samples):,}",
            f"{statistics.median(times):.1f}" if times else "-",
            f"{_percentile(times, 95):.1f}" if times else "-",
            f"{times[-1]:.1f}" if times else "-",
        )

    for label in labels:
        rows.append(row(label, by_label[label]))
    rows.append(row("**all**", outcome.samples))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = []
    for n, r in enumerate(rows):
        pairs = enumerate(zip(r, widths, strict=True))
        cells = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in pairs]
        lines.append("| " + " | ".join(cells) + " |")
        if n == 0:
            lines.append(
                "|"
                + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":" for i, w in
                           enumerate(widths))
                + "|"
            )  # fmt: skip
    return lines
