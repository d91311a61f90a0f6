"""Therapy session and room routes (API.md "Therapy sessions")."""

from __future__ import annotations

from flask_smorest import Blueprint

from scheduling import models  # noqa: F401  (mapped before the first request)

bp = Blueprint("sessions", __name__, url_prefix="/api/v1", description="Therapy sessions")
