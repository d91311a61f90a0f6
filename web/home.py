"""Screen 2: my day — the signed-in person's work queue (`work.queue`, the same one
`GET /api/v1/me/work` answers), grouped by kind, with their unread reminders.

Everything listed is the caller's own or caseload-filtered, and every client record shown is
audited, by the services that list it. Each item links to the page its work is done on, by
ids only (never a name). Beside the queue: assessments in progress and the waitlist for the
roles that work them, and the buttons to start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response

from auth.caseload import client_visibility
from auth.models import Role, User
from auth.permissions import Permission, allowed, current_actor
from cases.episodes import beds
from cases.withdrawal.rules import WITHDRAWAL_INSTRUMENTS
from core import audit
from core.clock import centre_today
from core.extensions import db
from intake.assessments.models import Assessment, AssessmentStatus
from web.pages import local, render
from web.security import page
from work import service as notifications
from work.items import WorkItem
from work.queue import work_queue
from work.rules import KINDS, REMINDER_TITLES, TITLES

bp = Blueprint("home", __name__)

#: most assessments, waitlist entries and reminders shown (the queue caps itself).
LIMIT = 20


@dataclass(frozen=True)
class Group:
    kind: str
    title: str
    items: list[WorkItem]

    @property
    def overdue(self) -> int:
        return sum(item.overdue for item in self.items)


def _words(value: str | None) -> str:
    return (value or "").replace("_", " ")


def describe(item: WorkItem) -> str:
    """What an item says on the page: its kind's words, the record's type and ids, when."""
    when = local(item.due_at, "%d %b %H:%M")
    day = item.due_on.strftime("%d %b") if item.due_on else when
    if item.kind == "session_today":
        return f"{local(item.due_at, '%H:%M')} {_words(item.label)} session"
    if item.kind == "note_unsigned":
        return f"{_words(item.label).capitalize()} note in case {item.case_id} · sign by {when}"
    if item.kind == "session_without_note":
        return f"{_words(item.label).capitalize()} session, case {item.case_id} · note by {when}"
    if item.kind == "follow_up_due":
        return f"{item.label}-day follow-up, case {item.case_id} · due {day}"
    if item.kind == "flag_unacknowledged":
        return f"{_words(item.label).capitalize()} · raised {when}"
    if item.kind == "taper_to_approve":
        return f"Taper plan in case {item.case_id} · approve by {when}"
    if item.kind == "withdrawal_check_due":
        scale = WITHDRAWAL_INSTRUMENTS.get(item.label or "")
        name = scale.label if scale else "Withdrawal"
        return f"{name} re-check, case {item.case_id} · due {when}"
    if item.kind == "plan_review_due":
        return f"Treatment plan of case {item.case_id} · review due {day}"
    return f"Consent of client {item.client_id} · expires {day}"


def groups_of(items: list[WorkItem]) -> list[Group]:
    """The queue by kind, in the queue's order, empty kinds left out."""
    by_kind: dict[str, list[WorkItem]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    return [Group(kind, TITLES[kind], by_kind[kind]) for kind in KINDS if kind in by_kind]


def _draft_assessments(me: User) -> list[Assessment]:
    if not allowed(me.role, Permission.ASSESSMENT_WRITE):
        return []
    stmt = (
        sa.select(Assessment)
        .where(Assessment.status == AssessmentStatus.DRAFT)
        .where(client_visibility(me, Assessment.client_id))
        .order_by(Assessment.updated_at.desc())
        .limit(LIMIT)
    )
    found = list(db.session.scalars(stmt))
    audit.record_many(
        "assessment.list",
        actor=me,
        record_type="assessment",
        rows=[(a.id, a.client_id) for a in found],
    )
    return found


def _waitlist(me: User) -> list[Any]:
    if me.role not in (Role.CLINICIAN, Role.MANAGER):
        return []
    return beds.waitlist(actor=me, page=1, per_page=LIMIT)["items"]


@bp.get("/")
@page(None)
def my_day() -> Response:
    me = current_actor()
    items = work_queue(me)
    reminders = notifications.list_notifications(actor=me, page=1, per_page=LIMIT, unread=True)
    context = {
        "groups": groups_of(items),
        "total": len(items),
        "overdue": sum(item.overdue for item in items),
        "reminder_titles": REMINDER_TITLES,
        "reminders": reminders,
        "draft_assessments": _draft_assessments(me),
        "waitlist": _waitlist(me),
    }
    db.session.commit()
    return render("my_day.html", today=centre_today(), describe=describe, **context)
