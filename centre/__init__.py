"""The composition root: the one place that lists every domain's blueprints, commands, demo
seeders and set-up, and builds the app from them with the generic factory in `core.app`.
It stands above every domain; no domain imports it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from aftercare.discharge.views import bp as discharge_bp
from aftercare.follow_ups.views import bp as follow_ups_bp
from aftercare.plans.views import bp as aftercare_plans_bp
from auth.cli import create_user_command, seed_demo_accounts
from auth.login import init_login
from auth.views import bp as auth_bp
from cases.cli import seed_demo_cases
from cases.episodes.lookup import provide_client_episodes
from cases.episodes.views import bp as episodes_bp
from cases.notes.views import bp as notes_bp
from cases.tapers.views import bp as tapers_bp
from cases.treatment_plans.views import bp as treatment_plans_bp
from cases.withdrawal.views import bp as withdrawal_bp
from core.app import Composition, build_app
from core.audit_partitions import audit_partitions_command
from intake.assessments.views import bp as assessments_bp
from intake.cli import seed_demo_clients
from intake.clients.views import bp as clients_bp
from intake.flags.views import bp as flags_bp
from privacy.cli import seed_demo_privacy
from privacy.consents.views import bp as consents_bp
from privacy.disclosures.views import bp as disclosures_bp
from privacy.emergency.views import bp as emergency_bp
from privacy.fhir.views import bp as fhir_bp
from reports.views import bp as reports_bp
from scheduling.calendars.views import bp as calendars_bp
from scheduling.cli import seed_demo_sessions
from scheduling.rooms.views import bp as rooms_bp
from scheduling.sessions.views import bp as sessions_bp
from web import bp as web_bp
from work.cli import sweep_command
from work.setup import init_work
from work.views import bp as work_bp

COMPOSITION = Composition(
    blueprints=(
        auth_bp,
        clients_bp,
        assessments_bp,
        flags_bp,
        episodes_bp,
        notes_bp,
        treatment_plans_bp,
        tapers_bp,
        withdrawal_bp,
        sessions_bp,
        rooms_bp,
        calendars_bp,
        aftercare_plans_bp,
        discharge_bp,
        follow_ups_bp,
        reports_bp,
        consents_bp,
        disclosures_bp,
        emergency_bp,
        fhir_bp,
        work_bp,
    ),
    pages=(web_bp,),
    commands=(create_user_command, sweep_command, audit_partitions_command),
    seeders=(
        seed_demo_accounts,
        seed_demo_clients,
        seed_demo_cases,
        seed_demo_privacy,
        seed_demo_sessions,
    ),
    setup=(init_login, provide_client_episodes, init_work),
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The whole service. `config` overrides what the environment gives (tests use it)."""
    return build_app(COMPOSITION, config)
