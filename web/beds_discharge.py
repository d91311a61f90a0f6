"""Discharge from the bed board (clinicians): the case page's discharge — the same form
fields, labels and service (`aftercare.discharge.service.discharge`, as the API's
`POST /cases/<id>/discharge` and `web.case_changes.discharge` call it) — answered on the
board, which then says what became of the freed bed: given to the first case on the waitlist
(`free_bed_and_admit_next`, inside the discharge) or left free.

A refusal (a date out of its window, `completed` without an agreed aftercare plan) comes
back on the form beside its field and changes nothing."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, request, url_for

from auth.permissions import Permission, current_actor
from cases.episodes import beds
from cases.episodes import service as episodes
from cases.episodes.models import client_of_case
from cases.episodes.rules import DISCHARGE_REASONS, CaseStatus
from core.audit import finds_client
from core.clock import centre_today
from core.extensions import db
from intake.clients import service as clients
from web.beds import bed_label, bp
from web.case_changes import submit_discharge
from web.cases import DISCHARGE_LABELS, MISSING_LABELS
from web.pages import render
from web.security import page


def discharge_page(case_id: int, status: int = 200, **extra: Any) -> Response:
    """The board's discharge form for one case, with who the bed goes to next."""
    actor = current_actor()
    case = episodes.get_case(case_id, actor=actor, action="case.read_for_discharge")
    # who is being discharged, named on the page as the case page's header names them.
    client = clients.get_client(case.client_id, actor=actor, action="client.read_for_case")
    waiting = beds.waitlist(actor=actor, page=1, per_page=1)["items"]
    if status < 400:  # a refusal is rolled back, leaving one audit event (core.app)
        db.session.commit()
    return render(
        "beds/discharge.html",
        status,
        case=case,
        client=client,
        is_open=case.status is not CaseStatus.DISCHARGED,
        in_bed=case.status is CaseStatus.ADMITTED,
        next_waiting=waiting[0] if waiting and waiting[0].id != case.id else None,
        bed_label=bed_label,
        discharge_options=[(r, DISCHARGE_LABELS.get(r, r)) for r in DISCHARGE_REASONS],
        discharge_label=lambda r: DISCHARGE_LABELS.get(r or "", r),
        missing_labels=MISSING_LABELS,
        today=centre_today(),
        **extra,
    )


@bp.get("/beds/discharge/<int:case_id>")
@finds_client("case_id", client_of_case)
@page(Permission.CASE_PLACE)
def discharge_form(case_id: int) -> Response:
    """The discharge form, reached from an occupied bed or a waitlist entry."""
    return discharge_page(case_id)


def _refused(case_id: int, status: int, errors: Any, missing: list[str] | None = None) -> Response:
    """The form again with the refusal beside its field (or what a discharge lacks)."""
    db.session.rollback()
    return discharge_page(
        case_id,
        status,
        discharge_errors=errors,
        discharge_form=request.form,
        discharge_missing=missing or [],
    )


@bp.post("/beds/discharge/<int:case_id>")
@finds_client("case_id", client_of_case)
@page(Permission.CASE_PLACE)
def discharge(case_id: int) -> Response:
    """Discharge, then back to the board saying what became of the bed the case was in."""
    bed_id = beds.bed_of_case(case_id)
    refused = submit_discharge(case_id)
    if refused is not None:
        return _refused(case_id, *refused)
    db.session.commit()
    where = {"discharged": case_id, **({"bed": bed_id} if bed_id is not None else {})}
    return redirect(url_for("web.beds.board", **where) + "#outcome", 303)
