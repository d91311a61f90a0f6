"""Screen 7: the case page — header, timeline, notes, treatment plan, level history, level
change, reassignment, discharge, and the medication sections (`web.tapers`,
`web.withdrawal`).

Everything shown comes from the services the API calls, with their caseload filtering (a
case on another caseload is the same 404 page as an unknown id) and their audit. A section is
shown, and its forms offered, only to roles that may use it; the routes (in
`web.case_notes`, `web.case_plans`, `web.case_changes`, all on this blueprint) still check.
The page's query count does not grow with the number of notes: notes come as one page with
their addenda, and every staff name on the page in one query.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, request

from aftercare.follow_ups import service as follow_ups
from auth.models import Role, User
from auth.permissions import Permission, allowed, current_actor
from auth.staff import list_staff, staff_names
from cases.episodes import service as episodes
from cases.episodes.models import Case, client_of_case
from cases.episodes.rules import DISCHARGE_REASONS, CaseStatus
from cases.notes import service as notes
from cases.notes.models import NoteKind
from cases.notes.schemas import NOTE_BODY_SCHEMAS
from cases.treatment_plans import service as plans
from cases.treatment_plans.schemas import INTERVENTION_TYPES
from core.audit import finds_client
from core.clock import centre_today
from core.errors import NotFound
from core.extensions import db
from intake.assessments.placement import INPATIENT_LEVELS, LEVEL_NAMES, LEVELS
from intake.clients import service as clients
from web.pages import page_count, render
from web.security import page
from web.tapers import taper_section
from web.withdrawal import withdrawal_section

bp = Blueprint("cases", __name__)

NOTES_PER_PAGE = 50
PLAN_VERSIONS_SHOWN = 5
FOLLOW_UPS_SHOWN = 20

NOTE_KINDS = {
    NoteKind.PROGRESS: "Progress note",
    NoteKind.GROUP: "Group note",
    NoteKind.DAP: "DAP note",
    NoteKind.SOAP: "SOAP note",
    NoteKind.COUNSELLING: "Counselling note (kept apart, care team only)",
}
BODY_LABELS = {
    "text": "Note",
    "data": "Data",
    "assessment": "Assessment",
    "plan": "Plan",
    "subjective": "Subjective",
    "objective": "Objective",
}
DISCHARGE_LABELS = {
    "completed": "Completed treatment",
    "against_advice": "Left against advice",
    "transferred": "Transferred",
    "administrative": "Administrative",
}
INTERVENTION_LABELS = {"cbt": "CBT", "motivational_interviewing": "Motivational interviewing"}
MISSING_LABELS = {
    "aftercare_plan": "an aftercare plan: none has been written for this case yet",
    "aftercare_plan.status": "the aftercare plan agreed with the client: it is still a draft",
}


def intervention_label(kind: str) -> str:
    return INTERVENTION_LABELS.get(kind, kind.replace("_", " ").capitalize())


def level_label(level: str) -> str:
    return f"{level} — {LEVEL_NAMES.get(level, '')}".rstrip(" —")


def body_fields(kind: NoteKind) -> list[str]:
    """The body fields of a note kind, in the order its schema declares them."""
    return list(NOTE_BODY_SCHEMAS[kind]().fields)


def active_counsellors() -> list[sa.Row[tuple[int, str]]]:
    """Who may be a case's primary counsellor (the service checks again): `id` and `name` of
    each (columns, not users: a centre has hundreds of counsellors)."""
    stmt = list_staff(Role.COUNSELLOR, include_inactive=False)
    return list(db.session.execute(stmt.with_only_columns(User.id, User.name)))


def _current_plan(case: Case, actor: User) -> Any | None:
    try:
        return plans.get_treatment_plan(case.id, actor=actor)
    except NotFound:
        return None


def timeline(case: Case, shown_notes: list[Any], names: dict[int, str]) -> list[dict[str, Any]]:
    """What happened on the case, newest first: opening, admission, waitlisting, level
    changes, notes signed and discharge."""
    events: list[dict[str, Any]] = []

    def add(at: Any, text: str, anchor: str | None = None) -> None:
        if at is not None:
            events.append({"at": at, "text": text, "anchor": anchor})

    by = names.get
    placed = next((c for c in case.level_history if c.from_level is None), None)
    add(
        case.opened_at,
        f"Case opened at level {level_label(placed.to_level if placed else case.recommended_level)}"
        + (f" by {by(case.opened_by_id)}" if by(case.opened_by_id) else ""),
    )
    add(case.waitlisted_at, "Joined the waitlist for a bed")
    add(case.admitted_at, "Admitted to a bed")
    for change in (c for c in case.level_history if c.from_level is not None):
        add(
            change.changed_at,
            f"Level changed from {change.from_level} to {change.to_level}"
            + (f" by {by(change.changed_by_id)}" if by(change.changed_by_id) else ""),
            "levels",
        )
    for note in shown_notes:
        if note.signed_at is not None:
            signer = by(note.signed_by_id) or "staff"
            add(note.signed_at, f"{NOTE_KINDS[note.kind]} signed by {signer}", f"note-{note.id}")
    if case.discharged_at is not None:
        reason = DISCHARGE_LABELS.get(case.discharge_reason or "", case.discharge_reason)
        add(case.discharged_at, f"Discharged on {case.discharge_date} ({reason})", "discharge")
    return sorted(events, key=lambda e: e["at"], reverse=True)


def _page_number() -> int:
    raw = request.args.get("notes", "1")
    return max(int(raw), 1) if raw.isdigit() and len(raw) < 6 else 1


def _clinical(case: Case, actor: User) -> dict[str, Any]:
    """Notes, treatment plan and follow-ups (roles that read clinical records)."""
    if not allowed(actor.role, Permission.CLINICAL_RECORD_READ):
        return {"notes": [], "notes_total": 0, "plan": None, "plan_versions": None}
    found = notes.list_notes(case.id, actor=actor, page=_page_number(), per_page=NOTES_PER_PAGE)
    plan = _current_plan(case, actor)
    versions = (
        plans.list_treatment_plan_versions(
            case.id, actor=actor, page=1, per_page=PLAN_VERSIONS_SHOWN
        )
        if plan is not None
        else None
    )
    due = []
    if case.status is CaseStatus.DISCHARGED:
        due = follow_ups.list_follow_ups(
            actor=actor, case_id=case.id, page=1, per_page=FOLLOW_UPS_SHOWN
        )["items"]
    return {
        "notes": found["items"],
        "notes_total": found["total"],
        "notes_page": found["page"],
        "notes_pages": page_count(found),
        "plan": plan,
        "plan_versions": versions,
        "follow_ups": due,
    }


def _staff_on_page(case: Case, clinical: dict[str, Any]) -> list[int | None]:
    ids: list[int | None] = [
        case.primary_counsellor_id,
        case.opened_by_id,
        case.discharged_by_id,
        *case.care_team_ids,
        *(change.changed_by_id for change in case.level_history),
    ]
    for note in clinical["notes"]:
        ids += [note.author_id, note.signed_by_id, *(a.author_id for a in note.addenda)]
    if clinical["plan"] is not None:
        ids.append(clinical["plan"].updated_by_id)
    for version in (clinical["plan_versions"] or {}).get("items", []):
        ids.append(version.saved_by_id)
    ids += [f.assigned_to_id for f in clinical.get("follow_ups", [])]
    return ids


def case_page(case_id: int, status: int = 200, **extra: Any) -> Response:
    """The case page; `extra` carries a refused form back with the refusal's status."""
    actor = current_actor()
    case = episodes.get_case(case_id, actor=actor)
    client = clients.get_client(case.client_id, actor=actor, action="client.read_for_case")
    clinical = _clinical(case, actor)
    is_open = case.status is not CaseStatus.DISCHARGED
    counsellors = (
        active_counsellors() if is_open and allowed(actor.role, Permission.CASE_REASSIGN) else []
    )
    sections = {**taper_section(case, actor), **withdrawal_section(case, actor)}
    names = staff_names(_staff_on_page(case, clinical))
    names.update({c.id: c.name for c in counsellors})
    events = timeline(case, clinical["notes"], names)
    if status < 400:  # a refusal is rolled back, leaving one audit event (core.app)
        db.session.commit()
    write_kind = extra.pop("write_kind", None) or request.args.get("write", "progress")
    posted_plan = extra.pop("plan_rows", None)
    stored_plan = clinical["plan"].problems if clinical["plan"] is not None else []
    return render(
        "cases/show.html",
        status,
        case=case,
        client=client,
        is_open=is_open,
        names=names,
        events=events,
        counsellors=counsellors,
        write_kind=NoteKind(write_kind) if write_kind in set(NoteKind) else NoteKind.PROGRESS,
        plan_rows=case_plans.editor_rows(posted_plan if posted_plan is not None else stored_plan),
        level_options=[(lv, level_label(lv)) for lv in LEVELS if lv != case.level],
        may=lambda p: allowed(actor.role, Permission[p]),
        today=centre_today(),
        plan_label=case_plans.error_label,
        **_CHOICES,
        **clinical,
        **sections,
        **extra,
    )


#: What every case page offers its forms (labels and choices), the same for every case.
_CHOICES: dict[str, Any] = {
    "note_kinds": NOTE_KINDS,
    "body_fields": body_fields,
    "body_labels": BODY_LABELS,
    "level_label": level_label,
    "inpatient_levels": INPATIENT_LEVELS,
    "intervention_options": [(t, intervention_label(t)) for t in INTERVENTION_TYPES],
    "intervention_label": intervention_label,
    "co_signing_roles": notes.CO_SIGNING_ROLES,
    "discharge_options": [(r, DISCHARGE_LABELS.get(r, r)) for r in DISCHARGE_REASONS],
    "missing_labels": MISSING_LABELS,
    "discharge_label": lambda r: DISCHARGE_LABELS.get(r or "", r),
}


@bp.get("/cases/<int:case_id>")
@finds_client("case_id", client_of_case)
@page(Permission.CASE_READ)
def show(case_id: int) -> Response:
    return case_page(case_id)


# The case page's forms: their routes register on `bp` when these modules load.
from web import case_changes, case_notes, case_plans  # noqa: E402

__all__ = ["bp", "case_changes", "case_notes", "case_page", "case_plans"]
