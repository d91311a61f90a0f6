"""Screen 8: the calendar (week views, booking, attendance)."""

from __future__ import annotations

from flask import Blueprint, Response

from auth.permissions import Permission
from web.pages import render
from web.security import page

bp = Blueprint("calendar", __name__)


@bp.get("/calendar")
@page(Permission.SESSION_READ)
def week() -> Response:
    return render("calendar/week.html")
