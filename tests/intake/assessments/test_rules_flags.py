"""Intake rules, CLINICAL.md §3: the flags raised by screenings, psychiatric history, substances
and withdrawal history, their de-duplication, and dual diagnosis."""

from __future__ import annotations

from datetime import date

import pytest

from intake.assessments.rules import dual_diagnosis, score_screenings
from intake.flags.rules import FLAG_TYPES, FlagSpec, dedupe_flags, severity_rank
from tests.intake.assessments.rules_helpers import (
    FLAG_TABLE,
    NO_CSSRS,
    flag_types,
    flags_for,
    substance,
)

# --- Flags (§3) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "answers", "flag", "severity"),
    [
        ("phq9", [2, 2, 2, 2, 2, 0, 0, 0, 0], "depression", "warning"),
        ("gad7", [2, 2, 2, 2, 2, 0, 0], "anxiety", "warning"),
        (
            "pc_ptsd5",
            {"trauma_exposure": True, "items": [True] * 3 + [False] * 2},
            "ptsd",
            "warning",
        ),
        (
            "mdq",
            {"items": [True] * 7 + [False] * 6, "same_period": True, "problem": "moderate"},
            "bipolar",
            "warning",
        ),
        ("msi_bpd", [True] * 7 + [False] * 3, "borderline_personality", "warning"),
        ("audit_c", [1, 1, 1], "alcohol_risk", "warning"),
        ("dast10", [True, True, False] + [False] * 7, "drug_use_risk", "warning"),
        ("sds", [3, 3, 1, 0, 0], "benzodiazepine_dependence", "warning"),
        ("ciwa_b", [3] * 13 + [2] + [0] * 6, "severe_withdrawal", "urgent"),
    ],
)
def test_positive_screen_raises_its_flag(name, answers, flag, severity):
    specs = flags_for({name: answers})
    assert flag_types(specs) == {flag: severity}
    (spec,) = specs
    assert spec.category == FLAG_TABLE_CATEGORY[flag]
    assert (spec.source_kind, spec.instrument) == ("screening", name)
    assert spec.score == score_screenings({name: answers}, sex=None)[name].score
    assert spec.note


FLAG_TABLE_CATEGORY = {t: category for category, types in FLAG_TABLE.items() for t in types}


@pytest.mark.parametrize(
    ("name", "answers"),
    [
        ("phq9", [2, 2, 2, 2, 1, 0, 0, 0, 0]),
        ("gad7", [2, 2, 2, 2, 1, 0, 0]),
        ("dast10", [True, False, True] + [False] * 7),
        ("sds", [3, 3, 0, 0, 0]),
        ("ciwa_b", [2] * 20),
        ("cssrs_screen", NO_CSSRS),
    ],
)
def test_negative_screen_raises_nothing(name, answers):
    assert flags_for({name: answers}) == []


def test_phq9_item9_raises_urgent_suicide_risk_whatever_the_total():
    specs = flags_for({"phq9": [0] * 8 + [1]})
    assert flag_types(specs) == {"suicide_risk": "urgent"}
    assert specs[0].category == "safety"


@pytest.mark.parametrize(
    ("answers", "severity"),
    [
        ({**NO_CSSRS, "q1": True}, "info"),
        ({**NO_CSSRS, "q2": True, "q3": True}, "warning"),
        ({**NO_CSSRS, "q6": True, "q6_recent": False}, "warning"),
        ({**NO_CSSRS, "q2": True, "q4": True}, "urgent"),
        ({**NO_CSSRS, "q6": True, "q6_recent": True}, "urgent"),
    ],
)
def test_cssrs_risk_sets_suicide_risk_severity(answers, severity):
    assert flag_types(flags_for({"cssrs_screen": answers})) == {"suicide_risk": severity}


def test_suicide_risk_from_two_sources_is_one_flag_with_highest_severity():
    specs = flags_for({"phq9": [0] * 8 + [2], "cssrs_screen": {**NO_CSSRS, "q1": True}})
    assert flag_types(specs) == {"suicide_risk": "urgent"}
    assert specs[0].instrument == "phq9"


def test_suicide_risk_highest_wins_whatever_the_order():
    specs = flags_for({"cssrs_screen": {**NO_CSSRS, "q2": True, "q5": True}, "phq9": [0] * 9})
    assert flag_types(specs) == {"suicide_risk": "urgent"}
    assert specs[0].instrument == "cssrs_screen"


def test_history_and_screening_of_same_type_give_one_flag():
    specs = flags_for({"phq9": [3] * 4 + [0] * 5}, history=["depression"])
    assert [spec.type for spec in specs] == ["depression"]


@pytest.mark.parametrize("diagnosis", list(FLAG_TABLE["psychiatric"]))
def test_psychiatric_history_raises_flag_of_same_type(diagnosis):
    (spec,) = flags_for(history=[diagnosis])
    assert (spec.type, spec.category, spec.severity) == (diagnosis, "psychiatric", "warning")
    assert (spec.source_kind, spec.instrument, spec.score) == ("history", None, None)


def test_unknown_psychiatric_history_raises():
    with pytest.raises(ValueError):
        flags_for(history=["melancholy"])


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([("lorazepam", "benzodiazepine")], {}),
        ([("lorazepam", "benzodiazepine"), ("zolpidem", "z_drug")], {}),
        ([("diazepam", "benzodiazepine"), ("lorazepam", "benzodiazepine")], {}),
        ([("wine", "alcohol"), ("cannabis", "cannabis")], {"polysubstance": "warning"}),
        (
            [("lorazepam", "benzodiazepine"), ("wine", "alcohol")],
            {"polysubstance": "warning", "respiratory_depression_risk": "urgent"},
        ),
        (
            [("zopiclone", "z_drug"), ("heroin", "opioid")],
            {"polysubstance": "warning", "respiratory_depression_risk": "urgent"},
        ),
        (
            [("heroin", "opioid"), ("wine", "alcohol")],
            {"polysubstance": "warning", "respiratory_depression_risk": "urgent"},
        ),
        ([("cocaine", "stimulant"), ("ketamine", "other")], {"polysubstance": "warning"}),
        ([("ketamine", "other"), ("lsd", "other")], {"polysubstance": "warning"}),
        ([("ketamine", "other"), ("Ketamine ", "other")], {}),
    ],
)
def test_substance_flags(entries, expected):
    specs = flags_for(substances=[substance(name, category, 1) for name, category in entries])
    assert flag_types(specs) == expected
    assert all(spec.source_kind == "history" for spec in specs)


def test_substance_flags_ignore_use_more_than_twelve_months_ago():
    old = date(2025, 3, 14)
    entries = [substance("lorazepam", "benzodiazepine", 1), substance("wine", "alcohol", None, old)]
    assert flags_for(substances=entries) == []


def test_substance_flags_count_use_exactly_twelve_months_ago():
    edge = date(2025, 3, 15)
    entries = [
        substance("lorazepam", "benzodiazepine", 1),
        substance("wine", "alcohol", None, edge),
    ]
    assert set(flag_types(flags_for(substances=entries))) == {
        "polysubstance",
        "respiratory_depression_risk",
    }


@pytest.mark.parametrize(
    ("history", "raised"),
    [
        ({"seizures": True, "delirium": False}, True),
        ({"seizures": False, "delirium": True}, True),
        ({"seizures": True, "delirium": True}, True),
        ({"seizures": False, "delirium": False, "previous_detox_count": 3}, False),
        (None, False),
    ],
)
def test_withdrawal_history_raises_complicated_withdrawal_risk(history, raised):
    expected = {"complicated_withdrawal_risk": "urgent"} if raised else {}
    assert flag_types(flags_for(withdrawal=history)) == expected


def test_flags_come_urgent_first():
    specs = flags_for(
        {"gad7": [3] * 4 + [0] * 3, "cssrs_screen": {**NO_CSSRS, "q1": True}},
        withdrawal={"seizures": True, "delirium": False},
    )
    severities = [severity_rank(spec.severity) for spec in specs]
    assert severities == sorted(severities, reverse=True)
    assert specs[0].type == "complicated_withdrawal_risk"


def make_spec(flag_type: str, severity: str, note: str) -> FlagSpec:
    return FlagSpec(flag_type, FLAG_TYPES[flag_type], severity, "screening", None, None, note)


def test_dedupe_keeps_highest_severity_per_type():
    specs = [
        make_spec("suicide_risk", "info", "a"),
        make_spec("suicide_risk", "urgent", "b"),
        make_spec("suicide_risk", "warning", "c"),
        make_spec("anxiety", "warning", "d"),
    ]
    assert [(s.type, s.note) for s in dedupe_flags(specs)] == [
        ("suicide_risk", "b"),
        ("anxiety", "d"),
    ]


def test_dedupe_keeps_the_first_on_a_tie():
    specs = [make_spec("ptsd", "warning", "first"), make_spec("ptsd", "warning", "second")]
    assert [s.note for s in dedupe_flags(specs)] == ["first"]


# --- Dual diagnosis -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("categories", "sud", "expected"),
    [
        (["psychiatric"], {"use_disorder": True, "physical_dependence": False}, True),
        (["psychiatric"], {"use_disorder": False, "physical_dependence": True}, True),
        (["psychiatric"], {"use_disorder": False, "physical_dependence": False}, False),
        (["substance", "safety"], {"use_disorder": True, "physical_dependence": True}, False),
        (["psychiatric"], None, False),
        ([], {"use_disorder": True, "physical_dependence": True}, False),
    ],
)
def test_dual_diagnosis(categories, sud, expected):
    assert dual_diagnosis(categories, sud) is expected
