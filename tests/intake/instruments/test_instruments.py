"""Screening instruments against CLINICAL.md §3 (and §4 for CIWA-B).

Expected bands and cut-offs are written here from CLINICAL.md's tables, as inclusive score
ranges, not copied from the implementation.
"""

from __future__ import annotations

import pytest

from intake.instruments import (
    SCREENINGS,
    Cutoffs,
    InstrumentInputError,
    score_audit_c,
    score_ciwa_b,
    score_cssrs,
    score_dast10,
    score_gad7,
    score_mdq,
    score_msi_bpd,
    score_pc_ptsd5,
    score_phq9,
    score_sds,
    screen,
)
from intake.instruments.cssrs import missing_answers

# CLINICAL.md §3 / §4: (lowest, highest, band) per band, and the positive cut-off.
PHQ9_BANDS = [
    (0, 4, "minimal"),
    (5, 9, "mild"),
    (10, 14, "moderate"),
    (15, 19, "moderately_severe"),
    (20, 27, "severe"),
]
GAD7_BANDS = [(0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 21, "severe")]
DAST10_BANDS = [
    (0, 0, "none"),
    (1, 2, "low"),
    (3, 5, "moderate"),
    (6, 8, "substantial"),
    (9, 10, "severe"),
]
CIWA_B_BANDS = [
    (0, 0, "none"),
    (1, 20, "mild"),
    (21, 40, "moderate"),
    (41, 60, "severe"),
    (61, 80, "very_severe"),
]
PHQ9_POSITIVE, GAD7_POSITIVE, DAST10_POSITIVE = 10, 10, 3
CIWA_B_SEVERE = {"severe", "very_severe"}
SDS_POSITIVE, MSI_BPD_POSITIVE, PC_PTSD5_POSITIVE, MDQ_MIN_YES = 7, 7, 3, 7
ALL_SEXES = ["male", "female", "intersex", "unknown", None]


def int_items(score: int, count: int, item_max: int) -> list[int]:
    """``count`` items, each 0..item_max, summing to ``score`` (filled from the front)."""
    assert 0 <= score <= count * item_max
    items = []
    for _ in range(count):
        item = min(item_max, score)
        items.append(item)
        score -= item
    return items


def yes_items(score: int, count: int) -> list[bool]:
    return [i < score for i in range(count)]


def dast_answers(score: int) -> list[bool]:
    """DAST-10 answers worth ``score``: item 3 answered yes scores 0, no scores 1."""
    if score == 0:
        return [False, False, True, *[False] * 7]
    others = [i < score - 1 for i in range(9)]  # item 3 "no" gives the last point
    return [*others[:2], False, *others[2:]]


def band_edges(bands):
    """Both ends of every band, with the band they belong to."""
    return sorted({(lo, name) for lo, _, name in bands} | {(hi, name) for _, hi, name in bands})


# --- Banded instruments: both sides of every cut-off --------------------------------------


@pytest.mark.parametrize(("score", "band"), band_edges(PHQ9_BANDS))
def test_phq9_band_at_each_band_edge(score, band):
    result = score_phq9(int_items(score, 9, 3))
    assert (result.score, result.band) == (score, band)
    assert result.positive is (score >= PHQ9_POSITIVE)


@pytest.mark.parametrize(("score", "band"), band_edges(GAD7_BANDS))
def test_gad7_band_at_each_band_edge(score, band):
    result = score_gad7(int_items(score, 7, 3))
    assert (result.score, result.band) == (score, band)
    assert result.positive is (score >= GAD7_POSITIVE)


@pytest.mark.parametrize(("score", "band"), band_edges(DAST10_BANDS))
def test_dast10_band_at_each_band_edge(score, band):
    result = score_dast10(dast_answers(score))
    assert (result.score, result.band) == (score, band)
    assert result.positive is (score >= DAST10_POSITIVE)


@pytest.mark.parametrize(("score", "band"), band_edges(CIWA_B_BANDS))
def test_ciwa_b_band_at_each_band_edge(score, band):
    result = score_ciwa_b(int_items(score, 20, 4))
    assert (result.score, result.band) == (score, band)
    assert result.positive is (band in CIWA_B_SEVERE)


@pytest.mark.parametrize(
    ("scorer", "count", "item_max", "cutoff"),
    [
        (score_phq9, 9, 3, PHQ9_POSITIVE),
        (score_gad7, 7, 3, GAD7_POSITIVE),
        (score_sds, 5, 3, SDS_POSITIVE),
        (score_ciwa_b, 20, 4, 41),
    ],
    ids=["phq9", "gad7", "sds", "ciwa_b"],
)
def test_positive_cutoff_both_sides(scorer, count, item_max, cutoff):
    assert scorer(int_items(cutoff - 1, count, item_max)).positive is False
    assert scorer(int_items(cutoff, count, item_max)).positive is True


def test_minimum_and_maximum_totals():
    assert score_phq9([0] * 9).score == 0
    assert score_phq9([3] * 9).score == 27
    assert score_gad7([3] * 7).score == 21
    assert score_sds([3] * 5).score == 15
    assert score_ciwa_b([4] * 20).score == 80
    assert score_audit_c([4] * 3).score == 12
    assert score_msi_bpd([True] * 10).score == 10


# --- PHQ-9 item 9 -------------------------------------------------------------------------


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_phq9_item9_positive_whatever_the_total(item9):
    result = score_phq9([0] * 8 + [item9])
    assert result.item9_positive is True
    assert result.positive is False
    assert result.band == "minimal"


def test_phq9_item9_zero_is_not_positive_even_when_total_is_high():
    result = score_phq9([3] * 8 + [0])
    assert result.score == 24
    assert result.item9_positive is False
    assert result.as_dict()["item9_positive"] is False


# --- DAST-10 reversed item 3 --------------------------------------------------------------


def test_dast10_item3_no_scores_one():
    assert score_dast10([False] * 10).score == 1


def test_dast10_item3_yes_scores_zero():
    only_item3 = [i == 2 for i in range(10)]
    assert score_dast10(only_item3).score == 0


def test_dast10_all_yes_scores_nine_because_item3_is_reversed():
    assert score_dast10([True] * 10).score == 9


def test_dast10_maximum_needs_item3_no():
    assert score_dast10([i != 2 for i in range(10)]).score == 10


@pytest.mark.parametrize("position", [p for p in range(10) if p != 2])
def test_dast10_other_items_score_on_yes(position):
    answers = [i == position or i == 2 for i in range(10)]  # item 3 yes scores 0
    assert score_dast10(answers).score == 1


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


# --- MSI-BPD and SDS ----------------------------------------------------------------------


@pytest.mark.parametrize("yes", range(11))
def test_msi_bpd_positive_from_seven(yes):
    result = score_msi_bpd(yes_items(yes, 10))
    assert result.score == yes
    assert result.positive is (yes >= MSI_BPD_POSITIVE)


@pytest.mark.parametrize("score", range(16))
def test_sds_positive_from_seven(score):
    result = score_sds(int_items(score, 5, 3))
    assert result.score == score
    assert result.positive is (score >= SDS_POSITIVE)


# --- AUDIT-C by sex -----------------------------------------------------------------------


@pytest.mark.parametrize("sex", ALL_SEXES)
@pytest.mark.parametrize("score", [2, 3, 4, 5])
def test_audit_c_cutoff_is_four_for_male_and_three_otherwise(sex, score):
    cutoff = 4 if sex == "male" else 3
    result = score_audit_c(int_items(score, 3, 4), sex=sex)
    assert result.score == score
    assert result.positive is (score >= cutoff)


def test_audit_c_without_sex_uses_the_lower_cutoff():
    assert score_audit_c([1, 1, 1]).positive is True


# --- C-SSRS screen ------------------------------------------------------------------------


def cssrs(*yes: str, q6_recent: bool | None = None) -> dict:
    answers = {f"q{i}": f"q{i}" in yes for i in range(1, 7)}
    if q6_recent is not None:
        answers["q6_recent"] = q6_recent
    return answers


@pytest.mark.parametrize(
    ("answers", "risk"),
    [
        (cssrs(), "none"),
        (cssrs(q6_recent=False), "none"),
        (cssrs("q1"), "low"),
        (cssrs("q2"), "low"),
        (cssrs("q1", "q2"), "low"),
        (cssrs("q2", "q3"), "moderate"),
        (cssrs("q1", "q2", "q3"), "moderate"),
        (cssrs("q6", q6_recent=False), "moderate"),
        (cssrs("q6", q6_recent=True), "high"),
        (cssrs("q2", "q4"), "high"),
        (cssrs("q2", "q5"), "high"),
        (cssrs("q1", "q2", "q3", "q4", "q5"), "high"),
        (cssrs("q2", "q3", "q6", q6_recent=False), "moderate"),
        (cssrs("q2", "q6", q6_recent=True), "high"),
        # skip logic: q3-q5 are only asked after a yes to q2, and ignored otherwise
        (cssrs("q3"), "none"),
        (cssrs("q1", "q4", "q5"), "low"),
    ],
)
def test_cssrs_risk(answers, risk):
    result = score_cssrs(answers)
    assert result.risk == risk
    assert result.positive is (risk != "none")
    assert result.as_dict()["risk"] == risk


def _reference_cssrs(a: dict) -> str:
    """CLINICAL.md §3 written out independently: high, moderate, low, none."""
    asked = a["q2"]
    if (asked and (a["q4"] or a["q5"])) or (a["q6"] and a.get("q6_recent")):
        return "high"
    if (asked and a["q3"]) or a["q6"]:
        return "moderate"
    return "low" if a["q1"] or a["q2"] else "none"


@pytest.mark.parametrize("bits", range(2**6))
@pytest.mark.parametrize("recent", [None, False, True])
def test_cssrs_every_answer_combination_follows_the_skip_logic(bits, recent):
    answers = {f"q{i}": bool(bits >> (i - 1) & 1) for i in range(1, 7)}
    if recent is not None:
        answers["q6_recent"] = recent
    if (answers["q6"] and recent is None) or (recent and not answers["q6"]):
        with pytest.raises(InstrumentInputError):
            score_cssrs(answers)
        return
    assert score_cssrs(answers).risk == _reference_cssrs(answers)


@pytest.mark.parametrize(
    ("answers", "missing"),
    [
        ({"q1": True, "q2": True, "q6": False}, ["q3", "q4", "q5"]),
        ({"q1": True, "q2": True, "q3": False, "q6": False}, ["q4", "q5"]),
        ({"q1": False, "q2": False, "q6": True}, ["q6_recent"]),
        ({"q2": False}, ["q1", "q6"]),
        ({}, ["q1", "q2", "q6"]),
        ({"q1": False, "q2": False, "q6": False}, []),
    ],
)
def test_cssrs_missing_answers_follow_the_skip_logic(answers, missing):
    assert missing_answers(answers) == missing
    if missing:
        with pytest.raises(InstrumentInputError, match=missing[0]):
            score_cssrs(answers)


@pytest.mark.parametrize(
    "answers",
    [
        cssrs("q6"),  # behaviour without saying when
        cssrs(q6_recent=True),  # recent behaviour that never happened
        {"q1": True},
        {**cssrs(), "q1": 1},
        {**cssrs(), "q7": True},
        [True] * 6,
    ],
)
def test_cssrs_rejects_malformed_answers(answers):
    with pytest.raises(InstrumentInputError):
        score_cssrs(answers)


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
