"""Screen 6: placement from a submitted assessment — the level pre-set to the
recommendation, the override reason the service asks for when the level differs, the
primary counsellor, and for inpatient levels a bed (the first free one unless another is
chosen; the waitlist when none is free). `cases.episodes.service.open_case`, as the API's
`POST /cases` calls it, decides; its refusals come back on the form: a 422 beside its
field, a 409 (an open case already, an occupied bed, a draft assessment) as a message
saying what to do."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, request, url_for
from sqlalchemy.exc import IntegrityError

from auth.permissions import Permission, current_actor
from cases.episodes import beds
from cases.episodes import service as episodes
from cases.episodes.rules import CaseStatus
from cases.episodes.schemas import CaseCreateSchema
from core.audit import finds_client
from core.clock import centre_today
from core.errors import Conflict, DomainError
from core.extensions import db
from intake.assessments import service as assessments
from intake.assessments.models import AssessmentStatus, client_of_assessment
from intake.assessments.placement import INPATIENT_LEVELS, LEVEL_NAMES, LEVELS
from intake.clients import service as clients
from intake.clients.episodes import record_of
from web.cases import active_counsellors, level_label
from web.forms import FormInvalid, domain_errors, load
from web.pages import render
from web.security import page

bp = Blueprint("placement", __name__)

RACED = "Someone placed this client or took that bed at the same moment; check and try again."


def _bed_label(bed: Any) -> str:
    return f"{bed.unit} · room {bed.room} · bed {bed.label}"


def _level_options(recommended: str | None) -> list[tuple[str, str]]:
    return [
        (lv, level_label(lv) + (" (recommended)" if lv == recommended else "")) for lv in LEVELS
    ]


def _form(assessment_id: int, status: int = 200, **extra: Any) -> Response:
    actor = current_actor()
    assessment = assessments.get_assessment(
        assessment_id, actor=actor, action="assessment.read_for_placement"
    )
    client = record_of(clients.get_client(assessment.client_id, actor=actor))
    open_case = next((e for e in client.episodes if e.status is not CaseStatus.DISCHARGED), None)
    earlier = [e for e in client.episodes if e.status is CaseStatus.DISCHARGED]
    counsellors, free = active_counsellors(), beds.free_beds()
    if status < 400:  # a refusal is rolled back, leaving one audit event (core.app)
        db.session.commit()
    form = extra.pop("form", None) or {
        "level": request.args.get("level") or assessment.recommended_level or "",
        "previous_case_id": next(
            (str(e.id) for e in reversed(earlier) if e.re_engagement_recommended), ""
        ),
    }
    return render(
        "placement/new.html",
        status,
        assessment=assessment,
        client=client,
        submitted=assessment.status is AssessmentStatus.SUBMITTED,
        open_case=open_case,
        earlier=earlier,
        counsellor_options=[(c.id, c.name) for c in counsellors],
        earlier_options=[
            (e.id, f"Case {e.id}, discharged {e.discharge_date} ({e.discharge_reason})")
            for e in earlier
        ],
        free_beds=free,
        bed_label=_bed_label,
        level_options=_level_options(assessment.recommended_level),
        inpatient_levels=INPATIENT_LEVELS,
        level_names=LEVEL_NAMES,
        today=centre_today(),
        form=form,
        **extra,
    )


@bp.get("/assessments/<int:assessment_id>/placement")
@finds_client("assessment_id", client_of_assessment)
@page(Permission.CASE_PLACE)
def new(assessment_id: int) -> Response:
    """The placement form; an htmx request (the level changed) gets just the bed picker."""
    if request.headers.get("HX-Request"):
        assessments.get_assessment(
            assessment_id, actor=current_actor(), action="assessment.read_for_placement"
        )
        free = beds.free_beds()
        db.session.commit()
        return render(
            "placement/_beds.html",
            form={"level": request.args.get("level", "")},
            by_level=True,
            free_beds=free,
            bed_label=_bed_label,
            inpatient_levels=INPATIENT_LEVELS,
        )
    return _form(assessment_id)


@bp.post("/assessments/<int:assessment_id>/placement")
@finds_client("assessment_id", client_of_assessment)
@page(Permission.CASE_PLACE)
def create(assessment_id: int) -> Response:
    actor = current_actor()
    assessment = assessments.get_assessment(
        assessment_id, actor=actor, action="assessment.read_for_placement"
    )
    ids = {"client_id": assessment.client_id, "assessment_id": assessment.id}
    try:
        data = load(CaseCreateSchema(), request.form, **ids)
        case = episodes.open_case(data, actor=actor)
        db.session.commit()
    except FormInvalid as invalid:
        db.session.rollback()
        return _form(assessment_id, 422, form=request.form, errors=invalid.errors)
    except DomainError as error:
        if error.code == 404:
            raise
        db.session.rollback()
        conflict = error if isinstance(error, Conflict) else None
        return _form(
            assessment_id,
            error.code,
            form=request.form,
            errors=domain_errors(error),
            conflict=conflict,
        )
    except IntegrityError:
        db.session.rollback()
        return _form(assessment_id, 409, form=request.form, errors={"_form": [RACED]})
    return redirect(url_for("web.cases.show", case_id=case.id), 303)
