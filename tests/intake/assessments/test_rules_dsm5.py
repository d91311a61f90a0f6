"""Intake rules, CLINICAL.md §1: DSM-5 criteria counted to a use-disorder severity, with
tolerance and withdrawal under medical supervision as dependence, not disorder."""

from __future__ import annotations

import pytest

from intake.assessments.rules import classify_sud
from intake.instruments.dsm5 import DSM5_CRITERIA
from tests.intake.assessments.rules_helpers import SUD_SEVERITY, criteria

# --- DSM-5 (§1) ---------------------------------------------------------------------------

NON_EXEMPT = [key for key in DSM5_CRITERIA if key not in ("tolerance", "withdrawal")]


@pytest.mark.parametrize("count", range(10))
def test_severity_by_criteria_counted(count):
    result = classify_sud(criteria(*NON_EXEMPT[:count]), False)
    assert result.counted == count
    assert result.severity == SUD_SEVERITY[count]
    assert result.use_disorder is (count >= 2)
    assert result.physical_dependence is False


@pytest.mark.parametrize("supervised", [True, False])
def test_all_eleven_criteria(supervised):
    result = classify_sud(criteria(*DSM5_CRITERIA), supervised)
    assert result.criteria_met == list(DSM5_CRITERIA)
    assert result.counted == (9 if supervised else 11)
    assert result.severity == "severe"


def test_supervised_tolerance_and_withdrawal_are_dependence_not_disorder():
    result = classify_sud(criteria("tolerance", "withdrawal"), True)
    assert result.criteria_met == ["tolerance", "withdrawal"]
    assert result.not_counted == ["tolerance", "withdrawal"]
    assert result.counted == 0
    assert result.severity == "none"
    assert result.use_disorder is False
    assert result.physical_dependence is True


def test_unsupervised_tolerance_and_withdrawal_are_a_mild_disorder():
    result = classify_sud(criteria("tolerance", "withdrawal"), False)
    assert result.not_counted == []
    assert result.counted == 2
    assert result.severity == "mild"
    assert result.use_disorder is True
    assert result.physical_dependence is True


@pytest.mark.parametrize("criterion", ["tolerance", "withdrawal"])
def test_either_tolerance_or_withdrawal_is_physical_dependence(criterion):
    assert classify_sud(criteria(criterion), True).physical_dependence is True
    assert classify_sud(criteria(criterion), True).not_counted == [criterion]


def test_supervision_does_not_exempt_other_criteria():
    result = classify_sud(criteria("craving", "cut_down", "tolerance"), True)
    assert result.counted == 2
    assert result.not_counted == ["tolerance"]
    assert result.use_disorder is True


def test_missing_criteria_are_not_met():
    assert classify_sud({"craving": True}, False).criteria_met == ["craving"]


def test_criteria_met_in_api_order():
    result = classify_sud({"withdrawal": True, "larger_longer": True, "craving": True}, False)
    assert result.criteria_met == ["larger_longer", "craving", "withdrawal"]


@pytest.mark.parametrize(
    ("given", "supervised"),
    [({"cravings": True}, False), ({"craving": 1}, False), ({"craving": True}, None)],
)
def test_invalid_criteria_raise(given, supervised):
    with pytest.raises(ValueError):
        classify_sud(given, supervised)


def test_sud_as_dict_has_api_keys():
    keys = set(classify_sud({}, False).as_dict())
    expected = {"criteria_met", "counted", "severity", "use_disorder", "physical_dependence"}
    assert keys == expected | {"not_counted"}
