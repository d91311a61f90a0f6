"""Screen 9: the bed board (units, rooms, beds, the waitlist)."""

from __future__ import annotations

from flask import Blueprint, Response

from auth.permissions import Permission
from web.pages import render
from web.security import page

bp = Blueprint("beds", __name__)


@bp.get("/beds")
@page(Permission.FACILITY_READ)
def board() -> Response:
    return render("beds/board.html")
