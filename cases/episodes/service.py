"""Placement and case management: opening a case from a submitted assessment (recorded on
the day or up to 30 days late), the waitlist, level changes, care teams and discharge. Beds
and the bed board are `cases.episodes.beds`.

Concurrency: state changes lock the case row first (PostgreSQL); on SQLite every transaction
is `BEGIN IMMEDIATE` (core.extensions), so writers are serialised. Partial unique indexes (one
open case per client, one admitted case per bed) back both up."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from auth.caseload import client_visibility
from auth.credentials import RecordRead
from auth.models import MembershipKind, Role, User
from auth.service import end_caseload, grant_caseload
from cases.episodes import rules
from cases.episodes.beds import (
    admit,
    claim_free_bed,
    free_bed_and_admit_next,
    join_waitlist,
    place_inpatient,
)
from cases.episodes.models import CareTeamMember, Case, LevelChange, Setting
from cases.episodes.rules import CaseStatus
from core import audit
from core.clock import centre_date, centre_today, start_of_centre_day
from core.db import utcnow
from core.errors import Conflict, InvalidTransition, ValidationFailed
from core.extensions import db
from intake.assessments.models import Assessment, AssessmentStatus
from intake.assessments.placement import INPATIENT_LEVELS, setting_for_level
from intake.clients.service import get_client

CASE_STAFF_ROLES = frozenset({Role.COUNSELLOR, Role.CLINICIAN})


def _audit(action: str, case: Case, actor: User | None, **detail: Any) -> None:
    audit.record(
        action,
        actor=actor,
        record_type="case",
        record_id=case.id,
        client_id=case.client_id,
        detail=detail or None,
    )


# --- reading ----------------------------------------------------------------------------------


#: A case as its page and `GET /cases/{id}` show it: with its care team and level history in
#: the same statement (not two more selects); read with the credential on a GET.
CASE_READ = RecordRead(
    "case_id",
    Case,
    Case.client_id,
    options=(joinedload(Case.care_team), joinedload(Case.level_history)),
)


def get_case(
    case_id: int, *, actor: User, action: str = "case.read", for_update: bool = False
) -> Case:
    """A case the actor may see (404 otherwise). `for_update` locks its row (PostgreSQL).
    A GET of the case has read it with its credential already (`CASE_READ`)."""
    case = CASE_READ.one(case_id, actor, "case", for_update=for_update)
    _audit(action, case, actor)
    return case


def list_cases(
    *,
    actor: User,
    status: CaseStatus | None = None,
    setting: Setting | None = None,
    counsellor_id: int | None = None,
    client_id: int | None = None,
    re_engagement_recommended: bool | None = None,
) -> sa.Select[tuple[Case]]:
    stmt = sa.select(Case).where(client_visibility(actor, Case.client_id))
    if re_engagement_recommended is not None:
        stmt = stmt.where(Case.re_engagement_recommended.is_(re_engagement_recommended))
    if status is not None:
        stmt = stmt.where(Case.status == status)
    if setting is not None:
        stmt = stmt.where(Case.setting == setting)
    if counsellor_id is not None:
        stmt = stmt.where(Case.primary_counsellor_id == counsellor_id)
    if client_id is not None:
        stmt = stmt.where(Case.client_id == client_id)
    return stmt.order_by(Case.opened_at.desc(), Case.id.desc())


def list_cases_page(*, actor: User, page: int, per_page: int, **filters: Any) -> dict[str, Any]:
    """A page of `list_cases`, every case shown audited."""
    stmt = list_cases(actor=actor, **filters)
    return audit.audited_page(
        stmt, page, per_page, actor=actor, action="case.list", record_type="case"
    )


# --- opening a case ---------------------------------------------------------------------------


def _staff(staff_id: int, roles: frozenset[Role], field: str, what: str) -> User:
    user = db.session.get(User, staff_id)
    if user is None or not user.active or user.role not in roles:
        raise ValidationFailed(f"Must be the id of an active {what}.", field=field)
    return user


def _submitted_assessment(assessment_id: int, client_id: int) -> Assessment:
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or assessment.client_id != client_id:
        raise ValidationFailed("No such assessment for this client.", field="assessment_id")
    if assessment.status is not AssessmentStatus.SUBMITTED:
        raise Conflict("The assessment is still a draft; submit it before placement.")
    return assessment


def _previous_case(previous_case_id: int | None, client_id: int) -> None:
    if previous_case_id is None:
        return
    previous = db.session.get(Case, previous_case_id)
    # Checked after `_no_open_case`, so an earlier case of this client is discharged.
    if previous is None or previous.client_id != client_id:
        raise ValidationFailed("No such earlier case for this client.", field="previous_case_id")
    previous.re_engagement_recommended = False  # the client has come back


def _no_open_case(client_id: int) -> None:
    open_id = db.session.execute(
        sa.select(Case.id).where(
            Case.client_id == client_id, Case.status.in_(list(rules.OPEN_STATUSES))
        )
    ).scalar()
    if open_id is not None:
        raise Conflict("The client already has an open case.", open_case_id=open_id)


def _override(level: str, assessment: Assessment, reason: str | None) -> str | None:
    """A level other than the assessment's recommendation needs a reason (422)."""
    override = (reason or "").strip() or None
    recommended = assessment.recommended_level
    if level != recommended and not override:
        raise ValidationFailed(
            f"The level differs from the recommended {recommended}; give an override_reason.",
            field="override_reason",
        )
    return override


def _last_discharge_date(client_id: int) -> date | None:
    return db.session.execute(
        sa.select(sa.func.max(Case.discharge_date)).where(Case.client_id == client_id)
    ).scalar()


def _opened_at(opened_on: date | None, assessment: Assessment) -> datetime:
    """When the episode began: now, or for a placement recorded late the start of
    `opened_on` in the centre's time zone. `opened_on` lies from 30 days ago to today, not
    before the assessment placed from nor before the client's previous discharge (422
    naming `opened_on`, `rules.validate_opened_on`)."""
    today = centre_today()
    if opened_on is None:
        return utcnow()
    late = opened_on < today
    error = rules.validate_opened_on(
        opened_on,
        today,
        assessed_on=assessment.assessed_on,
        last_discharge=_last_discharge_date(assessment.client_id) if late else None,
    )
    if error:
        raise ValidationFailed(error, field="opened_on")
    return start_of_centre_day(opened_on) if late else utcnow()


def _new_case(data: dict[str, Any], assessment: Assessment, *, actor: User) -> Case:
    """The case row for a placement, before it takes a bed or a status."""
    level = data["level"]
    override = _override(level, assessment, data.get("override_reason"))
    counsellor = _staff(
        data["primary_counsellor_id"],
        frozenset({Role.COUNSELLOR}),
        "primary_counsellor_id",
        "counsellor",
    )
    return Case(
        client_id=assessment.client_id,
        assessment_id=assessment.id,
        level=level,
        setting=Setting(setting_for_level(level)),
        recommended_level=assessment.recommended_level,
        override_reason=override,
        requires_urgent_review=bool(assessment.requires_urgent_review),
        primary_counsellor_id=counsellor.id,
        previous_case_id=data.get("previous_case_id"),
        opened_by_id=actor.id,
        opened_at=_opened_at(data.get("opened_on"), assessment),
    )


def open_case(data: dict[str, Any], *, actor: User) -> Case:
    """Place a client at the clinician's level from a submitted assessment (API.md).
    Outpatient levels are `active`; inpatient levels take the named or first free bed
    (`admitted`) or join the waitlist. A placement recorded late (`opened_on`, up to 30
    days back) is opened, and for an inpatient level admitted, at the start of that day."""
    client = get_client(
        data["client_id"], actor=actor, action="client.read_for_placement", for_update=True
    )
    assessment = _submitted_assessment(data["assessment_id"], client.id)
    case = _new_case(data, assessment, actor=actor)
    _no_open_case(client.id)
    _previous_case(data.get("previous_case_id"), client.id)
    if case.level in INPATIENT_LEVELS:
        place_inpatient(case, data.get("bed_id"), admitted_at=case.opened_at)
    elif data.get("bed_id") is not None:
        raise ValidationFailed("Outpatient levels take no bed.", field="bed_id")
    else:
        case.status = CaseStatus.ACTIVE
    db.session.add(case)
    db.session.flush()
    db.session.add(
        LevelChange(
            case_id=case.id,
            to_level=case.level,
            reason=case.override_reason,
            changed_by_id=actor.id,
            changed_at=case.opened_at,
        )
    )
    grant_caseload(case.primary_counsellor_id, client.id, case.id, MembershipKind.PRIMARY)
    _set_care_team(case, data.get("care_team_ids") or [], actor)
    db.session.flush()
    given = ["opened_on"] if data.get("opened_on") is not None else []
    _audit("case.open", case, actor, fields=["level", "status", *given])
    return case


# --- changing a case --------------------------------------------------------------------------


def require_open(status: CaseStatus, consequence: str = "open a new case instead") -> None:
    """409 on a discharged case — the one "case must be open" check every domain uses —
    saying what follows from it (`consequence`) and the case's status."""
    if status not in rules.OPEN_STATUSES:
        raise InvalidTransition(
            f"The case is discharged; {consequence}.", case_status=CaseStatus(status).value
        )


def _set_care_team(case: Case, staff_ids: Iterable[int], actor: User) -> None:
    wanted = list(dict.fromkeys(staff_ids))
    for index, staff_id in enumerate(wanted):
        _staff(staff_id, CASE_STAFF_ROLES, f"care_team_ids.{index}", "counsellor or clinician")
    current = {
        m.staff_id: m
        for m in db.session.execute(
            sa.select(CareTeamMember).where(
                CareTeamMember.case_id == case.id, CareTeamMember.removed_at.is_(None)
            )
        ).scalars()
    }
    for staff_id, member in current.items():
        if staff_id not in wanted:
            member.removed_at = utcnow()
            end_caseload(case.id, staff_id=staff_id, kind=MembershipKind.CARE_TEAM)
    for staff_id in wanted:
        if staff_id not in current:
            db.session.add(CareTeamMember(case_id=case.id, staff_id=staff_id))
            grant_caseload(staff_id, case.client_id, case.id, MembershipKind.CARE_TEAM)
    db.session.flush()
    db.session.expire(case, ["care_team"])


def _reassign(case: Case, counsellor_id: int, actor: User) -> None:
    if counsellor_id == case.primary_counsellor_id:
        return
    counsellor = _staff(
        counsellor_id, frozenset({Role.COUNSELLOR}), "primary_counsellor_id", "counsellor"
    )
    end_caseload(case.id, staff_id=case.primary_counsellor_id, kind=MembershipKind.PRIMARY)
    case.primary_counsellor_id = counsellor.id
    grant_caseload(counsellor.id, case.client_id, case.id, MembershipKind.PRIMARY)


def _change_level(case: Case, level: str, reason: str | None, actor: User) -> None:
    if level == case.level:
        return
    if not (reason or "").strip():
        raise ValidationFailed("Say why the level changes.", field="change_reason")
    to_inpatient = level in INPATIENT_LEVELS
    was_in_bed = case.status is CaseStatus.ADMITTED
    bed = claim_free_bed() if to_inpatient and case.status is CaseStatus.ACTIVE else None
    try:
        target = rules.status_for_level_change(case.status.value, level, bed is not None)
    except rules.TransitionNotAllowed as exc:
        raise InvalidTransition(
            f"{exc} Discharge the case and open a new one at the new level.",
        ) from exc
    db.session.add(
        LevelChange(
            case_id=case.id,
            from_level=case.level,
            to_level=level,
            reason=reason.strip(),
            changed_by_id=actor.id,
        )
    )
    case.level = level
    case.setting = Setting(setting_for_level(level))
    if target == CaseStatus.ADMITTED and bed is not None:
        admit(case, bed)
    elif target == CaseStatus.WAITLISTED and case.status is CaseStatus.ACTIVE:
        join_waitlist(case)
    elif target == CaseStatus.ACTIVE and case.status is not CaseStatus.ACTIVE:
        case.status = CaseStatus.ACTIVE
        if was_in_bed:
            free_bed_and_admit_next(case, actor)
    db.session.expire(case, ["level_history"])


def update_case(case: Case, changes: dict[str, Any], *, actor: User) -> Case:
    """Reassign the primary counsellor, set the care team, or change the level (with a
    reason; crossing between outpatient and inpatient moves the case and its bed)."""
    require_open(case.status)
    if "primary_counsellor_id" in changes:
        _reassign(case, changes["primary_counsellor_id"], actor)
    if "care_team_ids" in changes:
        _set_care_team(case, changes["care_team_ids"], actor)
    if "level" in changes:
        _change_level(case, changes["level"], changes.get("change_reason"), actor)
    elif "change_reason" in changes:
        raise ValidationFailed("Only with a level change.", field="change_reason")
    db.session.flush()
    _audit("case.update", case, actor, fields=sorted(changes))
    return case


def _started_on(case: Case) -> date:
    """The centre-local day the case began: its admission, else its opening."""
    return centre_date(case.admitted_at or case.opened_at)


def discharge_case(case: Case, *, reason: str, date: date, summary: str, actor: User) -> Case:
    """End the episode: free the bed and admit the first case on the waitlist into it. The
    primary counsellor keeps access for aftercare; other care-team access ends."""
    require_open(case.status)
    error = rules.validate_discharge_date(date, centre_today(), _started_on(case))
    if error:
        raise ValidationFailed(error, field="date")
    was_in_bed = case.status is CaseStatus.ADMITTED
    case.status = CaseStatus.DISCHARGED
    case.discharge_reason = reason
    case.discharge_date = date
    case.discharge_summary = summary
    case.discharged_at = utcnow()
    case.discharged_by_id = actor.id
    if was_in_bed:
        free_bed_and_admit_next(case, actor)
    end_caseload(case.id)
    grant_caseload(case.primary_counsellor_id, case.client_id, case.id, MembershipKind.AFTERCARE)
    db.session.flush()
    _audit("case.discharge", case, actor, fields=["reason"])
    return case
