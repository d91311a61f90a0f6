"""Withdrawal scales, CLINICAL.md §4: item counts and values, every band edge, the urgent flag.
Rule-version-2 additions (COWS item values, CIWA-Ar warning signs, rising fast) are tested in
test_withdrawal_v2.py."""

from functools import cache

import pytest

from cases.withdrawal.rules import WITHDRAWAL_INSTRUMENTS, WithdrawalInputError, score_withdrawal
from intake.assessments.rule_set import RULE_VERSION

# Allowed item values straight from CLINICAL.md §4 (COWS: Wesson & Ling 2003).
ALLOWED = {
    "ciwa_b": [tuple(range(5))] * 20,
    "ciwa_ar": [tuple(range(8))] * 9 + [tuple(range(5))],
    "cows": [
        (0, 1, 2, 4),  # resting pulse
        (0, 1, 2, 3, 4),  # sweating
        (0, 1, 3, 5),  # restlessness
        (0, 1, 2, 5),  # pupil size
        (0, 1, 2, 4),  # bone or joint aches
        (0, 1, 2, 4),  # runny nose or tearing
        (0, 1, 2, 3, 5),  # GI upset
        (0, 1, 2, 4),  # tremor
        (0, 1, 2, 4),  # yawning
        (0, 1, 2, 4),  # anxiety or irritability
        (0, 3, 5),  # gooseflesh
    ],
}
MAXIMA = {name: [values[-1] for values in allowed] for name, allowed in ALLOWED.items()}


def items_totalling(instrument: str, total: int) -> list[int]:
    """Items in order, each the largest allowed value that still lets the rest reach
    ``total`` (so the first items fill up first)."""
    allowed = ALLOWED[instrument]

    @cache
    def reachable(index: int, remaining: int) -> bool:
        if index == len(allowed):
            return remaining == 0
        return any(reachable(index + 1, remaining - v) for v in allowed[index] if v <= remaining)

    assert reachable(0, total), "total beyond the scale's range"
    items, remaining = [], total
    for index, values in enumerate(allowed):
        value = max(v for v in values if v <= remaining and reachable(index + 1, remaining - v))
        items.append(value)
        remaining -= value
    return items


def test_instruments_are_the_three_scales():
    assert set(WITHDRAWAL_INSTRUMENTS) == {"ciwa_b", "ciwa_ar", "cows"}


@pytest.mark.parametrize(("instrument", "maximum"), [("ciwa_b", 80), ("ciwa_ar", 67), ("cows", 48)])
def test_maximum_score_when_every_item_at_its_maximum(instrument, maximum):
    result = score_withdrawal(instrument, MAXIMA[instrument])
    assert result.score == maximum
    assert result.instrument == instrument
    assert result.rule_version == RULE_VERSION == "2"


# (instrument, score, band, severe) — both sides of every band edge.
BAND_EDGES = [
    # CIWA-B: 0 none, 1-20 mild, 21-40 moderate, 41-60 severe, 61-80 very severe;
    # urgent = severe or very severe.
    ("ciwa_b", 0, "none", False),
    ("ciwa_b", 1, "mild", False),
    ("ciwa_b", 20, "mild", False),
    ("ciwa_b", 21, "moderate", False),
    ("ciwa_b", 40, "moderate", False),
    ("ciwa_b", 41, "severe", True),
    ("ciwa_b", 60, "severe", True),
    ("ciwa_b", 61, "very_severe", True),
    ("ciwa_b", 80, "very_severe", True),
    # CIWA-Ar: ≤8 minimal, 9-15 moderate, ≥16 severe; urgent = severe.
    ("ciwa_ar", 0, "minimal", False),
    ("ciwa_ar", 8, "minimal", False),
    ("ciwa_ar", 9, "moderate", False),
    ("ciwa_ar", 15, "moderate", False),
    ("ciwa_ar", 16, "severe", True),
    ("ciwa_ar", 67, "severe", True),
    # COWS: <5 none, 5-12 mild, 13-24 moderate, 25-36 moderately severe, >36 severe; urgent ≥25.
    ("cows", 0, "none", False),
    ("cows", 4, "none", False),
    ("cows", 5, "mild", False),
    ("cows", 12, "mild", False),
    ("cows", 13, "moderate", False),
    ("cows", 24, "moderate", False),
    ("cows", 25, "moderately_severe", True),
    ("cows", 36, "moderately_severe", True),
    ("cows", 37, "severe", True),
    ("cows", 48, "severe", True),
]


@pytest.mark.parametrize(("instrument", "score", "band", "severe"), BAND_EDGES)
def test_band_and_urgent_flag_at_band_edges(instrument, score, band, severe):
    result = score_withdrawal(instrument, items_totalling(instrument, score))
    assert (result.score, result.band, result.severe) == (score, band, severe)


@pytest.mark.parametrize("instrument", ["ciwa_b", "ciwa_ar", "cows"])
def test_every_total_has_a_band_and_severity_is_monotone(instrument):
    seen_severe = False
    for total in range(sum(MAXIMA[instrument]) + 1):
        result = score_withdrawal(instrument, items_totalling(instrument, total))
        assert result.score == total
        assert result.band
        assert result.severe or not seen_severe, "severity must not switch off as score rises"
        seen_severe = result.severe


def test_score_is_the_sum_of_items_in_any_order():
    items = [0, 1, 2, 3, 4] * 4
    assert score_withdrawal("ciwa_b", items).score == 40
    assert score_withdrawal("ciwa_b", list(reversed(items))).score == 40


def test_tuple_of_items_accepted():
    assert score_withdrawal("cows", tuple(MAXIMA["cows"])).score == 48


@pytest.mark.parametrize(
    ("instrument", "count", "phrase"),
    [
        ("ciwa_b", 19, "20 items"),
        ("ciwa_b", 21, "20 items"),
        ("ciwa_ar", 9, "10 items"),
        ("ciwa_ar", 11, "10 items"),
        ("cows", 10, "11 items"),
        ("cows", 12, "11 items"),
        ("cows", 0, "11 items"),
    ],
)
def test_wrong_item_count_rejected_naming_the_count(instrument, count, phrase):
    with pytest.raises(WithdrawalInputError) as excinfo:
        score_withdrawal(instrument, [0] * count)
    assert phrase in str(excinfo.value)
    assert str(count) in str(excinfo.value)
    assert excinfo.value.index is None


@pytest.mark.parametrize(
    ("instrument", "index", "value", "allowed"),
    [
        ("ciwa_b", 0, 5, "0-4"),
        ("ciwa_b", 19, 5, "0-4"),
        ("ciwa_b", 7, -1, "0-4"),
        ("ciwa_ar", 0, 8, "0-7"),
        ("ciwa_ar", 8, 8, "0-7"),
        ("ciwa_ar", 9, 5, "0-4"),  # orientation: 0-4, not 0-7
        ("ciwa_ar", 3, -1, "0-7"),
        ("cows", 0, 5, "0, 1, 2 or 4"),
        ("cows", 1, 5, "0-4"),  # sweating takes every value 0-4
        ("cows", 2, 6, "0, 1, 3 or 5"),
        ("cows", 6, 6, "0, 1, 2, 3 or 5"),
        ("cows", 9, 5, "0, 1, 2 or 4"),
        ("cows", 10, 6, "0, 3 or 5"),
    ],
)
def test_item_out_of_range_rejected_naming_index_and_values(instrument, index, value, allowed):
    items = [0] * len(MAXIMA[instrument])
    items[index] = value
    with pytest.raises(WithdrawalInputError) as excinfo:
        score_withdrawal(instrument, items)
    message = str(excinfo.value)
    assert excinfo.value.index == index
    assert f"item {index + 1}" in message
    assert allowed in message


@pytest.mark.parametrize("instrument", ["ciwa_b", "ciwa_ar", "cows"])
def test_each_item_accepts_its_maximum_and_nothing_above(instrument):
    maxima = MAXIMA[instrument]
    for index, maximum in enumerate(maxima):
        items = [0] * len(maxima)
        items[index] = maximum
        assert score_withdrawal(instrument, items).score == maximum
        items[index] = maximum + 1
        with pytest.raises(WithdrawalInputError):
            score_withdrawal(instrument, items)


@pytest.mark.parametrize("bad", [True, False, 1.0, 2.5, "3", None])
def test_non_integer_item_rejected(bad):
    items = [0] * 11
    items[4] = bad
    with pytest.raises(WithdrawalInputError) as excinfo:
        score_withdrawal("cows", items)
    assert excinfo.value.index == 4


@pytest.mark.parametrize("items", ["0" * 20, None, 12, {i: 0 for i in range(20)}])
def test_items_not_a_list_rejected(items):
    with pytest.raises(WithdrawalInputError):
        score_withdrawal("ciwa_b", items)


@pytest.mark.parametrize("instrument", ["ciwa", "CIWA_B", "", None, "phq9"])
def test_unknown_instrument_rejected_naming_allowed(instrument):
    with pytest.raises(WithdrawalInputError) as excinfo:
        score_withdrawal(instrument, [0] * 20)
    for name in ("ciwa_b", "ciwa_ar", "cows"):
        assert name in str(excinfo.value)


def test_error_is_a_value_error():
    assert issubclass(WithdrawalInputError, ValueError)
