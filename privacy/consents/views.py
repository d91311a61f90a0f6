"""API routes of privacy.consents (being built)."""

from __future__ import annotations

from flask_smorest import Blueprint

bp = Blueprint("consents", __name__, url_prefix="/api/v1", description="Consents")
