"""Screening instruments with more than a total, against CLINICAL.md §3: PC-PTSD-5's trauma
gate and MDQ's three-part rule."""

from __future__ import annotations

import pytest

from intake.instruments import InstrumentInputError, score_mdq, score_pc_ptsd5
from tests.intake.instruments.instruments_helpers import MDQ_MIN_YES, PC_PTSD5_POSITIVE, yes_items

# --- PC-PTSD-5 trauma gate ----------------------------------------------------------------


def test_pc_ptsd5_without_trauma_scores_zero_even_with_yes_items():
    result = score_pc_ptsd5({"trauma_exposure": False, "items": [True] * 5})
    assert (result.score, result.positive) == (0, False)


def test_pc_ptsd5_without_trauma_items_may_be_left_out():
    assert score_pc_ptsd5({"trauma_exposure": False}).score == 0


def test_pc_ptsd5_without_trauma_still_rejects_malformed_items():
    with pytest.raises(InstrumentInputError):
        score_pc_ptsd5({"trauma_exposure": False, "items": [True] * 4})


@pytest.mark.parametrize("yes", range(6))
def test_pc_ptsd5_with_trauma_positive_from_three(yes):
    result = score_pc_ptsd5({"trauma_exposure": True, "items": yes_items(yes, 5)})
    assert result.score == yes
    assert result.positive is (yes >= PC_PTSD5_POSITIVE)


def test_pc_ptsd5_with_trauma_needs_items():
    with pytest.raises(InstrumentInputError, match="5 items"):
        score_pc_ptsd5({"trauma_exposure": True})


@pytest.mark.parametrize(
    "value",
    [
        {"items": [True] * 5},
        {"trauma_exposure": 1, "items": [True] * 5},
        {"trauma_exposure": True, "items": [1, 1, 1, 0, 0]},
        {"trauma_exposure": True, "items": [True] * 5, "extra": True},
        [True] * 5,
    ],
)
def test_pc_ptsd5_rejects_malformed_answers(value):
    with pytest.raises(InstrumentInputError):
        score_pc_ptsd5(value)


# --- MDQ three-part rule ------------------------------------------------------------------


@pytest.mark.parametrize("yes", [0, 6, 7, 13])
@pytest.mark.parametrize("same_period", [True, False])
@pytest.mark.parametrize("problem", ["none", "minor", "moderate", "serious"])
def test_mdq_positive_only_when_all_three_parts_hold(yes, same_period, problem):
    value = {"items": yes_items(yes, 13), "same_period": same_period, "problem": problem}
    result = score_mdq(value)
    expected = yes >= MDQ_MIN_YES and same_period and problem in {"moderate", "serious"}
    assert result.score == yes
    assert result.positive is expected


@pytest.mark.parametrize(
    "value",
    [
        {"items": [True] * 13, "same_period": True},
        {"items": [True] * 12, "same_period": True, "problem": "serious"},
        {"items": [True] * 13, "same_period": "yes", "problem": "serious"},
        {"items": [True] * 13, "same_period": True, "problem": "severe"},
        {"items": [True] * 13, "same_period": True, "problem": "serious", "x": 1},
    ],
)
def test_mdq_rejects_malformed_answers(value):
    with pytest.raises(InstrumentInputError):
        score_mdq(value)


def test_mdq_problem_error_names_allowed_values():
    value = {"items": [True] * 13, "same_period": True, "problem": "bad"}
    with pytest.raises(InstrumentInputError, match="none, minor, moderate, serious"):
        score_mdq(value)
