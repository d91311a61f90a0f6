"""Tables copied from CLINICAL.md (§§1, 2, 3 and 5) and helpers shared by the intake rule
tests (test_rules_*.py, test_rules_v2.py), so a change in the implementation that drifts from
the document fails there.
"""

from __future__ import annotations

from datetime import date

from intake.assessments.rules import classify_sud, derive_flags, recommend_level, score_screenings
from intake.instruments.dsm5 import DSM5_CRITERIA

# CLINICAL.md §2: oral mg equal to 10 mg diazepam.
ASHTON = {
    "alprazolam": 0.5,
    "chlordiazepoxide": 25,
    "clonazepam": 0.5,
    "clorazepate": 15,
    "diazepam": 10,
    "lorazepam": 1,
    "oxazepam": 20,
    "temazepam": 20,
    "triazolam": 0.5,
    "nitrazepam": 10,
    "zolpidem": 20,
    "zopiclone": 15,
    # rule version 2: Ashton's single published values
    "clobazam": 20,
    "flunitrazepam": 1,
    "quazepam": 20,
    "zaleplon": 20,
    "eszopiclone": 3,
}
# VA/DoD SUD CPG 2021 (2025 Joint Guideline, Table 7); every other drug as Ashton.
VA_DOD = {
    **ASHTON,
    "alprazolam": 1,
    "clonazepam": 1,
    "lorazepam": 2,
    "oxazepam": 30,
    "temazepam": 15,
    "triazolam": 0.25,
    "quazepam": 10,
}

# CLINICAL.md §5: minimum level for ratings 0..4.
LEVEL_TABLE = {
    "withdrawal": ["0.5", "1", "2.1", "3.7", "4"],
    "biomedical": ["0.5", "1", "2.1", "3.7", "4"],
    "emotional_behavioural": ["0.5", "1", "2.1", "3.5", "4"],
    "readiness": ["0.5", "1", "1", "2.1", "2.1"],
    "relapse_potential": ["0.5", "1", "2.1", "2.5", "3.5"],
    "recovery_environment": ["0.5", "1", "2.1", "3.1", "3.5"],
}
LEVEL_ORDER = ["0.5", "1", "2.1", "2.5", "3.1", "3.5", "3.7", "4"]
INPATIENT = {"3.1", "3.5", "3.7", "4"}

# CLINICAL.md §3: flag categories.
FLAG_TABLE = {
    "psychiatric": [
        "depression",
        "anxiety",
        "ptsd",
        "bipolar",
        "borderline_personality",
        "psychosis",
        "other_psychiatric",
    ],
    "substance": [
        "polysubstance",
        "alcohol_risk",
        "drug_use_risk",
        "benzodiazepine_dependence",
        "relapse",
    ],
    "safety": ["suicide_risk", "self_harm", "violence_risk"],
    "medical": [
        "complicated_withdrawal_risk",
        "respiratory_depression_risk",
        "severe_withdrawal",
        "pregnancy",
        "falls_risk",
        "other_medical",
    ],
    "care": ["aftercare_missing", "other_care"],
}

# CLINICAL.md §1: criteria counted -> severity.
SUD_SEVERITY = {0: "none", 1: "none", 2: "mild", 3: "mild", 4: "moderate", 5: "moderate"}
SUD_SEVERITY |= {n: "severe" for n in range(6, 12)}

ASSESSED_ON = date(2026, 3, 15)
ZERO_RATINGS = dict.fromkeys(LEVEL_TABLE, 0)
NO_SUD = classify_sud({}, False)


def rank(level: str) -> int:
    return LEVEL_ORDER.index(level)


def criteria(*met: str) -> dict[str, bool]:
    return {key: key in met for key in DSM5_CRITERIA}


def substance(name, category, dose=None, last_use=None, prescribed=False, as_prescribed=False):
    return {
        "substance": name,
        "category": category,
        "daily_dose_mg": dose,
        "last_use": last_use,
        "prescribed": prescribed,
        "taken_as_prescribed": as_prescribed,
    }


def recommend(ratings=None, sud=NO_SUD, *, complicated=False, cssrs_high=False, item9=False):
    return recommend_level(
        {**ZERO_RATINGS, **(ratings or {})},
        sud,
        complicated_withdrawal_with_current_sedative=complicated,
        cssrs_high=cssrs_high,
        phq9_item9_positive=item9,
    )


def sections(**overrides):
    """A complete, submittable assessment: prescribed lorazepam, supervised."""
    base = {
        "substances": [substance("lorazepam", "benzodiazepine", 2, None, True, True)],
        "dsm5": {
            "primary_substance": "lorazepam",
            "medically_supervised": True,
            "criteria": criteria("tolerance", "withdrawal"),
        },
        "dimensions": {key: {"rating": 0, "note": ""} for key in LEVEL_TABLE},
    }
    return base | overrides


def flag_types(specs) -> dict[str, str]:
    return {spec.type: spec.severity for spec in specs}


def flags_for(screenings=None, history=(), substances=(), withdrawal=None, sex=None):
    scored = score_screenings(screenings or {}, sex=sex)
    return derive_flags(
        screenings=scored,
        psychiatric_history=history,
        substances=substances,
        withdrawal_history=withdrawal,
        assessed_on=ASSESSED_ON,
    )


NO_CSSRS = {f"q{i}": False for i in range(1, 7)}
