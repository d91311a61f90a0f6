"""Screen 10: aftercare (relapse-prevention plans, follow-ups)."""

from __future__ import annotations

from flask import Blueprint, Response

from auth.permissions import Permission
from web.pages import render
from web.security import page

bp = Blueprint("aftercare", __name__)


@bp.get("/follow-ups")
@page(Permission.CLINICAL_RECORD_READ)
def follow_ups() -> Response:
    return render("aftercare/follow_ups.html")
