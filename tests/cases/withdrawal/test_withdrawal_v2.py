"""Withdrawal rules, version 2 (CLINICAL.md §4): COWS items take only their published values,
CIWA-Ar signs of complicated withdrawal escalate whatever the total, and "rising fast"."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cases.withdrawal.rules import (
    WARNING_SIGNS_NOTE,
    WITHDRAWAL_INSTRUMENTS,
    Observation,
    WithdrawalInputError,
    WithdrawalItem,
    WithdrawalScale,
    rising_fast,
    rising_fast_note,
    score_withdrawal,
    warning_signs_note,
)
from intake.assessments.rule_set import RULE_VERSION
from tests.cases.withdrawal.test_withdrawal import ALLOWED

COWS_NAMES = [
    "resting_pulse",
    "sweating",
    "restlessness",
    "pupil_size",
    "bone_joint_aches",
    "runny_nose_tearing",
    "gi_upset",
    "tremor",
    "yawning",
    "anxiety_irritability",
    "gooseflesh",
]
CIWA_AR_NAMES = [
    "nausea_vomiting",
    "tremor",
    "paroxysmal_sweats",
    "anxiety",
    "agitation",
    "tactile_disturbances",
    "auditory_disturbances",
    "visual_disturbances",
    "headache",
    "orientation",
]
#: CIWA-Ar warning signs (index, lowest value that is a sign).
CIWA_AR_SIGNS = {5: 4, 6: 4, 7: 4, 9: 3}
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def ciwa_ar(**values: int) -> list[int]:
    items = [0] * 10
    for name, value in values.items():
        items[CIWA_AR_NAMES.index(name)] = value
    return items


# --- item names and values ----------------------------------------------------------------------


def test_items_are_named_in_the_scales_order():
    assert [i.name for i in WITHDRAWAL_INSTRUMENTS["cows"].items] == COWS_NAMES
    assert [i.name for i in WITHDRAWAL_INSTRUMENTS["ciwa_ar"].items] == CIWA_AR_NAMES
    ciwa_b = [i.name for i in WITHDRAWAL_INSTRUMENTS["ciwa_b"].items]
    assert len(ciwa_b) == len(set(ciwa_b)) == 20


@pytest.mark.parametrize("instrument", ["ciwa_b", "ciwa_ar", "cows"])
def test_item_values_are_the_published_ones(instrument):
    assert [i.values for i in WITHDRAWAL_INSTRUMENTS[instrument].items] == ALLOWED[instrument]


COWS_VALUES = [
    (index, value, value in allowed)
    for index, allowed in enumerate(ALLOWED["cows"])
    for value in range(allowed[-1] + 2)  # every value 0..max, and one above
]


@pytest.mark.parametrize(("index", "value", "allowed"), COWS_VALUES)
def test_every_cows_item_takes_exactly_its_published_values(index, value, allowed):
    items = [0] * 11
    items[index] = value
    if allowed:
        assert score_withdrawal("cows", items).score == value
        return
    with pytest.raises(WithdrawalInputError) as excinfo:
        score_withdrawal("cows", items)
    message = str(excinfo.value)
    assert (excinfo.value.index, excinfo.value.item) == (index, COWS_NAMES[index])
    assert f"item {index + 1} ({COWS_NAMES[index]}, index {index}) is {value}" in message
    *rest, last = ALLOWED["cows"][index]
    described = f"{', '.join(map(str, rest))} or {last}"
    if index == 1:  # sweating takes every value 0-4
        described = "0-4"
    assert f"allowed values: {described}" in message


def test_wrong_count_message_lists_every_item_with_its_values():
    with pytest.raises(WithdrawalInputError) as excinfo:
        score_withdrawal("cows", [0] * 10)
    message = str(excinfo.value)
    assert "resting_pulse 0, 1, 2 or 4" in message and "gooseflesh 0, 3 or 5" in message
    assert "sweating 0-4" in message


def test_ciwa_ar_error_names_orientation():
    with pytest.raises(WithdrawalInputError) as excinfo:
        score_withdrawal("ciwa_ar", ciwa_ar(orientation=5))
    assert "item 10 (orientation, index 9)" in str(excinfo.value)
    assert "allowed values: 0-4" in str(excinfo.value)


# --- CIWA-Ar warning signs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "sign"),
    [
        ("tactile_disturbances", 3, False),
        ("tactile_disturbances", 4, True),
        ("auditory_disturbances", 3, False),
        ("auditory_disturbances", 4, True),
        ("visual_disturbances", 3, False),
        ("visual_disturbances", 4, True),
        ("visual_disturbances", 7, True),
        ("orientation", 2, False),
        ("orientation", 3, True),
        ("orientation", 4, True),
    ],
)
def test_ciwa_ar_warning_sign_at_its_boundary(name, value, sign):
    result = score_withdrawal("ciwa_ar", ciwa_ar(**{name: value}))
    assert (result.score, result.band) == (value, "minimal")  # the band follows the total
    assert result.severe is sign
    assert result.warning_signs == ((name,) if sign else ())


@pytest.mark.parametrize("name", ["nausea_vomiting", "tremor", "anxiety", "agitation", "headache"])
def test_other_ciwa_ar_items_are_never_warning_signs(name):
    result = score_withdrawal("ciwa_ar", ciwa_ar(**{name: 7}))
    assert (result.severe, result.warning_signs) == (False, ())


def test_hallucinations_with_disorientation_are_severe_whatever_the_total():
    """The case from the review: it was "moderate" with no flag under version 1."""
    items = ciwa_ar(nausea_vomiting=2, tremor=2, paroxysmal_sweats=2)
    items[7] = items[9] = 4  # visual hallucinations, disoriented for place or person
    result = score_withdrawal("ciwa_ar", items)
    assert (result.score, result.band, result.severe) == (14, "moderate", True)
    assert result.warning_signs == ("visual_disturbances", "orientation")
    note = warning_signs_note("ciwa_ar", items)
    assert note == (
        f"Warning signs visual disturbances 4/7, orientation 4/4 — {WARNING_SIGNS_NOTE}"
    )
    assert WARNING_SIGNS_NOTE == "possible withdrawal delirium or hallucinosis: medical review now"


def test_every_sign_is_listed_in_the_scales_order():
    items = ciwa_ar(
        orientation=3, visual_disturbances=5, auditory_disturbances=4, tactile_disturbances=6
    )
    assert score_withdrawal("ciwa_ar", items).warning_signs == (
        "tactile_disturbances",
        "auditory_disturbances",
        "visual_disturbances",
        "orientation",
    )


def test_ciwa_b_and_cows_have_no_warning_signs():
    ciwa_b = [0] * 14 + [4] + [0] * 5  # CIWA-B's own "visual disturbances" item
    assert score_withdrawal("ciwa_b", ciwa_b).warning_signs == ()
    assert warning_signs_note("ciwa_b", ciwa_b) is None
    assert score_withdrawal("cows", [v[-1] for v in ALLOWED["cows"]]).warning_signs == ()


def test_new_results_record_rule_version_2():
    assert RULE_VERSION == "2"
    assert score_withdrawal("ciwa_ar", [0] * 10).rule_version == "2"


# --- rising fast ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instrument", "rise", "fast"),
    [
        ("ciwa_b", 9, False),
        ("ciwa_b", 10, True),
        ("cows", 9, False),
        ("cows", 10, True),
        ("ciwa_ar", 7, False),
        ("ciwa_ar", 8, True),
        ("ciwa_ar", 0, False),
        ("ciwa_ar", -8, False),
    ],
)
def test_rising_fast_at_the_threshold(instrument, rise, fast):
    previous = Observation(20, T0)
    current = Observation(20 + rise, T0 + timedelta(hours=6))
    assert rising_fast(instrument, previous, current) is fast


@pytest.mark.parametrize(
    ("after", "fast"),
    [
        (timedelta(seconds=1), True),
        (timedelta(hours=23, minutes=59, seconds=59), True),
        (timedelta(hours=24), True),  # "within 24 hours" includes the 24th hour
        (timedelta(hours=24, seconds=1), False),
        (timedelta(days=3), False),
        (timedelta(0), False),  # not observed before: not the previous score
        (-timedelta(hours=1), False),
    ],
)
def test_rising_fast_within_24_hours(after, fast):
    assert rising_fast("ciwa_b", Observation(41, T0), Observation(72, T0 + after)) is fast


def test_no_previous_score_is_not_rising_fast():
    assert rising_fast("cows", None, Observation(48, T0)) is False


def test_rising_fast_note_names_the_scale_and_both_totals():
    note = rising_fast_note("ciwa_b", Observation(41, T0), Observation(72, T0))
    assert note == "CIWA-B rising fast: 41 → 72 within 24 h"
    note = rising_fast_note("ciwa_ar", Observation(9, T0), Observation(18, T0))
    assert note == "CIWA-Ar rising fast: 9 → 18 within 24 h"


def test_thresholds_are_configuration():
    scales = {
        **WITHDRAWAL_INSTRUMENTS,
        "cows": replace(
            WITHDRAWAL_INSTRUMENTS["cows"],
            rising_fast_by=5,
            rising_fast_within=timedelta(hours=12),
        ),
    }
    early, late = Observation(10, T0), Observation(15, T0 + timedelta(hours=12))
    assert rising_fast("cows", early, late, scales=scales) is True
    assert rising_fast("cows", early, late) is False  # the default needs 10
    later = Observation(30, T0 + timedelta(hours=13))
    assert rising_fast("cows", early, later, scales=scales) is False
    assert rising_fast_note("cows", early, late, scales=scales).endswith("within 12 h")


def test_warning_signs_are_configuration():
    strict = replace(WITHDRAWAL_INSTRUMENTS["ciwa_ar"], warning_signs=(("orientation", 2),))
    scales = {"ciwa_ar": strict}
    assert score_withdrawal("ciwa_ar", ciwa_ar(orientation=2), scales=scales).severe is True
    assert (
        score_withdrawal("ciwa_ar", ciwa_ar(visual_disturbances=7), scales=scales).severe is False
    )
    with pytest.raises(ValueError, match="unknown item"):
        replace(strict, warning_signs=(("hallucinations", 4),))
    with pytest.raises(ValueError, match="ascend from 0"):
        replace(strict, items=(WithdrawalItem("odd", (1, 2)),), warning_signs=())


def test_a_scale_with_custom_items_scores_by_its_values():
    scale = WithdrawalScale(
        name="mini",
        label="Mini",
        items=(WithdrawalItem("a", (0, 2, 4)), WithdrawalItem("b", (0, 1))),
        bands=((0, "low"), (3, "high")),
        severe_from=5,
    )
    assert score_withdrawal("mini", [4, 1], scales={"mini": scale}).severe is True
    with pytest.raises(WithdrawalInputError, match="allowed values: 0, 2 or 4"):
        score_withdrawal("mini", [3, 0], scales={"mini": scale})


# --- properties -----------------------------------------------------------------------------------


def _vector(instrument: str) -> st.SearchStrategy[list[int]]:
    return st.tuples(*(st.sampled_from(v) for v in ALLOWED[instrument])).map(list)


def _cows_band(total: int) -> str:
    if total < 5:
        return "none"
    if total <= 12:
        return "mild"
    if total <= 24:
        return "moderate"
    return "moderately_severe" if total <= 36 else "severe"


@given(_vector("cows"))
def test_any_valid_cows_vector_scores_to_its_sum_and_band(items):
    result = score_withdrawal("cows", items)
    assert result.score == sum(items)
    assert result.band == _cows_band(result.score)
    assert result.severe is (result.score >= 25)
    assert result.warning_signs == ()


@given(_vector("ciwa_ar"))
def test_ciwa_ar_is_severe_iff_total_16_or_a_warning_sign(items):
    result = score_withdrawal("ciwa_ar", items)
    signs = [CIWA_AR_NAMES[i] for i, lowest in CIWA_AR_SIGNS.items() if items[i] >= lowest]
    total = sum(items)
    assert result.score == total
    assert result.band == ("minimal" if total <= 8 else "moderate" if total <= 15 else "severe")
    assert list(result.warning_signs) == signs
    assert result.severe is (total >= 16 or bool(signs))


@given(
    st.sampled_from(["ciwa_b", "ciwa_ar", "cows"]),
    st.integers(0, 48),
    st.integers(-48, 48),
    st.integers(-3600, 3 * 24 * 3600),
)
def test_rising_fast_iff_rise_reaches_threshold_within_the_window(instrument, before, rise, secs):
    threshold = {"ciwa_b": 10, "ciwa_ar": 8, "cows": 10}[instrument]
    previous = Observation(before, T0)
    current = Observation(before + rise, T0 + timedelta(seconds=secs))
    expected = 0 < secs <= 24 * 3600 and rise >= threshold
    assert rising_fast(instrument, previous, current) is expected
