"""Screen 9: the bed board — units, rooms and beds with their occupants as the caller may see
them (`cases.episodes.beds.bed_board`, as `GET /api/v1/beds` serves it), the waitlist in
admission order (`cases.episodes.beds.waitlist`, as `GET /api/v1/waitlist`), admitting a
waitlisted case by hand into a free bed (clinicians) and, in `web.beds_discharge`, discharging
from the board with what became of the freed bed.

The board is one page of beds (the API's `page`/`per_page`) and one page of the waitlist
(`waitlist_page`): its caseload check is a join of the board's one query, so the number of
SQL statements does not grow with the beds on a page. A counsellor sees who is in a bed only
for clients on their caseload, else just "occupied". Only ids go in a URL.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

import marshmallow as ma
from flask import Blueprint, Response, redirect, request, url_for
from sqlalchemy.exc import IntegrityError

from auth.permissions import Permission, allowed, current_actor
from cases.episodes import beds
from cases.episodes.models import Bed, client_of_case
from cases.episodes.schemas import CaseCreateSchema
from core.audit import finds_client
from core.errors import DomainError, ValidationFailed
from core.extensions import db
from core.http import page_args_schema
from web.forms import FormInvalid, domain_errors, flatten, load
from web.pages import page_count, render
from web.security import page

bp = Blueprint("beds", __name__)

BEDS_PER_PAGE = 40
WAITLIST_PER_PAGE = 20
RACED = "Someone took that bed or admitted this case at the same moment; check the board again."

_id = ma.fields.Integer(validate=ma.validate.Range(min=1))

#: The board's query string: the API's bed pagination, the waitlist's page, and the ids of
#: what the last action did (`discharged`/`admitted` a case, the `bed` it concerned).
BoardArgsSchema = page_args_schema(
    "BoardArgsSchema",
    per_page=ma.fields.Integer(
        load_default=BEDS_PER_PAGE, validate=ma.validate.Range(min=1, max=200)
    ),
    waitlist_page=ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100000)),
    discharged=_id,
    admitted=_id,
    bed=_id,
)


def bed_label(bed: Bed) -> str:
    """How a bed is named on every screen (as the placement form names it)."""
    return f"{bed.unit} · room {bed.room} · bed {bed.label}"


def board_args() -> dict[str, Any]:
    """The query string checked like the API's (unknown or bad values: 422 naming them)."""
    try:
        return BoardArgsSchema().load(request.args)
    except ma.ValidationError as error:
        named = "; ".join(f"{k}: {' '.join(v)}" for k, v in flatten(error.messages).items())
        raise ValidationFailed(f"The address is not a board page ({named}).") from error


def units_of(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The page's beds as units → rooms → beds, in the board's own order (unit, room,
    label: the query's), with each room's free-bed count."""
    units = []
    for unit, in_unit in groupby(entries, key=lambda e: e["bed"].unit):
        rooms = []
        for room, in_room in groupby(in_unit, key=lambda e: e["bed"].room):
            shown = list(in_room)
            free = sum(1 for e in shown if e["bed"].active and not e["occupied"])
            rooms.append({"room": room, "beds": shown, "free": free})
        units.append({"unit": unit, "rooms": rooms})
    return units


def _tally(entries: list[dict[str, Any]]) -> dict[str, int]:
    """Free, occupied and out-of-service beds on the page, said in words above the board."""
    out = sum(1 for e in entries if not e["bed"].active)
    occupied = sum(1 for e in entries if e["occupied"])
    return {"free": len(entries) - out - occupied, "occupied": occupied, "out": out}


def _outcome(args: dict[str, Any], actor: Any) -> dict[str, Any] | None:
    """What the last action did, from the ids in the address: the bed as it is now."""
    if "discharged" not in args and "admitted" not in args:
        return None
    bed = beds.bed_entry(args["bed"], actor=actor) if "bed" in args else None
    return {"discharged": args.get("discharged"), "admitted": args.get("admitted"), "bed": bed}


def board_page(status: int = 200, **extra: Any) -> Response:
    """The board for the signed-in user; `extra` carries a refused admission back (its
    case, form and errors) with the status of the refusal."""
    actor = current_actor()
    args = board_args() if status < 400 else BoardArgsSchema().load({})
    board = beds.bed_board(actor=actor, page=args["page"], per_page=args["per_page"])
    waiting = beds.waitlist(actor=actor, page=args["waitlist_page"], per_page=WAITLIST_PER_PAGE)
    may_place = allowed(actor.role, Permission.CASE_PLACE)
    free = beds.free_beds() if may_place and waiting["items"] else []
    outcome = _outcome(args, actor)
    if status < 400:  # a refusal is rolled back, leaving one audit event (core.app)
        db.session.commit()
    return render(
        "beds/board.html",
        status,
        board=board,
        units=units_of(board["items"]),
        tally=_tally(board["items"]),
        pages=page_count(board),
        waitlist=waiting,
        waitlist_pages=page_count(waiting),
        args=args,
        free_beds=free,
        bed_options=[(b.id, bed_label(b)) for b in free],
        may_place=may_place,
        bed_label=bed_label,
        outcome=outcome,
        **extra,
    )


@bp.get("/beds")
@page(Permission.FACILITY_READ)
def board() -> Response:
    """The board: a page of beds and a page of the waitlist (GET /api/v1/beds's twin)."""
    return board_page()


def _beside_the_bed(error: DomainError) -> dict[str, list[str]]:
    """A service's refusal; an occupied bed (409 naming its `bed_id`) beside the bed."""
    errors = domain_errors(error)
    if "bed_id" in error.extra and list(errors) == ["_form"]:
        return {"bed_id": errors["_form"]}
    return errors


def _refused(case_id: int, status: int, errors: Any) -> Response:
    """The board again with the refused admission's errors; nothing of it is kept."""
    db.session.rollback()
    return board_page(status, admit_case_id=case_id, admit_errors=errors, admit_form=request.form)


@bp.post("/beds/admit/<int:case_id>")
@finds_client("case_id", client_of_case)
@page(Permission.CASE_PLACE)
def admit(case_id: int) -> Response:
    """Admit a waitlisted case into the chosen free bed, or the first free one."""
    try:
        data = load(CaseCreateSchema(only=("bed_id",)), request.form)
        case = beds.admit_from_waitlist(case_id, data.get("bed_id"), actor=current_actor())
        db.session.commit()
    except FormInvalid as invalid:
        return _refused(case_id, 422, invalid.errors)
    except DomainError as error:
        if error.code == 404:
            raise
        return _refused(case_id, error.code, _beside_the_bed(error))
    except IntegrityError:
        return _refused(case_id, 409, {"_form": [RACED]})
    target = url_for("web.beds.board", admitted=case.id, bed=case.bed_id)
    return redirect(target + "#outcome", 303)


# The board's discharge: its routes register on `bp` when the module loads.
from web import beds_discharge  # noqa: E402

__all__ = ["beds_discharge", "board_page", "bp"]
