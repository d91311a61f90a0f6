"""Notifications: written by the sweep from the work queue's due items and by urgent flags at
once, listed and marked read by the one they are for.

Writing is idempotent: each notification's `idempotency_key` names the reminder (user, kind,
record, due date; an urgent flag's finding), unique in the table, and rows are inserted with
`INSERT ... ON CONFLICT DO NOTHING` (SQLite and PostgreSQL alike), so a sweep that runs twice,
or a lost one followed by the next, leaves each reminder exactly once.

Reading filters at read time: a notification about a client the reader may no longer see (the
case was reassigned, the aftercare ended) is never shown, nor can it be marked read (404).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from auth.caseload import client_visibility
from auth.models import CaseloadMembership, Role, User
from core import audit
from core.db import utcnow
from core.extensions import db
from core.http import one_or_404
from intake.flags.models import Flag
from work import queue, rules
from work.items import Window, WorkItem
from work.models import Notification, NotificationKind

#: rows per INSERT (ten parameters each: well under either database's limit).
BATCH = 500


def _insert_new(rows: Sequence[dict[str, Any]]) -> int:
    """Insert the notifications whose key is not yet taken; the number inserted."""
    if not rows:
        return 0
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    created = 0
    for start in range(0, len(rows), BATCH):
        stmt = insert(Notification).values(list(rows[start : start + BATCH]))
        stmt = stmt.on_conflict_do_nothing(index_elements=["idempotency_key"])
        created += db.session.execute(stmt).rowcount
    return created


def _row(user_id: int, item: WorkItem, due: date | str, now: datetime) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "kind": NotificationKind(item.kind),
        "client_id": item.client_id,
        "case_id": item.case_id,
        "record_id": item.record_id,
        "due_at": item.due_at,
        "link": item.link,
        "idempotency_key": rules.idempotency_key(user_id, item.kind, item.record_id, due),
        "created_at": now,
        "read_at": None,
    }


def sweep(window: Window | None = None) -> int:
    """Turn every due item of the swept kinds into a notification for each person to remind
    (once: see the module docstring). Two statements however many: the due items, then the
    insert (per BATCH rows). Returns how many notifications are new."""
    reminders = queue.due_reminders(window)
    now = utcnow()
    rows = {}
    for reminder in reminders:
        item = reminder.item
        row = _row(reminder.user_id, item, item.due_on or item.due_at.date(), now)
        rows[row["idempotency_key"]] = row
    return _insert_new(list(rows.values()))


# --- urgent flags, at once ----------------------------------------------------------------------


def _flag_recipients(client_id: int, actor_id: int | None) -> list[int]:
    """Who hears of an urgent flag at once: the staff whose caseload holds the client, and
    every active clinician (they see every client); not the one who raised it."""
    now = utcnow()
    ended = CaseloadMembership.ended_at
    members = sa.select(CaseloadMembership.staff_id.label("user_id")).where(
        CaseloadMembership.client_id == client_id, sa.or_(ended.is_(None), ended > now)
    )
    clinicians = sa.select(User.id.label("user_id")).where(User.role == Role.CLINICIAN)
    both = sa.union(members, clinicians).subquery()
    stmt = sa.select(User.id).join(both, both.c.user_id == User.id).where(User.active)
    if actor_id is not None:
        stmt = stmt.where(User.id != actor_id)
    return list(db.session.scalars(stmt.order_by(User.id)))


def notify_urgent_flag(flag: Flag, actor: Any) -> int:
    """An urgent finding was raised (or re-alerted) on `flag`: notify at once, in the same
    transaction. Keyed by the finding (its place in the flag's history), so a re-alert
    notifies again and nothing else does twice."""
    finding = f"finding-{len(flag.history or [])}"
    item = WorkItem(
        kind="flag_unacknowledged",
        record_id=flag.id,
        due_at=utcnow(),
        overdue=False,
        case_id=None,
        client_id=flag.client_id,
        link=rules.link(
            "flag_unacknowledged", record_id=flag.id, case_id=None, client_id=flag.client_id
        ),
    )
    now = utcnow()
    recipients = _flag_recipients(flag.client_id, getattr(actor, "id", None))
    return _insert_new([_row(user_id, item, finding, now) for user_id in recipients])


# --- reading -----------------------------------------------------------------------------------


def _visible(actor: User) -> sa.ColumnElement[bool]:
    """Mine, and about a client I may still see (or none)."""
    return sa.and_(
        Notification.user_id == actor.id,
        sa.or_(Notification.client_id.is_(None), client_visibility(actor, Notification.client_id)),
    )


def list_notifications(
    *, actor: User, page: int, per_page: int, unread: bool | None = None
) -> dict[str, Any]:
    """A page of the actor's notifications, newest first, each shown audited."""
    stmt = sa.select(Notification).where(_visible(actor))
    if unread is not None:
        column = Notification.read_at
        stmt = stmt.where(column.is_(None) if unread else column.is_not(None))
    stmt = stmt.order_by(Notification.created_at.desc(), Notification.id.desc())
    return audit.audited_page(
        stmt, page, per_page, actor=actor, action="notification.list", record_type="notification"
    )


def mark_read(notification_id: int, *, actor: User) -> Notification:
    """Mark one of the actor's own notifications read (404 for anyone else's, or one about
    a client the actor no longer sees); marking it again keeps the first time."""
    found: Notification = one_or_404(
        sa.select(Notification).where(Notification.id == notification_id, _visible(actor)),
        "notification",
        for_update=Notification,
    )
    if found.read_at is None:
        found.read_at = utcnow()
        db.session.flush()
    audit.record(
        "notification.read",
        actor=actor,
        record_type="notification",
        record_id=found.id,
        client_id=found.client_id,
    )
    return found


# --- the daily digest ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Digest:
    """What one person's digest says: counts per kind and how many are overdue."""

    user_id: int
    email: str
    counts: dict[str, int]
    overdue: int

    def text(self, url: str) -> str:
        return rules.digest_text(self.counts, self.overdue, url)


def digests(users: Iterable[User] | None = None) -> list[Digest]:
    """A digest for every active user with work in their queue (one query each)."""
    if users is None:
        users = db.session.scalars(sa.select(User).where(User.active).order_by(User.id))
    window = Window.current()
    found = []
    for user in users:
        items = queue.queue_items(user, window)
        if items:
            counts = Counter(item.kind for item in items)
            overdue = sum(item.overdue for item in items)
            found.append(Digest(user.id, user.email, dict(counts), overdue))
    return found
