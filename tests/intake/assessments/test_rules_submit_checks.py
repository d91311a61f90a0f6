"""Intake rules: the checks made when an assessment is submitted (missing sections, doses of
current sedatives, medical supervision of the primary substance)."""

from __future__ import annotations

from datetime import date

import pytest

from intake.assessments.checks import missing_sections, validate_sections
from tests.intake.assessments.rules_helpers import ASSESSED_ON, LEVEL_TABLE, sections, substance

# --- Submit-time checks -------------------------------------------------------------------


def test_complete_sections_have_nothing_missing():
    assert missing_sections(sections()) == []


def test_empty_assessment_misses_all_required_sections():
    assert missing_sections({}) == ["substances", "dsm5", "dimensions"]


def test_empty_substances_list_is_missing():
    assert missing_sections(sections(substances=[])) == ["substances"]


def test_partial_dimensions_name_the_missing_ratings():
    dims = {key: {"rating": 1} for key in LEVEL_TABLE if key != "readiness"}
    dims["biomedical"] = {"rating": None, "note": "not asked"}
    assert missing_sections(sections(dimensions=dims)) == [
        "dimensions.biomedical",
        "dimensions.readiness",
    ]


def test_partial_dsm5_names_the_missing_parts():
    dsm5 = {"primary_substance": " ", "criteria": {"craving": True}}
    missing = missing_sections(sections(dsm5=dsm5))
    assert missing[:2] == ["dsm5.primary_substance", "dsm5.medically_supervised"]
    assert "dsm5.criteria.craving" not in missing
    assert "dsm5.criteria.tolerance" in missing
    assert len(missing) == 2 + 10


def test_dsm5_without_criteria():
    dsm5 = {"primary_substance": "alcohol", "medically_supervised": False}
    assert missing_sections(sections(dsm5=dsm5)) == ["dsm5.criteria"]


def test_valid_sections_have_no_errors():
    assert validate_sections(sections(), assessed_on=ASSESSED_ON) == {}


def test_current_benzodiazepine_needs_a_dose():
    given = sections(substances=[substance("lorazepam", "benzodiazepine", None, None, True, True)])
    errors = validate_sections(given, assessed_on=ASSESSED_ON)
    assert list(errors) == ["substances.0.daily_dose_mg"]


def test_current_z_drug_needs_a_dose():
    entries = [substance("heroin", "opioid"), substance("zolpidem", "z_drug")]
    given = sections(substances=entries, dsm5={**sections()["dsm5"], "medically_supervised": False})
    assert list(validate_sections(given, assessed_on=ASSESSED_ON)) == ["substances.1.daily_dose_mg"]


@pytest.mark.parametrize("dose", [0, -2, True, "2"])
def test_benzodiazepine_dose_must_be_a_positive_number(dose):
    given = sections(substances=[substance("lorazepam", "benzodiazepine", dose, None, True, True)])
    assert "substances.0.daily_dose_mg" in validate_sections(given, assessed_on=ASSESSED_ON)


def test_past_benzodiazepine_needs_no_dose():
    entries = [
        substance("lorazepam", "benzodiazepine", 1, None, True, True),
        substance("alprazolam", "benzodiazepine", None, date(2024, 1, 1)),
    ]
    assert validate_sections(sections(substances=entries), assessed_on=ASSESSED_ON) == {}


def test_without_assessment_date_every_benzodiazepine_counts_as_current():
    entries = [
        substance("lorazepam", "benzodiazepine", 1, None, True, True),
        substance("alprazolam", "benzodiazepine", None, date(2024, 1, 1), True, True),
    ]
    assert list(validate_sections(sections(substances=entries))) == ["substances.1.daily_dose_mg"]


def test_other_categories_need_no_dose_and_take_free_text_names():
    entries = [
        substance("lorazepam", "benzodiazepine", 1, None, True, True),
        substance("home-made spirits", "alcohol"),
        substance("kratom", "other"),
    ]
    assert validate_sections(sections(substances=entries), assessed_on=ASSESSED_ON) == {}


def test_unknown_benzodiazepine_name_is_a_field_error():
    entries = [
        substance("lorazepam", "benzodiazepine", 1, None, True, True),
        substance("fakeazepam", "benzodiazepine", 1, None, True, True),
    ]
    errors = validate_sections(sections(substances=entries), assessed_on=ASSESSED_ON)
    assert list(errors) == ["substances.1.substance"]
    assert "lorazepam" in errors["substances.1.substance"][0]


@pytest.mark.parametrize(
    ("prescribed", "as_prescribed", "ok"),
    [(True, True, True), (True, False, False), (False, True, False), (False, False, False)],
)
def test_supervision_needs_primary_prescribed_and_taken_as_prescribed(
    prescribed, as_prescribed, ok
):
    entries = [substance("Lorazepam", "benzodiazepine", 2, None, prescribed, as_prescribed)]
    dsm5 = {**sections()["dsm5"], "primary_substance": " LORAZEPAM "}
    errors = validate_sections(sections(substances=entries, dsm5=dsm5), assessed_on=ASSESSED_ON)
    assert (errors == {}) is ok
    if not ok:
        assert list(errors) == ["dsm5.medically_supervised"]


def test_unsupervised_needs_nothing_of_the_primary_substance():
    entries = [substance("lorazepam", "benzodiazepine", 2)]
    dsm5 = {**sections()["dsm5"], "medically_supervised": False}
    assert validate_sections(sections(substances=entries, dsm5=dsm5)) == {}


def test_supervision_with_primary_not_among_substances_is_an_error():
    dsm5 = {**sections()["dsm5"], "primary_substance": "alprazolam"}
    errors = validate_sections(sections(dsm5=dsm5))
    assert list(errors) == ["dsm5.medically_supervised"]


def test_supervision_with_a_second_unprescribed_entry_of_the_primary_is_an_error():
    entries = [
        substance("lorazepam", "benzodiazepine", 2, None, True, True),
        substance("lorazepam", "benzodiazepine", 4, None, False, False),
    ]
    errors = validate_sections(sections(substances=entries))
    assert list(errors) == ["dsm5.medically_supervised"]


def test_validation_raises_nothing_on_odd_shapes():
    odd = {"substances": "lots", "dsm5": {"medically_supervised": True}}
    assert list(validate_sections(odd)) == ["dsm5.medically_supervised"]
    assert missing_sections(odd) == [
        "substances",
        "dsm5.primary_substance",
        "dsm5.criteria",
        "dimensions",
    ]
