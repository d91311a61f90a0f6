"""Screen 10's follow-up page: one post-discharge contact with its outcome form, through the
API's schema and `aftercare.follow_ups.service.complete_follow_up`.

The contact time is typed in the centre's time zone (a `datetime-local` input) and sent on
with its offset, as the API takes it. A relapse makes the service recommend re-engagement:
the page then says so, links to the client's record (where a new assessment starts), and to
any later episode that names this case as its previous one. Completing a case's last
follow-up ends a counsellor's aftercare access to the client, so that answer is the page
itself (built before the access ended) rather than a redirect they could not follow."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, request, url_for

from aftercare.follow_ups import service
from aftercare.follow_ups.models import client_of_follow_up
from aftercare.follow_ups.schemas import FollowUpCompleteSchema
from aftercare.follow_ups.service import ShownFollowUp
from aftercare.plans.models import AftercarePlan
from aftercare.plans.service import AFTERCARE_PLANS
from auth.permissions import Permission, current_actor
from auth.staff import staff_names
from cases.episodes import service as episodes
from cases.episodes.models import Case
from core.audit import finds_client
from core.clock import centre_zone, now
from core.errors import DomainError, NotFound
from core.extensions import db
from web.aftercare import OUTCOME_LABELS, bp
from web.aftercare_plans import case_context
from web.forms import FormInvalid, domain_errors, load, local_moment
from web.pages import render
from web.security import page

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


def _plan(case: Case) -> AftercarePlan | None:
    """The case's aftercare plan, read (and audited, `aftercare_plan.read`) as the plans
    service reads it for the plan page, without reading the case already read again; None
    when the case has none."""
    try:
        return AFTERCARE_PLANS.read(case.id, case.client_id, actor=current_actor())
    except NotFound:
        return None


def _context(follow_up: ShownFollowUp) -> dict[str, Any]:
    """The follow-up's case and client (audited reads), the aftercare plan whose contacts the
    call may need (read as the plan page reads it, audited), and the staff names it shows."""
    actor = current_actor()
    case = episodes.get_case(follow_up.case_id, actor=actor, action="case.read_for_follow_up")
    return {
        "follow_up": follow_up,
        "plan": _plan(case),
        "names": staff_names([follow_up.assigned_to_id, follow_up.completed_by_id]),
        "outcome_options": [(o.value, label) for o, label in OUTCOME_LABELS.items()],
        "outcome_labels": OUTCOME_LABELS,
        "default_contact": now().astimezone(centre_zone()).strftime(LOCAL_MINUTE),
        **case_context(case, actor),
    }


def follow_up_page(follow_up_id: int, status: int = 200, **extra: Any) -> Response:
    """The follow-up page; `extra` carries a refused form back (`form`, `errors`)."""
    found = service.get_follow_up(follow_up_id, actor=current_actor())
    context = _context(found)
    if status < 400:  # a refusal is rolled back, leaving one audit event (core.app)
        db.session.commit()
    return render("aftercare/follow_up.html", status, **context, **extra)


@bp.get("/follow-ups/<int:follow_up_id>")
@finds_client("follow_up_id", client_of_follow_up)
@page(Permission.CLINICAL_RECORD_READ)
def follow_up(follow_up_id: int) -> Response:
    """One follow-up: its outcome once recorded, else the outcome form (roles that write
    clinical records), and the re-engagement recommendation after a relapse."""
    return follow_up_page(follow_up_id)


def _refused(follow_up_id: int, status: int, errors: Any) -> Response:
    """Roll back, then the follow-up page with the posted form and its errors at `status`."""
    db.session.rollback()
    return follow_up_page(follow_up_id, status, errors=errors, form=request.form)


@bp.post("/follow-ups/<int:follow_up_id>/complete")
@finds_client("follow_up_id", client_of_follow_up)
@page(Permission.CLINICAL_RECORD_WRITE)
def complete(follow_up_id: int) -> Response:
    """Record the contact `{contacted_at, outcome, notes}`: 422 beside the fields (the
    schema's, or a contact time in the future or before the discharge), 409 when it was
    already recorded."""
    actor = current_actor()
    found = service.get_follow_up(
        follow_up_id, actor=actor, action="follow_up.read_for_update", for_update=True
    )
    context = _context(found)  # before completing: the last one ends a counsellor's access
    contact = local_moment(request.form.get("contacted_at", ""))
    try:
        data = load(
            FollowUpCompleteSchema(), request.form, **({"contacted_at": contact} if contact else {})
        )
        done = service.complete_follow_up(found.record, actor=actor, **data)
    except FormInvalid as invalid:
        return _refused(follow_up_id, 422, invalid.errors)
    except DomainError as error:
        if error.code == 404:
            raise
        return _refused(follow_up_id, error.code, domain_errors(error))
    db.session.commit()
    if service.may_see_follow_up(follow_up_id, actor=actor):
        return redirect(url_for("web.aftercare.follow_up", follow_up_id=follow_up_id), 303)
    context["names"] = staff_names([done.assigned_to_id, done.completed_by_id])
    return render("aftercare/follow_up.html", **{**context, "follow_up": done}, ended=True)
