"""API routes of privacy.fhir (being built)."""

from __future__ import annotations

from flask_smorest import Blueprint

bp = Blueprint("fhir", __name__, url_prefix="/api/v1", description="Fhir")
