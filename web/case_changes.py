"""The case page's changes to the episode: a level change with its reason (clinicians), a
new primary counsellor (clinicians and managers), and discharge (clinicians) with its
aftercare — `cases.episodes.service.update_case` and `aftercare.discharge.service.discharge`,
as the API's PATCH and discharge call them.

The level and counsellor forms carry the case's version (its ETag), as If-Match does for
the API's PATCH: a case changed in between is not changed again unseen."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, request, url_for

from aftercare.discharge import service as discharging
from auth.permissions import Permission, current_actor
from cases.episodes import service as episodes
from cases.episodes.models import Case, client_of_case
from cases.episodes.schemas import CaseUpdateSchema, DischargeSchema
from core.audit import finds_client
from core.errors import DomainError
from core.extensions import db
from web.cases import bp, case_page
from web.forms import FormInvalid, domain_errors, form_is_current, load
from web.security import page

STALE_CASE = (
    "The case was changed by someone else since you opened the page (shown above now); "
    "check it and make your change again."
)


def _refused(case_id: int, status: int, prefix: str, errors: Any, **extra: Any) -> Response:
    db.session.rollback()
    return case_page(
        case_id, status, **{f"{prefix}_errors": errors, f"{prefix}_form": request.form}, **extra
    )


def submit_discharge(case_id: int) -> tuple[int, Any, list[str]] | None:
    """The posted discharge form through the API's schema and service (the case page's form
    and the bed board's alike): None when done, else (status, errors by field, what a
    completed discharge lacks). An unknown or hidden case stays a 404."""
    try:
        data = load(DischargeSchema(), request.form)
        discharging.discharge(case_id, actor=current_actor(), **data)
    except FormInvalid as invalid:
        return 422, invalid.errors, []
    except DomainError as error:
        if error.code == 404:
            raise
        return error.code, domain_errors(error), list(error.extra.get("missing") or [])
    return None


def _update(case_id: int, fields: tuple[str, ...], prefix: str, anchor: str) -> Response:
    """PATCH /cases/<id> for a form posting `fields`, with the version the form was based
    on (stale: 412, nothing changed)."""
    actor = current_actor()
    case: Case = episodes.get_case(
        case_id, actor=actor, action="case.read_for_update", for_update=True
    )
    if not form_is_current(case, request.form):
        return _refused(case_id, 412, prefix, {"_form": [STALE_CASE]})
    try:
        changes = load(CaseUpdateSchema(), request.form)
        changes = {key: value for key, value in changes.items() if key in fields}
        if not changes:
            raise FormInvalid({fields[0]: ["Choose one."]})
        episodes.update_case(case, changes, actor=actor)
    except FormInvalid as invalid:
        return _refused(case_id, 422, prefix, invalid.errors)
    except DomainError as error:
        return _refused(case_id, error.code, prefix, domain_errors(error))
    db.session.commit()
    return redirect(url_for("web.cases.show", case_id=case_id) + f"#{anchor}", 303)


@bp.post("/cases/<int:case_id>/level")
@finds_client("case_id", client_of_case)
@page(Permission.CASE_PLACE)
def change_level(case_id: int) -> Response:
    """A new level of care with its reason; moving between outpatient and inpatient takes a
    free bed, joins the waitlist or frees the bed (the service's rules)."""
    return _update(case_id, ("level", "change_reason"), "level", "levels")


@bp.post("/cases/<int:case_id>/counsellor")
@finds_client("case_id", client_of_case)
@page(Permission.CASE_REASSIGN)
def reassign(case_id: int) -> Response:
    return _update(case_id, ("primary_counsellor_id",), "reassign", "header")


@bp.post("/cases/<int:case_id>/discharge")
@finds_client("case_id", client_of_case)
@page(Permission.CASE_PLACE)
def discharge(case_id: int) -> Response:
    """Discharge: `completed` needs an agreed aftercare plan (409 naming what is
    `missing`); any discharge schedules the follow-ups, shown on the case page after."""
    refused = submit_discharge(case_id)
    if refused is not None:
        status, errors, missing = refused
        return _refused(case_id, status, "discharge", errors, discharge_missing=missing)
    db.session.commit()
    return redirect(url_for("web.cases.show", case_id=case_id) + "#discharge", 303)
