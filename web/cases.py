"""Screen 7: the case page."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from auth.permissions import Permission
from web.security import page

bp = Blueprint("cases", __name__)


@bp.get("/cases/<int:case_id>")
@page(Permission.CASE_READ)
def show(case_id: int) -> Response:
    abort(501)
