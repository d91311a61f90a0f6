"""Intake rules, CLINICAL.md §5: the recommended level of care from the dimension table, the
floors (use disorder, complicated withdrawal, high suicide risk) and urgent review."""

from __future__ import annotations

import pytest

from intake.assessments.placement import PlacementRules
from intake.assessments.rule_set import RULE_VERSION, RuleSet
from intake.assessments.rules import classify_sud, recommend_level
from tests.intake.assessments.rules_helpers import (
    INPATIENT,
    LEVEL_TABLE,
    NO_SUD,
    ZERO_RATINGS,
    criteria,
    recommend,
)

# --- Level of care (§5) -------------------------------------------------------------------


@pytest.mark.parametrize("rating", range(5))
@pytest.mark.parametrize("dimension", list(LEVEL_TABLE))
def test_level_table_cell(dimension, rating):
    result = recommend({dimension: rating})
    expected = LEVEL_TABLE[dimension][rating]
    assert result.level == expected
    assert result.setting == ("inpatient" if expected in INPATIENT else "outpatient")
    assert dimension in result.driving_dimensions
    assert len(result.rationale) == len(result.driving_dimensions)
    assert result.requires_urgent_review is False


def test_no_need_is_early_intervention_driven_by_every_dimension():
    result = recommend()
    assert result.level == "0.5"
    assert result.driving_dimensions == list(LEVEL_TABLE)


def test_maximum_of_minimums_not_an_average():
    result = recommend({"readiness": 4, "relapse_potential": 3, "recovery_environment": 1})
    assert result.level == "2.5"
    assert result.driving_dimensions == ["relapse_potential"]


def test_every_dimension_at_the_result_drives_it():
    result = recommend({"withdrawal": 2, "biomedical": 2, "readiness": 3})
    assert result.level == "2.1"
    assert result.driving_dimensions == ["withdrawal", "biomedical", "readiness"]


def test_rationale_sentence_is_readable():
    result = recommend({"withdrawal": 3})
    assert result.rationale == [
        "Withdrawal rated 3 (severe): needs at least level 3.7, medically monitored inpatient."
    ]


@pytest.mark.parametrize(
    "sud",
    [
        classify_sud(criteria("craving", "cut_down"), False),
        classify_sud(criteria("tolerance"), True),
    ],
    ids=["use_disorder", "dependence_only"],
)
def test_sud_floor_lifts_early_intervention_to_outpatient(sud):
    result = recommend(sud=sud)
    assert result.level == "1"
    assert result.driving_dimensions == ["sud_floor"]
    assert "needs at least level 1, outpatient." in result.rationale[0]


def test_sud_floor_drives_alongside_dimensions_at_level_1():
    sud = classify_sud(criteria("craving", "cut_down"), False)
    result = recommend({"readiness": 2}, sud)
    assert result.level == "1"
    assert result.driving_dimensions == ["readiness", "sud_floor"]


def test_sud_floor_does_not_drive_above_level_1():
    sud = classify_sud(criteria("craving", "cut_down"), False)
    result = recommend({"biomedical": 2}, sud)
    assert result.level == "2.1"
    assert result.driving_dimensions == ["biomedical"]


def test_complicated_withdrawal_floor_is_3_7():
    result = recommend(complicated=True)
    assert result.level == "3.7"
    assert result.setting == "inpatient"
    assert result.driving_dimensions == ["complicated_withdrawal"]
    assert "seizures or delirium" in result.rationale[0]


def test_complicated_withdrawal_ties_with_severe_withdrawal_rating():
    result = recommend({"withdrawal": 3}, complicated=True)
    assert result.level == "3.7"
    assert result.driving_dimensions == ["withdrawal", "complicated_withdrawal"]
    assert len(result.rationale) == 2


def test_dimension_above_floor_wins():
    result = recommend({"biomedical": 4}, complicated=True, cssrs_high=True)
    assert result.level == "4"
    assert result.driving_dimensions == ["biomedical"]
    assert result.requires_urgent_review is True


def test_high_suicide_risk_floor_and_urgent_review():
    result = recommend(cssrs_high=True)
    assert result.level == "3.7"
    assert result.driving_dimensions == ["suicide_risk_high"]
    assert result.requires_urgent_review is True
    assert result.urgent_review_reasons


def test_phq9_item9_sets_urgent_review_without_floor():
    result = recommend(item9=True)
    assert result.level == "0.5"
    assert result.requires_urgent_review is True
    assert "suicide_risk_high" not in result.driving_dimensions


def test_all_three_floors_together():
    sud = classify_sud(criteria("craving", "cut_down"), False)
    result = recommend(sud=sud, complicated=True, cssrs_high=True)
    assert result.level == "3.7"
    assert result.driving_dimensions == ["complicated_withdrawal", "suicide_risk_high"]


def test_recommendation_records_rule_version():
    assert recommend().rule_version == RULE_VERSION


def test_recommendation_as_dict_has_api_keys():
    keys = set(recommend().as_dict())
    assert {"level", "setting", "driving_dimensions", "rationale", "requires_urgent_review"} <= keys


@pytest.mark.parametrize(
    "ratings",
    [
        {k: v for k, v in ZERO_RATINGS.items() if k != "readiness"},
        {**ZERO_RATINGS, "readiness": 5},
        {**ZERO_RATINGS, "readiness": -1},
        {**ZERO_RATINGS, "readiness": True},
        {**ZERO_RATINGS, "readiness": "2"},
        {**ZERO_RATINGS, "readiness": None},
        {**ZERO_RATINGS, "mood": 1},
    ],
)
def test_invalid_ratings_raise(ratings):
    with pytest.raises(ValueError):
        recommend_level(
            ratings,
            NO_SUD,
            complicated_withdrawal_with_current_sedative=False,
            cssrs_high=False,
            phq9_item9_positive=False,
        )


def test_placement_table_must_not_fall_as_rating_rises():
    table = {**LEVEL_TABLE, "readiness": ["0.5", "2.1", "1", "2.1", "2.1"]}
    with pytest.raises(ValueError):
        PlacementRules(level_minimums=table)


def test_placement_table_must_use_known_levels():
    with pytest.raises(ValueError):
        PlacementRules(level_minimums={**LEVEL_TABLE, "readiness": ["0", "1", "1", "2", "2"]})


def test_custom_floor_is_used():
    rules = RuleSet(version="centre-1", placement=PlacementRules(complicated_withdrawal="4"))
    result = recommend_level(
        ZERO_RATINGS,
        NO_SUD,
        complicated_withdrawal_with_current_sedative=True,
        cssrs_high=False,
        phq9_item9_positive=False,
        rules=rules,
    )
    assert (result.level, result.rule_version) == ("4", "centre-1")
