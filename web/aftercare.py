"""Screen 10: aftercare — the follow-up list here, the follow-up page with its outcome form
(`web.aftercare_follow_up`) and the relapse-prevention plan editor (`web.aftercare_plans`),
all on this blueprint.

The list is `aftercare.follow_ups.service`'s, with its caseload filtering and audit: open
follow-ups (due or overdue) by default, or one of the API's statuses, the user's own or all
they may see (a manager sees everyone's). Rows carry ids only — the case, the due date, the
assignee — and the page's query count does not grow with its rows: one page of follow-ups
with their status computed in SQL, and every staff name on it in one query.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Blueprint, Response, request

from aftercare.follow_ups import service
from aftercare.follow_ups.models import FollowUpOutcome
from aftercare.follow_ups.schemas import FollowUpQuerySchema
from auth.models import User
from auth.permissions import Permission, allowed, current_actor
from auth.staff import staff_names
from core.extensions import db
from web.forms import Errors, flatten
from web.pages import page_count, render
from web.security import page

bp = Blueprint("aftercare", __name__)

PER_PAGE = 25
OPEN = "open"
ANY = "any"
STATUS_OPTIONS = [
    (OPEN, "Due or overdue"),
    ("overdue", "Overdue"),
    ("due", "Due"),
    ("completed", "Completed"),
    (ANY, "Any status"),
]
OUTCOME_LABELS = {
    FollowUpOutcome.ABSTINENT: "Abstinent since discharge",
    FollowUpOutcome.LAPSE: "Lapse: a single slip",
    FollowUpOutcome.RELAPSE: "Relapse: back to the old pattern",
    FollowUpOutcome.UNREACHABLE: "Could not be reached",
    FollowUpOutcome.DECLINED: "Declined the follow-up",
}


def whose_options(actor: User) -> list[tuple[str, str]]:
    """ "Mine" for those who are assigned follow-ups (they write clinical records), "all"
    (what the caller may see: a counsellor's caseload, everyone's for the others)."""
    mine = [("mine", "Assigned to me")]
    everyone = [("all", "Everyone's I may see")]
    return mine + everyone if allowed(actor.role, Permission.CLINICAL_RECORD_WRITE) else everyone


def _filters(actor: User) -> tuple[dict[str, str], dict[str, Any], Errors]:
    """The filters asked for (defaults filled in), the service's arguments validated by
    the API's query schema, and any field errors."""
    whose = whose_options(actor)
    chosen = {
        "status": request.args.get("status") or OPEN,
        "whose": request.args.get("whose") or whose[0][0],
        "page": request.args.get("page") or "1",
    }
    errors: Errors = {}
    if chosen["status"] not in {key for key, _label in STATUS_OPTIONS}:
        errors["status"] = ["Choose one of the offered statuses."]
    if chosen["whose"] not in {key for key, _label in whose}:
        errors["whose"] = ["Choose one of the offered options."]
    query: dict[str, Any] = {"page": chosen["page"], "per_page": str(PER_PAGE)}
    if chosen["status"] not in (OPEN, ANY) and "status" not in errors:
        query["status"] = chosen["status"]
    if chosen["whose"] == "mine":
        query["counsellor_id"] = str(actor.id)
    try:
        args = FollowUpQuerySchema().load(query)
    except ma.ValidationError as error:
        errors.update(flatten(error.messages))
        args = {}
    return chosen, args, errors


def _listed(actor: User, chosen: dict[str, str], args: dict[str, Any]) -> dict[str, Any]:
    """One page of the follow-ups asked for: open ones, or one of the API's statuses."""
    if chosen["status"] == OPEN:
        return service.list_open_follow_ups(
            actor=actor,
            page=args["page"],
            per_page=args["per_page"],
            counsellor_id=args.get("counsellor_id"),
        )
    return service.list_follow_ups(actor=actor, **args)


@bp.get("/follow-ups")
@page(Permission.CLINICAL_RECORD_READ)
def follow_ups() -> Response:
    """The follow-up list, filtered and paginated; bad filters are a 422 naming the field."""
    actor = current_actor()
    chosen, args, errors = _filters(actor)
    if errors:
        return render(
            "aftercare/follow_ups.html",
            422,
            chosen=chosen,
            errors=errors,
            found=None,
            **_choices(actor),
        )
    found = _listed(actor, chosen, args)
    names = staff_names(f.assigned_to_id for f in found["items"])
    db.session.commit()
    pages = page_count(found)
    return render(
        "aftercare/follow_ups.html",
        chosen=chosen,
        found=found,
        pages=pages,
        names=names,
        **_choices(actor),
    )


def _choices(actor: User) -> dict[str, Any]:
    """The filter form's options and the outcome labels (the same for every request)."""
    return {
        "status_options": STATUS_OPTIONS,
        "whose_options": whose_options(actor),
        "outcome_labels": OUTCOME_LABELS,
        "may_record": allowed(actor.role, Permission.CLINICAL_RECORD_WRITE),
    }


# The screen's other pages: their routes register on `bp` when these modules load.
from web import aftercare_follow_up, aftercare_plans  # noqa: E402

__all__ = ["aftercare_follow_up", "aftercare_plans", "bp"]
