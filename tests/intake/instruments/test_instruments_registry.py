"""Screening instruments: invalid item lists for every instrument, the registry of API screening
keys, and configurable cut-offs."""

from __future__ import annotations

import pytest

from intake.instruments import (
    SCREENINGS,
    Cutoffs,
    InstrumentInputError,
    score_audit_c,
    score_ciwa_b,
    score_dast10,
    score_gad7,
    score_msi_bpd,
    score_phq9,
    score_sds,
    screen,
)
from tests.intake.instruments.instruments_helpers import cssrs, int_items

# --- Invalid input ------------------------------------------------------------------------

INT_INSTRUMENTS = [
    ("phq9", score_phq9, 9, 3),
    ("gad7", score_gad7, 7, 3),
    ("audit_c", score_audit_c, 3, 4),
    ("sds", score_sds, 5, 3),
    ("ciwa_b", score_ciwa_b, 20, 4),
]
BOOL_INSTRUMENTS = [("msi_bpd", score_msi_bpd, 10), ("dast10", score_dast10, 10)]


def _bad_int_lists(count: int, item_max: int) -> list:
    return [
        [0] * (count - 1),
        [0] * (count + 1),
        [],
        [0] * (count - 1) + [item_max + 1],
        [-1] + [0] * (count - 1),
        [True] + [0] * (count - 1),
        [1.0] + [0] * (count - 1),
        ["1"] + [0] * (count - 1),
        [None] + [0] * (count - 1),
        None,
        "0" * count,
        dict.fromkeys(range(count), 0),
    ]


@pytest.mark.parametrize(
    ("name", "scorer", "count", "item_max", "items"),
    [
        pytest.param(name, scorer, count, item_max, items, id=f"{name}-{i}")
        for name, scorer, count, item_max in INT_INSTRUMENTS
        for i, items in enumerate(_bad_int_lists(count, item_max))
    ],
)
def test_int_instruments_reject_invalid_items(name, scorer, count, item_max, items):
    with pytest.raises(InstrumentInputError) as raised:
        scorer(items)
    assert f"{name} needs exactly {count} items, each 0-{item_max}" in str(raised.value)


@pytest.mark.parametrize(
    ("name", "scorer", "count", "items"),
    [
        pytest.param(name, scorer, count, items, id=f"{name}-{i}")
        for name, scorer, count in BOOL_INSTRUMENTS
        for i, items in enumerate(
            [[True] * (count - 1), [True] * (count + 1), [1] * count, [None] * count, "yes"]
        )
    ],
)
def test_yes_no_instruments_reject_invalid_items(name, scorer, count, items):
    with pytest.raises(InstrumentInputError) as raised:
        scorer(items)
    assert f"{name} needs exactly {count} items, each true or false" in str(raised.value)


def test_instrument_input_error_is_a_value_error():
    assert issubclass(InstrumentInputError, ValueError)


def test_tuples_are_accepted_as_item_lists():
    assert score_phq9((1,) * 9).score == 9


# --- Registry and configuration -----------------------------------------------------------

VALID_ANSWERS = {
    "phq9": [1] * 9,
    "gad7": [1] * 7,
    "pc_ptsd5": {"trauma_exposure": True, "items": [True] * 5},
    "mdq": {"items": [True] * 13, "same_period": True, "problem": "serious"},
    "msi_bpd": [True] * 10,
    "audit_c": [1, 1, 1],
    "dast10": [True] * 10,
    "sds": [1] * 5,
    "cssrs_screen": cssrs("q1"),
    "ciwa_b": [1] * 20,
}


def test_registry_holds_exactly_the_api_screening_keys():
    assert set(SCREENINGS) == set(VALID_ANSWERS)


@pytest.mark.parametrize("name", sorted(VALID_ANSWERS))
def test_registry_scores_api_shaped_answers(name):
    result = SCREENINGS[name](VALID_ANSWERS[name])
    as_dict = result.as_dict()
    assert {"score", "band", "positive"} <= set(as_dict)
    assert isinstance(as_dict["positive"], bool)
    assert screen(name, VALID_ANSWERS[name], sex="female") == result


def test_registry_audit_c_takes_sex():
    assert SCREENINGS["audit_c"]([1, 1, 1], sex="male").positive is False
    assert screen("audit_c", [1, 1, 1], sex="male").positive is False


def test_screen_rejects_unknown_key_naming_known_ones():
    with pytest.raises(InstrumentInputError, match="phq9"):
        screen("beck", [1])


def test_results_are_frozen():
    result = score_phq9([0] * 9)
    with pytest.raises(AttributeError):
        result.score = 5


def test_custom_cutoffs_change_positive_and_bands():
    cutoffs = Cutoffs(positive_min=15, bands=((0, "low"), (15, "high")))
    result = score_phq9(int_items(12, 9, 3), cutoffs=cutoffs)
    assert (result.band, result.positive) == ("low", False)


def test_cutoffs_reject_unordered_bands():
    with pytest.raises(ValueError):
        Cutoffs(positive_min=1, bands=((5, "b"), (0, "a")))
