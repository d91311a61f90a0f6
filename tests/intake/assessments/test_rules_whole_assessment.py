"""Intake rules over a whole assessment: CLINICAL.md's worked example, risk and floors through
`evaluate_assessment`, and the rule set's choices."""

from __future__ import annotations

import json
from datetime import date

import pytest

from intake.assessments.checks import missing_sections, validate_sections
from intake.assessments.rule_set import DEFAULT_RULES, RULE_VERSION, RuleSet
from intake.assessments.rules import evaluate_assessment
from intake.instruments import InstrumentInputError
from tests.intake.assessments.rules_helpers import (
    ASHTON,
    ASSESSED_ON,
    LEVEL_TABLE,
    NO_CSSRS,
    VA_DOD,
    rank,
    sections,
    substance,
)

# --- Whole assessment ---------------------------------------------------------------------

RESULT_KEYS = {
    "rule_version",
    "sud",
    "screenings",
    "diazepam_equivalent_mg_per_day",
    "equivalence_table",
    "equivalence_missing",
    "recommendation",
    "flag_specs",
}


def worked_example():
    """CLINICAL.md's worked example: prescribed lorazepam 2 mg/day, taken as prescribed,
    supervised, tolerance and withdrawal only, PHQ-9 12 with item 9 = 0, positive PC-PTSD-5."""
    return sections(
        screenings={
            "phq9": [2, 2, 2, 2, 2, 1, 1, 0, 0],
            "pc_ptsd5": {"trauma_exposure": True, "items": [True, True, True, False, False]},
        },
        dimensions={key: {"rating": 1} for key in LEVEL_TABLE} | {"readiness": {"rating": 0}},
    )


def test_worked_example():
    given = worked_example()
    assert missing_sections(given) == []
    assert validate_sections(given, assessed_on=ASSESSED_ON) == {}
    results = evaluate_assessment(given, sex="female", assessed_on=ASSESSED_ON)

    assert set(results) == RESULT_KEYS
    assert results["rule_version"] == RULE_VERSION
    sud = results["sud"]
    assert sud["physical_dependence"] is True
    assert sud["use_disorder"] is False
    assert sud["severity"] == "none"
    assert sud["not_counted"] == ["tolerance", "withdrawal"]
    assert results["diazepam_equivalent_mg_per_day"] == pytest.approx(2 * 10 / ASHTON["lorazepam"])
    assert results["equivalence_table"] == "ashton"
    phq9 = results["screenings"]["phq9"]
    assert (phq9["score"], phq9["band"], phq9["positive"]) == (12, "moderate", True)
    assert results["screenings"]["pc_ptsd5"]["positive"] is True

    types = {spec["type"]: spec for spec in results["flag_specs"]}
    assert set(types) == {"depression", "ptsd"}
    assert {spec["category"] for spec in types.values()} == {"psychiatric"}
    assert "suicide_risk" not in types

    recommendation = results["recommendation"]
    assert rank(recommendation["level"]) >= rank("1")
    assert recommendation["setting"] == "outpatient"
    assert recommendation["requires_urgent_review"] is False
    assert "sud_floor" in recommendation["driving_dimensions"]
    assert len(recommendation["rationale"]) == len(recommendation["driving_dimensions"])
    for sentence in recommendation["rationale"]:
        assert sentence[0].isupper() and sentence.endswith(".")
        assert "needs at least level 1, outpatient" in sentence
    assert any("Physical dependence" in s for s in recommendation["rationale"])


def test_worked_example_without_supervision_is_a_mild_use_disorder():
    given = worked_example()
    given["dsm5"] = {**given["dsm5"], "medically_supervised": False}
    given["substances"] = [substance("lorazepam", "benzodiazepine", 2)]
    sud = evaluate_assessment(given, sex=None, assessed_on=ASSESSED_ON)["sud"]
    assert (sud["use_disorder"], sud["severity"], sud["counted"]) == (True, "mild", 2)
    assert sud["not_counted"] == []


def test_results_are_json_like():
    results = evaluate_assessment(worked_example(), sex=None, assessed_on=ASSESSED_ON)
    assert json.loads(json.dumps(results)) == results


def test_high_suicide_risk_in_whole_assessment():
    given = sections(screenings={"cssrs_screen": {**NO_CSSRS, "q2": True, "q5": True}})
    results = evaluate_assessment(given, sex=None, assessed_on=ASSESSED_ON)
    assert results["screenings"]["cssrs_screen"]["risk"] == "high"
    recommendation = results["recommendation"]
    assert recommendation["level"] == "3.7"
    assert "suicide_risk_high" in recommendation["driving_dimensions"]
    assert recommendation["requires_urgent_review"] is True
    assert {s["type"]: s["severity"] for s in results["flag_specs"]}["suicide_risk"] == "urgent"


def test_phq9_item9_in_whole_assessment_needs_urgent_review():
    given = sections(screenings={"phq9": [0] * 8 + [1]})
    recommendation = evaluate_assessment(given, sex=None, assessed_on=ASSESSED_ON)["recommendation"]
    assert recommendation["requires_urgent_review"] is True
    assert recommendation["level"] == "1"


@pytest.mark.parametrize(
    ("category", "name", "dose", "floor"),
    [
        ("alcohol", "wine", None, True),
        ("benzodiazepine", "diazepam", 10, True),
        ("z_drug", "zopiclone", 7.5, True),
        ("opioid", "heroin", None, False),
        ("stimulant", "cocaine", None, False),
    ],
)
def test_complicated_withdrawal_floor_needs_current_seizure_prone_substance(
    category, name, dose, floor
):
    given = sections(
        substances=[substance(name, category, dose)],
        dsm5={**sections()["dsm5"], "primary_substance": name, "medically_supervised": False},
        withdrawal_history={"seizures": True, "delirium": False},
    )
    results = evaluate_assessment(given, sex=None, assessed_on=ASSESSED_ON)
    assert ("complicated_withdrawal" in results["recommendation"]["driving_dimensions"]) is floor
    assert results["recommendation"]["level"] == ("3.7" if floor else "1")
    flag_specs = {s["type"] for s in results["flag_specs"]}
    assert "complicated_withdrawal_risk" in flag_specs


def test_complicated_withdrawal_floor_ignores_past_sedative_use():
    given = sections(
        substances=[
            substance("wine", "alcohol", None, date(2024, 12, 31)),
            substance("cannabis", "cannabis"),
        ],
        dsm5={**sections()["dsm5"], "primary_substance": "cannabis", "medically_supervised": False},
        withdrawal_history={"seizures": False, "delirium": True},
    )
    recommendation = evaluate_assessment(given, sex=None, assessed_on=ASSESSED_ON)["recommendation"]
    assert recommendation["driving_dimensions"] == ["sud_floor"]
    assert recommendation["level"] == "1"


@pytest.mark.parametrize(("sex", "flagged"), [("male", False), ("female", True), (None, True)])
def test_audit_c_in_whole_assessment_uses_the_clients_sex(sex, flagged):
    given = sections(screenings={"audit_c": [1, 1, 1]})
    results = evaluate_assessment(given, sex=sex, assessed_on=ASSESSED_ON)
    assert results["screenings"]["audit_c"]["positive"] is flagged
    assert ("alcohol_risk" in {s["type"] for s in results["flag_specs"]}) is flagged


def test_screenings_left_null_are_skipped():
    given = sections(screenings={"phq9": None, "gad7": [0] * 7})
    results = evaluate_assessment(given, sex=None, assessed_on=ASSESSED_ON)
    assert set(results["screenings"]) == {"gad7"}


def test_invalid_screening_answers_raise():
    given = sections(screenings={"phq9": [4] * 9})
    with pytest.raises(InstrumentInputError):
        evaluate_assessment(given, sex=None, assessed_on=ASSESSED_ON)


def test_rule_set_chooses_equivalence_table_and_version():
    rules = RuleSet(version="centre-2026-1", equivalence_table="va_dod")
    results = evaluate_assessment(worked_example(), sex=None, assessed_on=ASSESSED_ON, rules=rules)
    assert results["equivalence_table"] == "va_dod"
    assert results["diazepam_equivalent_mg_per_day"] == pytest.approx(2 * 10 / VA_DOD["lorazepam"])
    assert results["rule_version"] == "centre-2026-1"


def test_rule_set_rejects_unknown_equivalence_table():
    with pytest.raises(ValueError):
        RuleSet(equivalence_table="bnf")


def test_rule_set_is_frozen():
    with pytest.raises(AttributeError):
        DEFAULT_RULES.version = "x"
