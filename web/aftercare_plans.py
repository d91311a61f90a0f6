"""Screen 10's plan editor: a case's relapse-prevention (aftercare) plan, saved whole as a
new version through the API's schema and `aftercare.plans.service` — as a draft, or agreed
when the service's checks pass (what is missing is shown in words beside each field, and
nothing is saved). Every saved version is listed and each can be opened read-only.

The form carries the plan's version (its ETag), as If-Match does for the API: when someone
saved the plan in between, nothing is saved, their plan is shown, and the user's own text
stays in the form, now based on their version, to save again or change."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, request, url_for
from werkzeug.datastructures import MultiDict

from aftercare.follow_ups import service as follow_ups
from aftercare.plans import service
from aftercare.plans.models import AftercarePlan
from aftercare.plans.schemas import plan_content
from auth.models import User
from auth.permissions import Permission, allowed, current_actor
from auth.staff import staff_names
from cases.episodes import service as episodes
from cases.episodes.models import Case, client_of_case
from cases.episodes.rules import CaseStatus
from core.audit import finds_client
from core.errors import DomainError, NotFound
from core.extensions import db
from intake.clients import service as clients
from web import aftercare_plan_form as plan_form
from web.aftercare import bp
from web.forms import Errors, FormInvalid, domain_errors, form_is_current
from web.pages import render
from web.security import page

VERSIONS_PER_PAGE = 20
#: The banner after a save (`?done=`, a fixed word: anything else shows none).
DONE = {"saved": "Draft saved.", "agreed": "Plan agreed."}

STALE_PLAN = (
    "Someone else saved this aftercare plan since you opened the page, so nothing was "
    "saved. Their plan is shown above; your changes are still in the form below. Save again "
    "to replace their plan with yours."
)


def current_plan(case: Case, actor: User) -> AftercarePlan | None:
    """The case's plan as the service reads it (audited), or None before the first save."""
    try:
        return service.get_plan(case.id, actor=actor)
    except NotFound:
        return None


def _versions_page() -> int:
    """Which page of versions to list (`?versions=`; anything odd is the first page)."""
    raw = request.args.get("versions", "1")
    return max(int(raw), 1) if raw.isdigit() and len(raw) < 6 else 1


def case_context(case: Case, actor: User) -> dict[str, Any]:
    """What the aftercare pages show about the episode: the client's header and the
    relapse path (re-engagement recommended, the later episode that names this one)."""
    client = clients.get_client(case.client_id, actor=actor, action="client.read_for_aftercare")
    return {
        "case": case,
        "client": client,
        "is_open": case.status is not CaseStatus.DISCHARGED,
        "later_cases": follow_ups.re_engagement_cases(case, actor=actor),
        "may": lambda p: allowed(actor.role, Permission[p]),
    }


def plan_page(case_id: int, status: int = 200, **extra: Any) -> Response:
    """The editor for the signed-in user; `extra` carries a refused form back (`values`,
    `errors`) with the status of the refusal."""
    actor = current_actor()
    case = episodes.get_case(case_id, actor=actor, action="case.read_for_aftercare_plan")
    context = case_context(case, actor)
    plan = current_plan(case, actor)
    versions = service.list_plan_versions(
        case.id, actor=actor, page=_versions_page(), per_page=VERSIONS_PER_PAGE
    )
    gaps = service.agreement_gaps(case, plan.content if plan is not None else None)
    ids = [plan.updated_by_id if plan else None, *(v.saved_by_id for v in versions["items"])]
    names = staff_names(ids)
    if status < 400:  # a refusal is rolled back, leaving one audit event (core.app)
        db.session.commit()
    extra.setdefault("values", plan_form.values_from_content(plan.content if plan else None))
    return render(
        "aftercare/plan.html",
        status,
        plan=plan,
        versions=versions,
        version_pages=max((versions["total"] + VERSIONS_PER_PAGE - 1) // VERSIONS_PER_PAGE, 1),
        gaps=gaps,
        names=names,
        labels=plan_form.LABELS,
        error_label=plan_form.error_label,
        done=DONE.get(request.args.get("done", "")) if status < 400 else None,
        **context,
        **extra,
    )


@bp.get("/cases/<int:case_id>/aftercare")
@finds_client("case_id", client_of_case)
@page(Permission.CLINICAL_RECORD_READ)
def plan(case_id: int) -> Response:
    """The case's relapse-prevention plan: what agreeing still needs, the editor (roles
    that write clinical records), and the saved versions."""
    return plan_page(case_id)


def _refused(case_id: int, status: int, form: MultiDict, errors: Errors) -> Response:
    """Roll back, then the editor with the posted plan and its errors at `status`."""
    db.session.rollback()
    return plan_page(
        case_id,
        status,
        values=plan_form.values_from_form(form),
        errors=plan_form.form_errors(errors),
        stale=status == 412,
    )


@bp.post("/cases/<int:case_id>/aftercare")
@finds_client("case_id", client_of_case)
@page(Permission.CLINICAL_RECORD_WRITE)
def save_plan(case_id: int) -> Response:
    """Save the plan whole as a draft or agreed: 422 beside the fields (the schema's, or
    what agreeing needs), 412 (with the other version shown) when the plan was saved by
    someone else since the form was opened."""
    actor = current_actor()
    try:
        data = plan_form.load_plan(request.form)
    except FormInvalid as invalid:
        return _refused(case_id, 422, request.form, invalid.errors)
    case, current = service.plan_for_update(case_id, actor=actor)
    if not form_is_current(current, request.form):
        return _refused(case_id, 412, request.form, {"_form": [STALE_PLAN]})
    try:
        service.save_plan(case, current, plan_content(data), data["status"], actor=actor)
    except DomainError as error:
        if error.code == 404:
            raise
        return _refused(case_id, error.code, request.form, domain_errors(error))
    db.session.commit()
    done = "agreed" if getattr(data["status"], "value", data["status"]) == "agreed" else "saved"
    return redirect(url_for("web.aftercare.plan", case_id=case_id, done=done), 303)


@bp.get("/cases/<int:case_id>/aftercare/versions/<int:version>")
@finds_client("case_id", client_of_case)
@page(Permission.CLINICAL_RECORD_READ)
def plan_version(case_id: int, version: int) -> Response:
    """One saved version of the plan, read-only."""
    actor = current_actor()
    saved = service.get_plan_version(case_id, version, actor=actor)
    case = episodes.get_case(case_id, actor=actor, action="case.read_for_aftercare_plan")
    context = case_context(case, actor)
    names = staff_names([saved.saved_by_id])
    db.session.commit()
    return render(
        "aftercare/version.html", saved=saved, names=names, labels=plan_form.LABELS, **context
    )
