"""Each person's work queue (API.md "Work queue and notifications"), computed in SQL.

Every kind of item (`work.rules` says when each is listed and due) is one SELECT of the same
columns; a person's queue is their UNION ALL, so the whole queue is **one query** however many
items it holds, plus one audit insert per record type shown (`core.audit.record_many`: every
client record listed is audited). Each SELECT carries the caseload check
(`auth.caseload.client_visibility`) and is only asked of roles that do that work.

The background sweep asks the same SELECTs centre-wide, joined to who is to be reminded (the
assignee of a follow-up; the staff whose caseload holds the client otherwise; and whoever
recorded a consent), in one query too (`due_reminders`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from auth.models import User
from auth.permissions import allowed
from core import audit
from core.clock import centre_zone
from core.extensions import db
from work import rules
from work.items import MAX_PER_KIND, NEEDS, RECORD_TYPES, Window, WorkItem
from work.kinds import QUEUE, SWEPT
from work.rules import KINDS

# --- one person's queue ------------------------------------------------------------------------


def _capped(stmt: sa.Select[Any]) -> sa.Select[Any]:
    """At most MAX_PER_KIND items of one kind, the earliest due first."""
    inner = stmt.order_by(sa.text("due_base"), sa.text("due_on"), sa.text("record_id"))
    sub = inner.limit(MAX_PER_KIND).subquery()
    return sa.select(*sub.c)


def _item(row: Any, w: Window) -> WorkItem:
    if row.due_on is not None:
        due_at = datetime.combine(row.due_on, time.min, tzinfo=centre_zone())
    else:
        due_at = row.due_base + timedelta(minutes=row.delay)
    return WorkItem(
        kind=row.kind,
        record_id=row.record_id,
        due_at=due_at,
        overdue=rules.overdue(row.kind, due_at=due_at, due_on=row.due_on, now=w.now, today=w.today),
        case_id=row.case_id,
        client_id=row.client_id,
        link=rules.link(
            row.kind, record_id=row.record_id, case_id=row.case_id, client_id=row.client_id
        ),
        due_on=row.due_on,
        label=row.label,
    )


def kinds_for(user: User) -> list[str]:
    """The kinds of work the user's role does."""
    return [kind for kind in KINDS if allowed(user.role, NEEDS[kind])]


def queue_items(user: User, window: Window | None = None) -> list[WorkItem]:
    """The user's work queue, unaudited (the digest counts it): one query, or none for a role
    without any of this work. Ordered by kind (`KINDS`), overdue first, then by due time."""
    w = window or Window.current()
    selects = [_capped(QUEUE[kind](w, user)) for kind in kinds_for(user)]
    if not selects:
        return []
    rows = db.session.execute(sa.union_all(*selects)).all()
    order = {kind: i for i, kind in enumerate(KINDS)}
    items = [_item(row, w) for row in rows]
    return sorted(items, key=lambda i: (order[i.kind], not i.overdue, i.due_at, i.record_id))


def audit_shown(items: Sequence[WorkItem], actor: User) -> None:
    """Every client record the queue shows, audited: one insert per record type."""
    by_type: dict[str, list[tuple[int, int | None]]] = {}
    for item in items:
        record_type = RECORD_TYPES[item.kind]
        if record_type is not None:
            by_type.setdefault(record_type, []).append((item.record_id, item.client_id))
    for record_type, rows in by_type.items():
        audit.record_many("work.list", actor=actor, record_type=record_type, rows=rows)


def work_queue(actor: User) -> list[WorkItem]:
    """The signed-in user's work queue, every client record in it audited."""
    items = queue_items(actor)
    audit_shown(items, actor)
    return items


# --- what the sweep reminds of -----------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    """A due item of a swept kind and one person to remind of it."""

    user_id: int
    item: WorkItem


def due_reminders(window: Window | None = None) -> list[Reminder]:
    """Every due item of the swept kinds with each person to remind, in one query (active
    staff only)."""
    w = window or Window.current()
    union = sa.union_all(*(SWEPT[kind](w, None) for kind in rules.SWEPT_KINDS)).subquery()
    stmt = (
        sa.select(union)
        .join(User, sa.and_(User.id == union.c.user_id, User.active))
        .order_by(union.c.user_id, union.c.kind, union.c.record_id)
    )
    return [Reminder(row.user_id, _item(row, w)) for row in db.session.execute(stmt)]
