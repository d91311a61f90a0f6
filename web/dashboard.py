"""Screen 11: the manager dashboard."""

from __future__ import annotations

from flask import Blueprint, Response

from auth.permissions import Permission
from web.pages import render
from web.security import page

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@page(Permission.REPORT_READ)
def show() -> Response:
    return render("dashboard/show.html")
