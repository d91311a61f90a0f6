"""What a work-queue item is (`WorkItem`), the moment and rules it is judged at (`Window`),
the one column list every kind selects (`columns`), and who needs which kind (`NEEDS`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from auth.permissions import Permission
from core.clock import centre_today, centre_zone
from core.db import UTCDateTime, utcnow
from core.extensions import db
from work import rules
from work.rules import DEFAULT_RULES, QueueRules

#: most items of one kind in a queue (a clinician's flags and checks span the centre).
MAX_PER_KIND = 200

#: what each kind's record is, for the audit of what the queue shows (None: no client record).
RECORD_TYPES: dict[str, str | None] = {
    "session_today": None,
    "note_unsigned": "note",
    "session_without_note": "session_participant",
    "follow_up_due": "follow_up",
    "flag_unacknowledged": "flag",
    "taper_to_approve": "taper_plan",
    "withdrawal_check_due": "withdrawal_score",
    "plan_review_due": "treatment_plan",
    "consent_expiring": "consent",
}

#: who does each kind of work: the permission a role needs for it to be in their queue.
NEEDS: dict[str, Permission] = {
    "session_today": Permission.SESSION_WRITE,
    "note_unsigned": Permission.CLINICAL_RECORD_WRITE,
    "session_without_note": Permission.SESSION_WRITE,
    "follow_up_due": Permission.CLINICAL_RECORD_WRITE,
    "flag_unacknowledged": Permission.FLAG_ACKNOWLEDGE,
    "taper_to_approve": Permission.MEDICATION_WRITE,
    "withdrawal_check_due": Permission.CLINICAL_RECORD_WRITE,
    "plan_review_due": Permission.CLINICAL_RECORD_WRITE,
    "consent_expiring": Permission.CONSENT_READ,
}


@dataclass(frozen=True)
class WorkItem:
    """One thing to do: what, when it is due, whether that has passed, its record and page.
    `label` is what "My day" shows beside it (a note's or session's type, a flag's type, an
    instrument, a follow-up's days): never a name."""

    kind: str
    record_id: int
    due_at: datetime
    overdue: bool
    case_id: int | None
    client_id: int | None
    link: str
    due_on: date | None = None
    label: str | None = None

    @property
    def title(self) -> str:
        return rules.TITLES[self.kind]


@dataclass(frozen=True)
class Window:
    """The moment a queue is computed for, with the rules in force."""

    now: datetime
    today: date
    rules: QueueRules
    dialect: str

    @classmethod
    def current(cls, queue_rules: QueueRules = DEFAULT_RULES) -> Window:
        dialect = db.session.get_bind().dialect.name
        return cls(now=utcnow(), today=centre_today(), rules=queue_rules, dialect=dialect)

    @property
    def day_start(self) -> datetime:
        return datetime.combine(self.today, time.min, tzinfo=centre_zone())


def minutes(delta: timedelta) -> int:
    return int(delta / timedelta(minutes=1))


def columns(
    kind: str,
    record_id: Any,
    *,
    case_id: Any = None,
    client_id: Any = None,
    at: Any = None,
    due_on: Any = None,
    delay: Any = 0,
    label: Any = None,
) -> list[sa.ColumnElement[Any]]:
    """The columns every kind selects, typed alike so the SELECTs UNION on both databases:
    `at` (a timestamp the item is due `delay` minutes after) or `due_on` (a date)."""

    def typed(value: Any, type_: Any) -> Any:
        return sa.cast(sa.null(), type_) if value is None else value

    return [
        sa.literal_column(f"'{kind}'", sa.String).label("kind"),
        record_id.label("record_id"),
        typed(case_id, sa.Integer).label("case_id"),
        typed(client_id, sa.Integer).label("client_id"),
        typed(at, UTCDateTime()).label("due_base"),
        typed(due_on, sa.Date).label("due_on"),
        (sa.literal_column(str(delay), sa.Integer) if isinstance(delay, int) else delay).label(
            "delay"
        ),
        (sa.cast(label, sa.String) if label is not None else sa.cast(sa.null(), sa.String)).label(
            "label"
        ),
    ]
