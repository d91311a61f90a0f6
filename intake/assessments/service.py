"""Intake assessments: draft → submitted. Submitting validates completeness and the
cross-section rules, computes `results` with `intake.assessments.rules`, and raises
flags, all in the caller's one transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from auth.credentials import RecordRead
from auth.models import User
from core import audit
from core.clock import centre_today
from core.db import utcnow
from core.errors import InvalidTransition, ValidationFailed
from core.extensions import db
from core.http import paginate
from intake.assessments import rules
from intake.assessments.models import Assessment, AssessmentStatus
from intake.clients.models import Client
from intake.clients.service import get_client
from intake.flags.schemas import FlagSchema
from intake.flags.service import FlagRequest, raise_flag


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def _audit(action: str, assessment: Assessment, actor: User) -> None:
    audit.record(
        action,
        actor=actor,
        record_type="assessment",
        record_id=assessment.id,
        client_id=assessment.client_id,
    )


def start_assessment(client_id: int, data: dict[str, Any], *, actor: User) -> Assessment:
    """A new draft for a client the actor may see."""
    client = get_client(client_id, actor=actor, action="client.read_for_assessment")
    assessment = Assessment(
        client_id=client.id,
        assessed_on=data.pop("assessed_on", None) or centre_today(),
        created_by_id=actor.id,
        **{name: _jsonable(value) for name, value in data.items()},
    )
    db.session.add(assessment)
    db.session.flush()
    _audit("assessment.create", assessment, actor)
    return assessment


#: `GET /assessments/{id}` reads the assessment with the credential.
ASSESSMENT_READ = RecordRead("assessment_id", Assessment, Assessment.client_id)


def get_assessment(
    assessment_id: int, *, actor: User, action: str = "assessment.read"
) -> Assessment:
    """An assessment of a client the actor may see; 404 "No such assessment." otherwise.
    The caseload check is part of the one query that loads the row, so an assessment on
    another caseload costs and answers exactly like an unknown id."""
    assessment = ASSESSMENT_READ.one(assessment_id, actor, "assessment")
    _audit(action, assessment, actor)
    return assessment


def list_assessments(
    client_id: int, *, actor: User, status: AssessmentStatus | None, page: int, per_page: int
) -> dict[str, Any]:
    """A page of the client's assessments, newest first (the client's read is audited)."""
    get_client(client_id, actor=actor, action="assessment.list")
    stmt = sa.select(Assessment).where(Assessment.client_id == client_id)
    if status is not None:
        stmt = stmt.where(Assessment.status == status)
    return paginate(
        stmt.order_by(Assessment.assessed_on.desc(), Assessment.id.desc()), page, per_page
    )


def _require_draft(assessment: Assessment) -> None:
    if assessment.status is not AssessmentStatus.DRAFT:
        raise InvalidTransition("The assessment is submitted and can no longer be changed.")


def update_assessment(
    assessment: Assessment, changes: dict[str, Any], *, actor: User
) -> Assessment:
    """Replace the given sections of a draft (each section is replaced whole)."""
    _require_draft(assessment)
    for name, value in changes.items():
        setattr(assessment, name, _jsonable(value) if name != "assessed_on" else value)
    db.session.flush()
    _audit("assessment.update", assessment, actor)
    return assessment


def _sections_for_rules(assessment: Assessment) -> dict[str, Any]:
    """Stored sections with `last_use` turned back into dates for the rules."""
    sections = assessment.sections()
    substances = []
    for entry in sections.get("substances") or []:
        last_use = entry.get("last_use")
        substances.append({**entry, "last_use": date.fromisoformat(last_use) if last_use else None})
    sections["substances"] = substances
    return sections


def _check_submittable(sections: dict[str, Any], assessed_on: date) -> None:
    missing = rules.missing_sections(sections)
    if missing:
        raise ValidationFailed(
            "The assessment is incomplete: " + ", ".join(missing) + ".",
            errors={"json": {path: ["Required to submit."] for path in missing}},
            missing=missing,
        )
    errors = rules.validate_sections(sections, assessed_on=assessed_on)
    if errors:
        raise ValidationFailed(
            "The assessment breaks a rule: " + ", ".join(sorted(errors)) + ".",
            errors={"json": errors},
        )


def submit_assessment(assessment: Assessment, *, actor: User) -> Assessment:
    """Validate, compute results (recording the rule version), raise flags, freeze."""
    _require_draft(assessment)
    sections = _sections_for_rules(assessment)
    _check_submittable(sections, assessment.assessed_on)
    client = db.session.get(Client, assessment.client_id)
    results = rules.evaluate_assessment(
        sections,
        sex=client.sex.value,
        assessed_on=assessment.assessed_on,
        date_of_birth=client.date_of_birth,
    )
    flags = [_raise(spec, assessment, actor) for spec in results.pop("flag_specs")]
    results["flags"] = FlagSchema(many=True).dump(flags)
    _freeze(assessment, results, actor)
    _audit("assessment.submit", assessment, actor)
    return assessment


def _raise(spec: dict[str, Any], assessment: Assessment, actor: User) -> Any:
    request = FlagRequest(
        type=spec["type"],
        severity=spec["severity"],
        source_kind=spec["source_kind"],
        note=spec["note"],
        instrument=spec["instrument"],
        score=spec["score"],
        assessment_id=assessment.id,
    )
    return raise_flag(assessment.client_id, request, actor=actor)


def _freeze(assessment: Assessment, results: dict[str, Any], actor: User) -> None:
    sud, recommendation = results["sud"], results["recommendation"]
    assessment.results = results
    assessment.rule_version = results["rule_version"]
    assessment.use_disorder = sud["use_disorder"]
    assessment.physical_dependence = sud["physical_dependence"]
    assessment.recommended_level = recommendation["level"]
    assessment.requires_urgent_review = recommendation["requires_urgent_review"]
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_at = utcnow()
    assessment.submitted_by_id = actor.id
    db.session.flush()
