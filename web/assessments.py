"""Screen 4: the intake assessment — start a draft, fill it in step by step (each step saved
as a draft through the service, the version it was rendered from sent back like If-Match),
live diazepam equivalents and instrument scores (htmx), submit with what is missing, and the
results page. Permissions are the API's: ASSESSMENT_WRITE to write, CLIENT_READ to read;
caseload filtering is the service's (another caseload's assessment is the 404 page)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, request, url_for
from sqlalchemy.orm.exc import StaleDataError

from auth.permissions import Permission, allowed, current_actor
from core.audit import finds_client
from core.errors import DomainError, InvalidTransition, NotFound, ValidationFailed
from core.extensions import db
from intake.assessments import service
from intake.assessments.models import Assessment, AssessmentStatus, client_of_assessment
from intake.assessments.schemas import AssessmentCreateSchema
from intake.clients.models import Client
from web import assessment_steps as steps
from web.assessment_pages import equivalent_note, review_context, step_context
from web.assessment_results import results_view
from web.assessment_screens import TITLES, live_score
from web.forms import FormInvalid, domain_errors, form_is_current, load
from web.pages import render
from web.security import page

bp = Blueprint("assessments", __name__)

STALE = (
    "This assessment was changed by someone else while you had it open. The page has been "
    "reloaded with their version: re-enter your change and save again."
)


def _step(key: str) -> steps.Step:
    found = steps.BY_KEY.get(key)
    if found is None:
        raise NotFound("No such step.")
    return found


def _client(assessment: Assessment) -> Client:
    """The assessment's client (already shown to be visible by the assessment's own query)."""
    return db.session.get(Client, assessment.client_id)


def _for_update(assessment_id: int) -> Assessment:
    return service.get_assessment(
        assessment_id, actor=current_actor(), action="assessment.read_for_update"
    )


def _reloaded(assessment_id: int) -> Assessment:
    db.session.rollback()
    return service.get_assessment(assessment_id, actor=current_actor())


@bp.post("/clients/<int:client_id>/assessments")
@page(Permission.ASSESSMENT_WRITE)
def start(client_id: int) -> Response:
    """Start a draft (the API's service and schema) and open its first step."""
    try:
        data = load(AssessmentCreateSchema(), request.form)
    except FormInvalid as invalid:
        raise ValidationFailed(invalid.message, errors={"json": invalid.errors}) from None
    assessment = service.start_assessment(client_id, data, actor=current_actor())
    db.session.commit()
    return redirect(_step_url(assessment.id, steps.STEPS[0].key), 303)


def _step_url(assessment_id: int, key: str, **args: Any) -> str:
    return url_for("web.assessments.show_step", assessment_id=assessment_id, step=key, **args)


@bp.get("/assessments/<int:assessment_id>")
@finds_client("assessment_id", client_of_assessment)
@page(Permission.CLIENT_READ)
def show(assessment_id: int) -> Response:
    """The results once submitted; a draft resumes at its first open step (or, for a role
    that may not write, says it is in progress)."""
    actor = current_actor()
    assessment = service.get_assessment(assessment_id, actor=actor)
    client = _client(assessment)
    db.session.commit()
    if assessment.status is AssessmentStatus.DRAFT:
        if allowed(actor.role, Permission.ASSESSMENT_WRITE):
            return redirect(_step_url(assessment.id, steps.first_open_step(assessment)), 303)
        return render("assessments/draft.html", assessment=assessment, client=client)
    return render(
        "assessments/results.html",
        assessment=assessment,
        client=client,
        view=results_view(assessment.results or {}),
        may_place=allowed(actor.role, Permission.CASE_PLACE),
        placement_url=f"/assessments/{assessment.id}/placement",
    )


def _step_page(assessment: Assessment, step: steps.Step, status: int = 200, **kw: Any) -> Any:
    if assessment.status is not AssessmentStatus.DRAFT:
        return redirect(url_for("web.assessments.show", assessment_id=assessment.id), 303)
    context = step_context(assessment, _client(assessment), step, **kw)
    return render(f"assessments/step_{step.key}.html", status, **context)


@bp.get("/assessments/<int:assessment_id>/steps/<step>")
@finds_client("assessment_id", client_of_assessment)
@page(Permission.ASSESSMENT_WRITE)
def show_step(assessment_id: int, step: str) -> Response:
    current = _step(step)
    assessment = service.get_assessment(assessment_id, actor=current_actor())
    rows = request.args.get("rows", "")
    answer = _step_page(assessment, current, rows=int(rows) if rows.isdigit() else None)
    db.session.commit()
    return answer


def _next_url(assessment: Assessment, current: steps.Step, form: Any) -> str:
    before, after = steps.neighbours(current.key)
    go = form.get("go", "next")
    if go == "back" and before:
        return _step_url(assessment.id, before)
    if go == "more":
        shown = max(steps.posted_rows(form), steps.row_count(assessment, 0))
        return _step_url(assessment.id, current.key, rows=shown + 1)
    if go == "next":
        if after:
            return _step_url(assessment.id, after)
        return url_for("web.assessments.review", assessment_id=assessment.id)
    return _step_url(assessment.id, current.key)


@bp.post("/assessments/<int:assessment_id>/steps/<step>")
@finds_client("assessment_id", client_of_assessment)
@page(Permission.ASSESSMENT_WRITE)
def save_step(assessment_id: int, step: str) -> Response:
    """Save this step's sections as the draft (PATCH through the service), then go on."""
    current, actor = _step(step), current_actor()
    assessment = _for_update(assessment_id)
    if assessment.status is not AssessmentStatus.DRAFT:
        raise InvalidTransition("The assessment is submitted and can no longer be changed.")
    if not form_is_current(assessment, request.form):
        return _step_page(_reloaded(assessment_id), current, 412, notice=STALE)
    try:
        changes = steps.changes_from(current, request.form)
        service.update_assessment(assessment, changes, actor=actor)
        db.session.commit()
    except FormInvalid as invalid:
        return _repost(assessment, current, invalid.errors)
    except StaleDataError:
        return _step_page(_reloaded(assessment_id), current, 412, notice=STALE)
    except DomainError as error:
        if error.code in (404, 409):
            raise
        return _repost(assessment, current, domain_errors(error), error.code)
    return redirect(_next_url(assessment, current, request.form), 303)


def _repost(assessment: Assessment, current: steps.Step, errors: Any, status: int = 422) -> Any:
    db.session.rollback()
    form = steps.posted_values(request.form)
    rows = steps.posted_rows(request.form)
    diagnoses = [v for v in request.form.getlist("psychiatric_history") if v]
    return _step_page(
        assessment, current, status, form=form, errors=errors, rows=rows, diagnoses=diagnoses
    )


@bp.get("/assessments/<int:assessment_id>/submit")
@finds_client("assessment_id", client_of_assessment)
@page(Permission.ASSESSMENT_WRITE)
def review(assessment_id: int) -> Response:
    """Review and submit: what a submit would still miss, each linked to its step."""
    assessment = service.get_assessment(assessment_id, actor=current_actor())
    db.session.commit()
    if assessment.status is not AssessmentStatus.DRAFT:
        return redirect(url_for("web.assessments.show", assessment_id=assessment.id), 303)
    return render("assessments/review.html", **review_context(assessment, _client(assessment)))


@bp.post("/assessments/<int:assessment_id>/submit")
@finds_client("assessment_id", client_of_assessment)
@page(Permission.ASSESSMENT_WRITE)
def submit(assessment_id: int) -> Response:
    """Submit (the service validates, computes results, raises flags, freezes); a 422 lists
    what is missing with links to the steps."""
    actor = current_actor()
    assessment = _for_update(assessment_id)
    sent = request.form.get("version")
    draft = assessment.status is AssessmentStatus.DRAFT
    if sent and draft and not form_is_current(assessment, request.form):
        return _review_again(_reloaded(assessment_id), 412, notice=STALE)
    try:
        service.submit_assessment(assessment, actor=actor)
        db.session.commit()
    except ValidationFailed as failed:
        db.session.rollback()
        return _review_again(assessment, 422, failure=failed)
    except StaleDataError:
        return _review_again(_reloaded(assessment_id), 412, notice=STALE)
    return redirect(url_for("web.assessments.show", assessment_id=assessment.id), 303)


def _review_again(assessment: Assessment, status: int, **kw: Any) -> Response:
    context = review_context(assessment, _client(assessment), **kw)
    return render("assessments/review.html", status, **context)


@bp.get("/assessments/equivalent")
@page(Permission.ASSESSMENT_WRITE)
def equivalent() -> Response:
    """The diazepam equivalent of one substance row as typed (an htmx fragment):
    `?name=Xanax&dose_mg=2[&category=benzodiazepine]`, or a row's own fields with `row=N`."""
    args, row = request.args, request.args.get("row", "")
    prefix = f"substances.{row}." if row.isdigit() else None
    name = args.get(f"{prefix}substance" if prefix else "name", "")
    dose = args.get(f"{prefix}daily_dose_mg" if prefix else "dose_mg", "")
    category = args.get(f"{prefix}category" if prefix else "category", "")
    note = equivalent_note(name, dose, category)
    return render("assessments/_equivalent.html", note=note)


@bp.post("/assessments/<int:assessment_id>/scores/<instrument>")
@finds_client("assessment_id", client_of_assessment)
@page(Permission.ASSESSMENT_WRITE)
def score(assessment_id: int, instrument: str) -> Response:
    """One instrument's live score and band from the answers posted so far (an htmx
    fragment), by the instrument's own scoring; AUDIT-C uses the client's recorded sex."""
    if instrument not in TITLES:
        raise NotFound("No such instrument.")
    assessment = service.get_assessment(
        assessment_id, actor=current_actor(), action="assessment.read_for_score"
    )
    sex = _client(assessment).sex
    db.session.commit()
    found = live_score(instrument, request.form, sex.value if sex else None)
    return render("assessments/_score.html", live=found)
