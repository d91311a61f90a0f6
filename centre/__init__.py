"""The composition root: the one place that lists every domain's blueprints, commands, demo
seeders and set-up, and builds the app from them with the generic factory in `core.app`.
It stands above every domain; no domain imports it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from aftercare.views import bp as aftercare_bp
from auth.cli import create_user_command, seed_demo_accounts
from auth.login import init_login
from auth.views import bp as auth_bp
from cases.cli import seed_demo_cases
from cases.medication_views import bp as medication_bp
from cases.note_views import bp as notes_bp
from cases.views import bp as cases_bp
from core.app import Composition, build_app
from intake.assessment_views import bp as assessments_bp
from intake.cli import seed_demo_clients
from intake.flag_views import bp as flags_bp
from intake.views import bp as intake_bp
from reports.views import bp as reports_bp
from scheduling.cli import seed_demo_sessions
from scheduling.views import bp as sessions_bp

COMPOSITION = Composition(
    blueprints=(
        auth_bp,
        intake_bp,
        assessments_bp,
        flags_bp,
        cases_bp,
        notes_bp,
        medication_bp,
        sessions_bp,
        aftercare_bp,
        reports_bp,
    ),
    commands=(create_user_command,),
    seeders=(seed_demo_accounts, seed_demo_clients, seed_demo_cases, seed_demo_sessions),
    setup=(init_login,),
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The whole service. `config` overrides what the environment gives (tests use it)."""
    return build_app(COMPOSITION, config)
