"""Screen 4: the intake assessment (stepped form, drafts, live scores, submit, results)."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from auth.permissions import Permission
from web.security import page

bp = Blueprint("assessments", __name__)


@bp.post("/clients/<int:client_id>/assessments")
@page(Permission.ASSESSMENT_WRITE)
def start(client_id: int) -> Response:
    abort(501)


@bp.get("/assessments/<int:assessment_id>")
@page(Permission.CLIENT_READ)
def show(assessment_id: int) -> Response:
    abort(501)
