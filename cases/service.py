"""Placement and case management: opening a case from a submitted assessment, beds and the
waitlist, level changes, care teams and discharge.

Concurrency: on PostgreSQL a free bed is claimed with `SELECT ... FOR UPDATE SKIP LOCKED`
and state changes lock the case row first; on SQLite every transaction is `BEGIN IMMEDIATE`
(core.extensions), so writers are serialised. Partial unique indexes (one open case per
client, one admitted case per bed) back both up."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa

from auth.models import MembershipKind, Role, User
from auth.permissions import client_visibility
from auth.service import end_caseload, grant_caseload
from cases import rules
from cases.models import Bed, CareTeamMember, Case, LevelChange, Setting
from cases.rules import CaseStatus
from core import audit
from core.clock import centre_today
from core.db import utcnow
from core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from core.extensions import db
from intake.models import Assessment, AssessmentStatus
from intake.rules import INPATIENT_LEVELS, setting_for_level
from intake.service import get_client

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


def get_case(
    case_id: int, *, actor: User, action: str = "case.read", for_update: bool = False
) -> Case:
    """A case the actor may see (404 otherwise). `for_update` locks its row (PostgreSQL)."""
    stmt = sa.select(Case).where(Case.id == case_id, client_visibility(actor, Case.client_id))
    if for_update:
        stmt = stmt.with_for_update(of=Case, key_share=True).execution_options(
            populate_existing=True
        )
    case = db.session.execute(stmt).unique().scalar_one_or_none()
    if case is None:
        raise NotFound("No such case.")
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


def audit_case_list(cases: Iterable[Case], *, actor: User, action: str = "case.list") -> None:
    audit.record_many(
        action, actor=actor, record_type="case", rows=[(c.id, c.client_id) for c in cases]
    )


def waitlist(*, actor: User) -> sa.Select[tuple[Case]]:
    """Waitlisted cases in admission order: urgent review first, then time waitlisted."""
    return (
        sa.select(Case)
        .where(Case.status == CaseStatus.WAITLISTED, client_visibility(actor, Case.client_id))
        .order_by(*WAITLIST_ORDER)
    )


WAITLIST_ORDER = (Case.requires_urgent_review.desc(), Case.waitlisted_at, Case.id)


# --- beds -------------------------------------------------------------------------------------


def _bed_occupied() -> sa.Exists:
    return sa.exists().where(Case.bed_id == Bed.id, Case.status == CaseStatus.ADMITTED)


def _claim_free_bed() -> Bed | None:
    """Lock and return the first free bed, skipping beds another transaction is claiming."""
    stmt = (
        sa.select(Bed)
        .where(Bed.active.is_(True), ~_bed_occupied())
        .order_by(Bed.unit, Bed.room, Bed.label, Bed.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=Bed, key_share=True)
    )
    return db.session.execute(stmt).scalar_one_or_none()


def _claim_named_bed(bed_id: int) -> Bed:
    bed = db.session.execute(
        sa.select(Bed).where(Bed.id == bed_id).with_for_update(of=Bed, key_share=True)
    ).scalar_one_or_none()
    if bed is None or not bed.active:
        raise ValidationFailed("No such bed in service.", field="bed_id")
    occupant = db.session.execute(
        sa.select(Case.id).where(Case.bed_id == bed.id, Case.status == CaseStatus.ADMITTED)
    ).scalar()
    if occupant is not None:
        raise Conflict("That bed is occupied.", bed_id=bed.id)
    return bed


def _admit(case: Case, bed: Bed) -> None:
    case.bed_id = bed.id
    case.bed = bed
    case.status = CaseStatus.ADMITTED
    case.admitted_at = case.admitted_at or utcnow()


def _waitlist(case: Case) -> None:
    case.bed_id = None
    case.bed = None
    case.status = CaseStatus.WAITLISTED
    case.waitlisted_at = utcnow()


def _place_inpatient(case: Case, bed_id: int | None) -> None:
    bed = _claim_named_bed(bed_id) if bed_id is not None else _claim_free_bed()
    if bed is None:
        _waitlist(case)
    else:
        _admit(case, bed)


def _free_bed_and_admit_next(case: Case, actor: User) -> None:
    """Release the case's bed and give it to the first case on the waitlist, if any."""
    bed = case.bed
    case.bed_id = None
    case.bed = None
    db.session.flush()
    if bed is None or not bed.active:
        return
    stmt = (
        sa.select(Case)
        .where(Case.status == CaseStatus.WAITLISTED)
        .order_by(*WAITLIST_ORDER)
        .limit(1)
        .with_for_update(skip_locked=True, of=Case, key_share=True)
    )
    waiting = db.session.execute(stmt).unique().scalar_one_or_none()
    if waiting is not None:
        _admit(waiting, bed)
        db.session.flush()
        _audit("case.admit_from_waitlist", waiting, actor, bed_id=bed.id)


def list_beds() -> list[tuple[Bed, Case | None]]:
    """The bed board: every bed with its current occupant case (or None)."""
    occupant = sa.orm.aliased(Case)
    stmt = (
        sa.select(Bed, occupant)
        .outerjoin(
            occupant, sa.and_(occupant.bed_id == Bed.id, occupant.status == CaseStatus.ADMITTED)
        )
        .order_by(Bed.unit, Bed.room, Bed.label, Bed.id)
    )
    return [(bed, case) for bed, case in db.session.execute(stmt).unique()]


def create_bed(data: dict[str, Any], *, actor: User) -> Bed:
    exists = db.session.execute(
        sa.select(Bed.id).where(
            Bed.unit == data["unit"], Bed.room == data["room"], Bed.label == data["label"]
        )
    ).first()
    if exists:
        raise Conflict("A bed with this unit, room and label exists.", bed_id=exists[0])
    bed = Bed(**data)
    db.session.add(bed)
    db.session.flush()
    audit.record("bed.create", actor=actor, record_type="bed", record_id=bed.id)
    return bed


def get_bed(bed_id: int) -> Bed:
    bed = db.session.get(Bed, bed_id)
    if bed is None:
        raise NotFound("No such bed.")
    return bed


def update_bed(bed: Bed, changes: dict[str, Any], *, actor: User) -> Bed:
    """Relabel a bed or take it out of service (409 while someone is in it)."""
    if changes.get("active") is False:
        occupied = db.session.execute(
            sa.select(Case.id).where(Case.bed_id == bed.id, Case.status == CaseStatus.ADMITTED)
        ).scalar()
        if occupied is not None:
            raise Conflict("The bed is occupied; discharge or move the client first.")
    for key, value in changes.items():
        setattr(bed, key, value)
    db.session.flush()
    audit.record("bed.update", actor=actor, record_type="bed", record_id=bed.id)
    return bed


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


def open_case(data: dict[str, Any], *, actor: User) -> Case:
    """Place a client at the clinician's level from a submitted assessment (API.md)."""
    client = get_client(
        data["client_id"], actor=actor, action="client.read_for_placement", for_update=True
    )
    assessment = _submitted_assessment(data["assessment_id"], client.id)
    level = data["level"]
    recommended = assessment.recommended_level
    override = (data.get("override_reason") or "").strip() or None
    if level != recommended and not override:
        raise ValidationFailed(
            f"The level differs from the recommended {recommended}; give an override_reason.",
            field="override_reason",
        )
    counsellor = _staff(
        data["primary_counsellor_id"],
        frozenset({Role.COUNSELLOR}),
        "primary_counsellor_id",
        "counsellor",
    )
    _no_open_case(client.id)
    _previous_case(data.get("previous_case_id"), client.id)
    case = Case(
        client_id=client.id,
        assessment_id=assessment.id,
        level=level,
        setting=Setting(setting_for_level(level)),
        recommended_level=recommended,
        override_reason=override,
        requires_urgent_review=bool(assessment.requires_urgent_review),
        primary_counsellor_id=counsellor.id,
        previous_case_id=data.get("previous_case_id"),
        opened_by_id=actor.id,
        opened_at=utcnow(),
    )
    if level in INPATIENT_LEVELS:
        _place_inpatient(case, data.get("bed_id"))
    else:
        if data.get("bed_id") is not None:
            raise ValidationFailed("Outpatient levels take no bed.", field="bed_id")
        case.status = CaseStatus.ACTIVE
    db.session.add(case)
    db.session.flush()
    db.session.add(
        LevelChange(case_id=case.id, to_level=level, reason=override, changed_by_id=actor.id)
    )
    grant_caseload(counsellor.id, client.id, case.id, MembershipKind.PRIMARY)
    _set_care_team(case, data.get("care_team_ids") or [], actor)
    db.session.flush()
    _audit("case.open", case, actor, level=level, status=case.status.value)
    return case


# --- changing a case --------------------------------------------------------------------------


def _require_open(case: Case) -> None:
    if case.status is CaseStatus.DISCHARGED:
        raise InvalidTransition("The case is discharged; open a new case instead.")


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
    bed = _claim_free_bed() if to_inpatient and case.status is CaseStatus.ACTIVE else None
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
        _admit(case, bed)
    elif target == CaseStatus.WAITLISTED and case.status is CaseStatus.ACTIVE:
        _waitlist(case)
    elif target == CaseStatus.ACTIVE and case.status is not CaseStatus.ACTIVE:
        case.status = CaseStatus.ACTIVE
        if was_in_bed:
            _free_bed_and_admit_next(case, actor)
    db.session.expire(case, ["level_history"])


def update_case(case: Case, changes: dict[str, Any], *, actor: User) -> Case:
    """Reassign the primary counsellor, set the care team, or change the level (with a
    reason; crossing between outpatient and inpatient moves the case and its bed)."""
    _require_open(case)
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
    return (case.admitted_at or case.opened_at).date()


def discharge_case(case: Case, *, reason: str, date: date, summary: str, actor: User) -> Case:
    """End the episode: free the bed and admit the first case on the waitlist into it. The
    primary counsellor keeps access for aftercare; other care-team access ends."""
    _require_open(case)
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
        _free_bed_and_admit_next(case, actor)
    end_caseload(case.id)
    grant_caseload(case.primary_counsellor_id, case.client_id, case.id, MembershipKind.AFTERCARE)
    db.session.flush()
    _audit("case.discharge", case, actor, reason=reason)
    return case
