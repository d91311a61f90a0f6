"""Screen 2: my day — what needs the signed-in person today, per role.

Every list is the caller's own or caseload-filtered (the services' visibility predicates), and
every client record shown is audited as the API's lists are. The counts are small by nature
(today, mine, unsigned), each list capped at `LIMIT` with a link to the full list.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response

from aftercare.follow_ups import service as follow_ups
from auth.models import Role, User
from auth.permissions import Permission, allowed, client_visibility, current_actor
from cases.episodes import service as episodes
from cases.episodes.models import Case
from cases.notes.models import Note
from cases.tapers.models import TaperPlan, TaperStatus
from core import audit
from core.clock import centre_today, centre_zone
from core.extensions import db
from intake.assessments.models import Assessment, AssessmentStatus
from intake.flags import service as flags
from scheduling.sessions import service as sessions
from web.pages import render
from web.security import page

bp = Blueprint("home", __name__)

LIMIT = 20


def _today_sessions(me: User) -> list[Any]:
    if not allowed(me.role, Permission.SESSION_READ):
        return []
    start = datetime.combine(centre_today(), time.min, tzinfo=centre_zone())
    stmt = sessions.list_sessions(
        actor=me, from_=start, to=start + timedelta(days=1), facilitator_id=me.id
    )
    return list(db.session.scalars(stmt.limit(LIMIT)))


def _shown_with_client(stmt: sa.Select, me: User, action: str, record_type: str) -> list[Any]:
    """Run `stmt` (selecting a record and its client id), audit what it shows, return the
    records."""
    rows = db.session.execute(stmt.limit(LIMIT)).all()
    audit.record_many(action, actor=me, record_type=record_type, rows=[(r.id, c) for r, c in rows])
    return [record for record, _ in rows]


def _unsigned_notes(me: User) -> list[Note]:
    if not allowed(me.role, Permission.CLINICAL_RECORD_WRITE):
        return []
    stmt = (
        sa.select(Note, Case.client_id)
        .join(Case, Case.id == Note.case_id)
        .where(Note.author_id == me.id, Note.signed_at.is_(None))
        .where(client_visibility(me, Case.client_id))
        .order_by(Note.created_at)
    )
    return _shown_with_client(stmt, me, "note.list", "note")


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


def _tapers_to_approve(me: User) -> list[TaperPlan]:
    if not allowed(me.role, Permission.MEDICATION_WRITE):
        return []
    stmt = (
        sa.select(TaperPlan, Case.client_id)
        .join(Case, Case.id == TaperPlan.case_id)
        .where(TaperPlan.status == TaperStatus.DRAFT)
        .where(client_visibility(me, Case.client_id))
        .order_by(TaperPlan.created_at)
    )
    return _shown_with_client(stmt, me, "taper_plan.list", "taper_plan")


def _follow_ups(me: User) -> list[Any]:
    """Mine, overdue first, then due (by due date)."""
    if not allowed(me.role, Permission.CLINICAL_RECORD_READ):
        return []
    found: list[Any] = []
    for status in ("overdue", "due"):
        found += follow_ups.list_follow_ups(
            actor=me, status=status, counsellor_id=me.id, page=1, per_page=LIMIT
        )["items"]
    return found[:LIMIT]


def _urgent_flags(me: User) -> list[Any]:
    """Urgent, unacknowledged, on what the caller may see (no total: my day shows the first
    `LIMIT` and links to the full list)."""
    if not allowed(me.role, Permission.CLIENT_READ):
        return []
    stmt = flags.list_flags(actor=me, status="active", severity="urgent", acknowledged=False)
    found = list(db.session.scalars(stmt.limit(LIMIT)))
    audit.record_many(
        "flag.list", actor=me, record_type="flag", rows=[(f.id, f.client_id) for f in found]
    )
    return found


def _waitlist(me: User) -> list[Any]:
    if me.role not in (Role.CLINICIAN, Role.MANAGER):
        return []
    return episodes.waitlist(actor=me, page=1, per_page=LIMIT)["items"]


def _lists(me: User) -> dict[str, Any]:
    return {
        "sessions": _today_sessions(me),
        "unsigned_notes": _unsigned_notes(me),
        "follow_ups": _follow_ups(me),
        "urgent_flags": _urgent_flags(me),
        "draft_assessments": _draft_assessments(me),
        "tapers_to_approve": _tapers_to_approve(me),
        "waitlist": _waitlist(me),
    }


@bp.get("/")
@page(None)
def my_day() -> Response:
    me = current_actor()
    lists = _lists(me)
    db.session.commit()
    return render("my_day.html", today=centre_today(), **lists)
