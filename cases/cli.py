"""Demo placements for `seed-demo`: beds and assessed clients with open cases, so every
screen (and the manager's report) has something to show. (The demo room and session series
are scheduling's seeder, which runs after this one.)"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from auth.cli import demo_user
from cases.episodes.beds import create_bed
from cases.episodes.models import Bed, Case
from cases.episodes.service import open_case
from core.extensions import db
from intake.assessments.placement import DIMENSIONS
from intake.assessments.service import start_assessment, submit_assessment
from intake.clients.models import Client
from intake.instruments.dsm5 import DSM5_CRITERIA

#: (client first name, level chosen, counsellor email, ratings, override reason)
DEMO_PLACEMENTS = [
    ("Alex", "3.7", "counsellor@demo.centre", {"withdrawal": 3}, None),
    ("Sam", "1", "counsellor@demo.centre", {}, None),
    ("Jordan", "2.1", "counsellor2@demo.centre", {"relapse_potential": 2}, None),
]


def _sections(ratings: dict[str, int]) -> dict[str, Any]:
    """The worked example of the intake issue: prescribed lorazepam, dependent, not addicted."""
    return {
        "substances": [
            {
                "substance": "lorazepam",
                "category": "benzodiazepine",
                "daily_dose_mg": 2,
                "prescribed": True,
                "taken_as_prescribed": True,
            }
        ],
        "dsm5": {
            "primary_substance": "lorazepam",
            "medically_supervised": True,
            "criteria": {
                **dict.fromkeys(DSM5_CRITERIA, False),
                "tolerance": True,
                "withdrawal": True,
            },
        },
        "screenings": {
            "phq9": [2, 2, 1, 1, 2, 1, 2, 1, 0],
            "pc_ptsd5": {"trauma_exposure": True, "items": [True, True, True, False, False]},
        },
        "withdrawal_history": {"seizures": False, "delirium": False},
        "dimensions": {key: {"rating": ratings.get(key, 1)} for key in DIMENSIONS},
        "goals": {
            "ideas": "Come off slowly",
            "concerns": "Sleep",
            "expectations": "Support",
            "what_health_looks_like": "Back at work",
        },
    }


def _facilities() -> None:
    manager = demo_user("manager@demo.centre")
    if not db.session.execute(sa.select(Bed.id)).first():
        for label in ("A", "B"):
            create_bed({"unit": "North", "room": "1", "label": label}, actor=manager)


def seed_demo_cases() -> list[str]:
    if db.session.execute(sa.select(Case.id)).first():
        return ["Demo cases: already present."]
    _facilities()
    intake, clinician = demo_user("intake@demo.centre"), demo_user("clinician@demo.centre")
    cases = []
    for first, level, counsellor_email, ratings, reason in DEMO_PLACEMENTS:
        client = db.session.execute(
            sa.select(Client).where(Client.first_name == first)
        ).scalar_one()
        assessment = start_assessment(client.id, _sections(ratings), actor=intake)
        submit_assessment(assessment, actor=intake)
        override = reason or (
            None if level == assessment.recommended_level else "Demo: clinician's judgement"
        )
        cases.append(
            open_case(
                {
                    "client_id": client.id,
                    "assessment_id": assessment.id,
                    "level": level,
                    "primary_counsellor_id": demo_user(counsellor_email).id,
                    "override_reason": override,
                },
                actor=clinician,
            )
        )
    return [f"Demo cases: {len(cases)} (one inpatient, two outpatient), 2 beds."]
