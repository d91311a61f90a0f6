"""Screen 12: admin (staff accounts, the audit trail)."""

from __future__ import annotations

from flask import Blueprint, Response

from auth.permissions import Permission
from web.pages import render
from web.security import page

bp = Blueprint("admin", __name__)


@bp.get("/admin/staff")
@page(Permission.STAFF_MANAGE)
def staff() -> Response:
    return render("admin/staff.html")


@bp.get("/admin/audit")
@page(Permission.AUDIT_READ)
def audit() -> Response:
    return render("admin/staff.html")
