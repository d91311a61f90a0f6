"""Case page: withdrawal scores (to be filled in)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

bp = Blueprint("withdrawal", __name__)


def withdrawal_section(case: Any, actor: Any) -> dict[str, Any]:
    """Context for templates/cases/_withdrawal.html on the case page."""
    return {}
