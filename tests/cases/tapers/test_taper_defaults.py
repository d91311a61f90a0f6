"""Taper plans, CLINICAL.md §6: the clinical default dose increments and the taper rules'
defaults and bounds."""

import pytest

from cases.tapers.bounds import DEFAULT_TAPER_RULES, DOSE_INCREMENTS, TaperRules

# --- defaults ----------------------------------------------------------------------------------


def test_dose_increments_are_the_clinical_defaults():
    assert DOSE_INCREMENTS == {
        "diazepam": 0.5,
        "alprazolam": 0.125,
        "clonazepam": 0.125,
        "lorazepam": 0.25,
        "triazolam": 0.125,
        "oxazepam": 5,
        "temazepam": 5,
        "chlordiazepoxide": 5,
        "clorazepate": 3.75,
        "nitrazepam": 2.5,
        "zolpidem": 2.5,
        "zopiclone": 1.875,
        # rule version 2
        "clobazam": 5,
        "flunitrazepam": 0.25,
        "quazepam": 5,
        "zaleplon": 5,
        "eszopiclone": 0.5,
    }


def test_taper_rules_defaults_and_bounds():
    rules = TaperRules()
    assert rules == DEFAULT_TAPER_RULES
    assert (rules.reduction_percent, rules.interval_days) == (10, 14)
    assert (rules.min_reduction_percent, rules.max_reduction_percent) == (5, 25)
    assert (rules.min_interval_days, rules.max_interval_days) == (7, 56)
    assert (rules.max_window_reduction_percent, rules.window_days) == (25, 14)
    assert rules.tail_interval_factor == 2
    assert rules.version == "2"
    # §6.1
    assert (rules.max_increment_diazepam_mg, rules.max_increment_percent_of_start) == (2.5, 25)
    assert (rules.crossover_days, rules.min_crossover_days, rules.max_crossover_days) == (14, 0, 28)
    assert rules.crossover_diazepam_rounding_mg == 0.5
    assert (rules.max_switch_start_mg, rules.plausible_max_diazepam_mg) == (40, 150)
    assert rules.max_dose_mg == 10000
    assert (rules.older_adult_age, rules.older_adult_reduction_percent) == (65, 5)
    assert rules.older_adult_interval_days == 28
    with pytest.raises(AttributeError):
        rules.reduction_percent = 20  # frozen
