"""Scored screening instruments against CLINICAL.md §3 (and §4 for CIWA-B): both sides of every
band edge and positive cut-off, PHQ-9 item 9, DAST-10's reversed item 3, MSI-BPD, SDS and
AUDIT-C by sex."""

from __future__ import annotations

import pytest

from intake.instruments import (
    score_audit_c,
    score_ciwa_b,
    score_dast10,
    score_gad7,
    score_msi_bpd,
    score_phq9,
    score_sds,
)
from tests.intake.instruments.instruments_helpers import (
    ALL_SEXES,
    CIWA_B_BANDS,
    CIWA_B_SEVERE,
    DAST10_BANDS,
    DAST10_POSITIVE,
    GAD7_BANDS,
    GAD7_POSITIVE,
    MSI_BPD_POSITIVE,
    PHQ9_BANDS,
    PHQ9_POSITIVE,
    SDS_POSITIVE,
    band_edges,
    dast_answers,
    int_items,
    yes_items,
)

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
