"""Taper plan and withdrawal monitoring routes (API.md "Placement and cases")."""

from __future__ import annotations

from flask_smorest import Blueprint

bp = Blueprint(
    "medication", __name__, url_prefix="/api/v1", description="Taper plans and withdrawal scores"
)
