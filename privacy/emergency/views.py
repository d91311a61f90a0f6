"""API routes of privacy.emergency (being built)."""

from __future__ import annotations

from flask_smorest import Blueprint

bp = Blueprint("emergency", __name__, url_prefix="/api/v1", description="Emergency")
