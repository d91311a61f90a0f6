"""Clinical notes and treatment plan routes (API.md "Placement and cases")."""

from __future__ import annotations

from flask_smorest import Blueprint

bp = Blueprint("notes", __name__, url_prefix="/api/v1", description="Notes and treatment plans")
