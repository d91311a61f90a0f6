"""API routes of privacy.disclosures (being built)."""

from __future__ import annotations

from flask_smorest import Blueprint

bp = Blueprint("disclosures", __name__, url_prefix="/api/v1", description="Disclosures")
