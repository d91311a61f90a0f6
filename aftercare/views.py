"""Aftercare routes (API.md "Aftercare"): relapse-prevention plans, discharge, follow-ups."""

from __future__ import annotations

from flask_smorest import Blueprint

from aftercare import models  # noqa: F401  (mapped before the first request)

bp = Blueprint("aftercare", __name__, url_prefix="/api/v1", description="Aftercare")
