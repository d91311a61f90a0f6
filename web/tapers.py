"""Case page: taper plans (to be filled in)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

bp = Blueprint("tapers", __name__)


def taper_section(case: Any, actor: Any) -> dict[str, Any]:
    """Context for templates/cases/_taper.html on the case page."""
    return {}
