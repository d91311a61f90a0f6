"""Placeholder blueprint for the placement screens (filled in next)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("placement", __name__)
