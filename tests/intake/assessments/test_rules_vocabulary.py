"""Intake rules: the vocabulary (levels, dimensions, DSM-5 criteria, substance categories, flag
types and severities) against CLINICAL.md, and the setting each level of care belongs to."""

from __future__ import annotations

import pytest

from intake.assessments.placement import (
    DIMENSIONS,
    INPATIENT_LEVELS,
    LEVELS,
    OUTPATIENT_LEVELS,
    setting_for_level,
)
from intake.assessments.rule_set import DEFAULT_RULES, RULE_VERSION
from intake.flags.rules import FLAG_SEVERITIES, FLAG_TYPES, PSYCHIATRIC_DIAGNOSES, severity_rank
from intake.instruments.dsm5 import DSM5_CRITERIA
from intake.instruments.substances import SUBSTANCE_CATEGORIES
from tests.intake.assessments.rules_helpers import FLAG_TABLE, INPATIENT, LEVEL_ORDER, LEVEL_TABLE

# --- Vocabulary ---------------------------------------------------------------------------


def test_vocabulary_matches_api():
    assert tuple(LEVEL_ORDER) == LEVELS
    assert set(INPATIENT_LEVELS) == INPATIENT
    assert set(OUTPATIENT_LEVELS) == set(LEVEL_ORDER) - INPATIENT
    assert tuple(LEVEL_TABLE) == DIMENSIONS
    assert len(DSM5_CRITERIA) == 11
    assert DSM5_CRITERIA[0] == "larger_longer"
    assert DSM5_CRITERIA[-2:] == ("tolerance", "withdrawal")
    assert set(SUBSTANCE_CATEGORIES) == {
        "benzodiazepine",
        "z_drug",
        "opioid",
        "alcohol",
        "stimulant",
        "cannabis",
        "other",
    }
    assert tuple(FLAG_TABLE["psychiatric"]) == PSYCHIATRIC_DIAGNOSES
    assert DEFAULT_RULES.version == RULE_VERSION


def test_flag_types_follow_the_clinical_table():
    expected = {t: category for category, types in FLAG_TABLE.items() for t in types}
    assert expected == FLAG_TYPES


def test_severity_rank_orders_info_warning_urgent():
    assert FLAG_SEVERITIES == ("info", "warning", "urgent")
    assert severity_rank("info") < severity_rank("warning") < severity_rank("urgent")
    with pytest.raises(ValueError):
        severity_rank("critical")


@pytest.mark.parametrize("level", LEVEL_ORDER)
def test_setting_for_level(level):
    assert setting_for_level(level) == ("inpatient" if level in INPATIENT else "outpatient")


def test_setting_for_unknown_level_raises():
    with pytest.raises(ValueError):
        setting_for_level("3")
