"""Intake rules, CLINICAL.md §2: diazepam equivalents (Ashton and VA/DoD tables), their totals,
and which use counts as current (the twelve months before the assessment)."""

from __future__ import annotations

from datetime import date

import pytest

from intake.assessments.rule_set import is_current
from intake.assessments.rules import total_diazepam_equivalent
from intake.instruments.sedatives import DEFAULT_EQUIVALENCE_TABLE, EQUIVALENCE_TABLES
from intake.instruments.substances import UnknownDrug, diazepam_equivalent_mg
from tests.intake.assessments.rules_helpers import ASHTON, ASSESSED_ON, VA_DOD, substance

# --- Diazepam equivalents (§2) ------------------------------------------------------------


def test_equivalence_tables_match_clinical():
    assert DEFAULT_EQUIVALENCE_TABLE == "ashton"
    assert EQUIVALENCE_TABLES["ashton"] == ASHTON
    assert EQUIVALENCE_TABLES["va_dod"] == VA_DOD


@pytest.mark.parametrize(("drug", "table_mg"), sorted(ASHTON.items()))
def test_ashton_equivalent_for_every_drug(drug, table_mg):
    assert diazepam_equivalent_mg(drug, table_mg) == pytest.approx(10)
    assert diazepam_equivalent_mg(drug, 3 * table_mg) == pytest.approx(30)
    assert diazepam_equivalent_mg(drug, 0) == 0


@pytest.mark.parametrize(("drug", "table_mg"), sorted(VA_DOD.items()))
def test_va_dod_equivalent_for_every_drug(drug, table_mg):
    assert diazepam_equivalent_mg(drug, table_mg, "va_dod") == pytest.approx(10)


def test_equivalent_is_dose_times_ten_over_table_mg():
    assert diazepam_equivalent_mg("lorazepam", 2) == pytest.approx(2 * 10 / 1)
    assert diazepam_equivalent_mg("lorazepam", 2, "va_dod") == pytest.approx(2 * 10 / 2)
    assert diazepam_equivalent_mg("zopiclone", 7.5) == pytest.approx(7.5 * 10 / 15)


def test_equivalent_name_ignores_case_and_spaces():
    assert diazepam_equivalent_mg("  LoRaZePaM ", 1) == pytest.approx(10)


@pytest.mark.parametrize("drug", ["etizolam", "midazolam", "", "loraz"])
def test_unknown_drug_raises(drug):
    with pytest.raises(UnknownDrug):
        diazepam_equivalent_mg(drug, 1)
    assert issubclass(UnknownDrug, ValueError)


@pytest.mark.parametrize("dose", [-1, True, float("nan"), float("inf"), "2", None])
def test_invalid_dose_raises(dose):
    with pytest.raises(ValueError):
        diazepam_equivalent_mg("diazepam", dose)


def test_unknown_table_raises():
    with pytest.raises(ValueError, match="ashton"):
        diazepam_equivalent_mg("diazepam", 10, "bnf")


def test_total_sums_current_benzodiazepines_and_z_drugs_only():
    entries = [
        substance("lorazepam", "benzodiazepine", 2),
        substance("zolpidem", "z_drug", 10),
        substance("methadone", "opioid", 60),
        substance("diazepam", "benzodiazepine", 40, last_use=date(2024, 1, 1)),
    ]
    expected = 2 * 10 / 1 + 10 * 10 / 20
    assert total_diazepam_equivalent(entries, assessed_on=ASSESSED_ON) == pytest.approx(expected)
    assert total_diazepam_equivalent(entries) == pytest.approx(expected + 40)


def test_total_uses_the_named_table():
    entries = [substance("clonazepam", "benzodiazepine", 1)]
    assert total_diazepam_equivalent(entries, "va_dod") == pytest.approx(10)
    assert total_diazepam_equivalent(entries, "ashton") == pytest.approx(20)


def test_total_of_nothing_is_zero():
    assert total_diazepam_equivalent([]) == 0


def test_total_without_dose_for_current_benzodiazepine_raises():
    with pytest.raises(ValueError):
        total_diazepam_equivalent([substance("lorazepam", "benzodiazepine")])


# --- Current use --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("assessed_on", "last_use", "current"),
    [
        (date(2026, 3, 15), None, True),
        (date(2026, 3, 15), date(2026, 3, 15), True),
        (date(2026, 3, 15), date(2026, 4, 1), True),
        (date(2026, 3, 15), date(2025, 3, 16), True),
        (date(2026, 3, 15), date(2025, 3, 15), True),
        (date(2026, 3, 15), date(2025, 3, 14), False),
        (date(2026, 3, 15), date(2020, 1, 1), False),
        (date(2025, 2, 28), date(2024, 2, 28), True),
        (date(2025, 2, 28), date(2024, 2, 27), False),
        (date(2024, 2, 29), date(2023, 2, 28), True),
        (date(2024, 2, 29), date(2023, 2, 27), False),
        (date(2026, 1, 10), date(2025, 1, 10), True),
        (date(2026, 1, 10), date(2025, 1, 9), False),
    ],
)
def test_current_use_is_the_twelve_months_before_assessment(assessed_on, last_use, current):
    assert is_current({"last_use": last_use}, assessed_on) is current


def test_current_use_accepts_iso_dates():
    assert is_current({"last_use": "2025-03-15"}, ASSESSED_ON) is True
    assert is_current({"last_use": "2025-03-14"}, ASSESSED_ON) is False


def test_current_use_without_last_use_key():
    assert is_current({}, ASSESSED_ON) is True
