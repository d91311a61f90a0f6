"""Properties of the intake rules over their whole input space (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from intake.assessments.rule_set import is_current
from intake.assessments.rules import classify_sud, recommend_level
from intake.instruments import (
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
)
from intake.instruments.dsm5 import DSM5_CRITERIA
from intake.instruments.sedatives import EQUIVALENCE_TABLES
from intake.instruments.substances import diazepam_equivalent_mg

# CLINICAL.md: instrument -> (scorer, item count, item max, bands in ascending order).
INT_SCALES = {
    "phq9": (score_phq9, 9, 3, ["minimal", "mild", "moderate", "moderately_severe", "severe"]),
    "gad7": (score_gad7, 7, 3, ["minimal", "mild", "moderate", "severe"]),
    "sds": (score_sds, 5, 3, [None]),
    "audit_c": (score_audit_c, 3, 4, [None]),
    "ciwa_b": (score_ciwa_b, 20, 4, ["none", "mild", "moderate", "severe", "very_severe"]),
}
BOOL_SCALES = {
    "msi_bpd": (score_msi_bpd, 10, [None]),
    "dast10": (score_dast10, 10, ["none", "low", "moderate", "substantial", "severe"]),
}
LEVEL_ORDER = ["0.5", "1", "2.1", "2.5", "3.1", "3.5", "3.7", "4"]
DIMENSIONS = [
    "withdrawal",
    "biomedical",
    "emotional_behavioural",
    "readiness",
    "relapse_potential",
    "recovery_environment",
]

ratings_st = st.fixed_dictionaries({key: st.integers(0, 4) for key in DIMENSIONS})
criteria_st = st.fixed_dictionaries({key: st.booleans() for key in DSM5_CRITERIA})


@st.composite
def scale_and_items(draw, scales=tuple(INT_SCALES)):
    name = draw(st.sampled_from(scales))
    _, count, item_max, _ = INT_SCALES[name]
    return name, draw(st.lists(st.integers(0, item_max), min_size=count, max_size=count))


@st.composite
def scale_and_two_ordered_item_lists(draw):
    """Two answer lists of one scale where the second is item by item at least the first."""
    name, low = draw(scale_and_items())
    item_max = INT_SCALES[name][2]
    high = [draw(st.integers(item, item_max)) for item in low]
    return name, low, high


@given(scale_and_items(), st.sampled_from(["male", "female", "intersex", "unknown", None]))
def test_int_scale_score_is_the_item_sum_and_in_range(scale, sex):
    name, items = scale
    scorer, count, item_max, bands = INT_SCALES[name]
    result = scorer(items, sex=sex) if name == "audit_c" else scorer(items)
    assert result.score == sum(items)
    assert 0 <= result.score <= count * item_max
    assert result.band in bands
    assert isinstance(result.positive, bool)


@given(scale_and_two_ordered_item_lists())
def test_int_scale_band_and_positive_never_fall_as_the_score_rises(scale):
    name, low, high = scale
    scorer, _, _, bands = INT_SCALES[name]
    before, after = scorer(low), scorer(high)
    assert after.score >= before.score
    assert bands.index(after.band) >= bands.index(before.band)
    assert after.positive >= before.positive


@given(st.sampled_from(tuple(BOOL_SCALES)), st.data())
def test_yes_no_scale_score_in_range_and_bands_monotone(name, data):
    scorer, count, bands = BOOL_SCALES[name]
    answers = data.draw(st.lists(st.booleans(), min_size=count, max_size=count))
    result = scorer(answers)
    assert 0 <= result.score <= count
    assert result.band in bands
    # One more answer pointing to a problem never lowers band or positivity.
    problem_answer = [position != 2 if name == "dast10" else True for position in range(count)]
    unset = [i for i in range(count) if answers[i] != problem_answer[i]]
    assume(unset)
    flipped = data.draw(st.sampled_from(unset))
    worse = [problem_answer[i] if i == flipped else answer for i, answer in enumerate(answers)]
    after = scorer(worse)
    assert after.score == result.score + 1
    assert bands.index(after.band) >= bands.index(result.band)
    assert after.positive >= result.positive


@given(st.lists(st.booleans(), min_size=10, max_size=10))
def test_dast10_counts_yes_except_item3_which_counts_no(answers):
    expected = sum(answers) - answers[2] + (not answers[2])
    assert score_dast10(answers).score == expected


@given(st.booleans(), st.lists(st.booleans(), min_size=5, max_size=5))
def test_pc_ptsd5_score_in_range_and_gated(trauma, items):
    result = score_pc_ptsd5({"trauma_exposure": trauma, "items": items})
    assert 0 <= result.score <= 5
    assert result.score == (sum(items) if trauma else 0)
    assert result.positive is (result.score >= 3)


@given(
    st.lists(st.booleans(), min_size=13, max_size=13),
    st.booleans(),
    st.sampled_from(["none", "minor", "moderate", "serious"]),
)
def test_mdq_positive_implies_all_three_parts(items, same_period, problem):
    result = score_mdq({"items": items, "same_period": same_period, "problem": problem})
    assert 0 <= result.score <= 13
    if result.positive:
        assert sum(items) >= 7 and same_period and problem in {"moderate", "serious"}


@given(st.fixed_dictionaries({f"q{i}": st.booleans() for i in range(1, 7)}), st.booleans())
def test_cssrs_risk_never_falls_when_an_answer_turns_yes(answers, recent):
    risks = ["none", "low", "moderate", "high"]
    recent = recent and answers["q6"]
    base = score_cssrs({**answers, "q6_recent": recent}).risk
    for key in answers:
        more = {**answers, key: True, "q6_recent": recent}
        assert risks.index(score_cssrs(more).risk) >= risks.index(base)


@given(scale_and_items(), st.integers(0, 30), st.integers(-5, 10))
def test_any_item_out_of_range_raises(scale, position, value):
    name, items = scale
    scorer, count, item_max, _ = INT_SCALES[name]
    assume(value < 0 or value > item_max)
    items[position % count] = value
    with pytest.raises(InstrumentInputError):
        scorer(items)


# --- Level of care ------------------------------------------------------------------------


def recommend(ratings, sud, floors):
    complicated, cssrs_high, item9 = floors
    return recommend_level(
        ratings,
        sud,
        complicated_withdrawal_with_current_sedative=complicated,
        cssrs_high=cssrs_high,
        phq9_item9_positive=item9,
    )


floors_st = st.tuples(st.booleans(), st.booleans(), st.booleans())


@given(ratings_st, criteria_st, st.booleans(), floors_st, st.sampled_from(DIMENSIONS))
def test_recommendation_never_drops_when_a_rating_rises(ratings, crit, supervised, floors, key):
    assume(ratings[key] < 4)
    sud = classify_sud(crit, supervised)
    before = recommend(ratings, sud, floors)
    after = recommend({**ratings, key: ratings[key] + 1}, sud, floors)
    assert LEVEL_ORDER.index(after.level) >= LEVEL_ORDER.index(before.level)


@given(ratings_st, criteria_st, st.booleans(), floors_st, st.integers(0, 2))
def test_recommendation_never_drops_when_a_floor_applies(ratings, crit, supervised, floors, i):
    assume(not floors[i])
    sud = classify_sud(crit, supervised)
    before = recommend(ratings, sud, floors)
    after = recommend(ratings, sud, tuple(f or j == i for j, f in enumerate(floors)))
    assert LEVEL_ORDER.index(after.level) >= LEVEL_ORDER.index(before.level)


@given(ratings_st, criteria_st, st.booleans(), floors_st)
def test_recommendation_is_explained_by_what_drives_it(ratings, crit, supervised, floors):
    sud = classify_sud(crit, supervised)
    result = recommend(ratings, sud, floors)
    assert result.driving_dimensions
    assert len(result.rationale) == len(result.driving_dimensions)
    assert all(f"level {result.level}," in sentence for sentence in result.rationale)
    assert result.setting == ("inpatient" if result.level in LEVEL_ORDER[4:] else "outpatient")
    assert result.requires_urgent_review is (floors[1] or floors[2])
    if sud.use_disorder or sud.physical_dependence:
        assert LEVEL_ORDER.index(result.level) >= LEVEL_ORDER.index("1")
    if floors[0] or floors[1]:
        assert LEVEL_ORDER.index(result.level) >= LEVEL_ORDER.index("3.7")


# --- DSM-5 and equivalents ----------------------------------------------------------------


@given(criteria_st, st.booleans())
def test_sud_classification_invariants(crit, supervised):
    result = classify_sud(crit, supervised)
    met = [key for key, value in crit.items() if value]
    assert sorted(result.criteria_met) == sorted(met)
    assert result.counted == len(met) - len(result.not_counted)
    assert result.use_disorder is (result.counted >= 2)
    assert result.physical_dependence is (crit["tolerance"] or crit["withdrawal"])
    assert set(result.not_counted) <= {"tolerance", "withdrawal"}
    assert not result.not_counted or supervised
    unsupervised = classify_sud(crit, False)
    assert unsupervised.counted == result.counted + len(result.not_counted)


@given(
    st.sampled_from(sorted(EQUIVALENCE_TABLES)),
    st.data(),
    st.floats(0, 500, allow_nan=False),
    st.floats(0, 500, allow_nan=False),
)
def test_equivalent_is_linear_in_dose(table, data, a, b):
    drug = data.draw(st.sampled_from(sorted(EQUIVALENCE_TABLES[table])))
    total = diazepam_equivalent_mg(drug, a + b, table)
    parts = diazepam_equivalent_mg(drug, a, table) + diazepam_equivalent_mg(drug, b, table)
    assert total == pytest.approx(parts, abs=0.002)
    assert diazepam_equivalent_mg(drug, EQUIVALENCE_TABLES[table][drug], table) == 10


@given(st.dates(date(2001, 1, 1), date(2099, 12, 31)), st.integers(-800, 800))
def test_current_use_is_monotone_in_last_use(assessed_on, days_back):
    last_use = assessed_on - timedelta(days=days_back)
    if is_current({"last_use": last_use}, assessed_on):
        assert is_current({"last_use": last_use + timedelta(days=1)}, assessed_on)
    # Twelve calendar months back are 365 or 366 days.
    assert is_current({"last_use": assessed_on - timedelta(days=365)}, assessed_on)
    assert not is_current({"last_use": assessed_on - timedelta(days=367)}, assessed_on)
