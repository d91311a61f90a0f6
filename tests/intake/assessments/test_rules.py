"""Intake rules against CLINICAL.md §§1, 2, 3 and 5.

The tables below are copied from CLINICAL.md, so a change in the implementation that drifts from
the document fails here.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from intake.assessments.checks import missing_sections, validate_sections
from intake.assessments.placement import (
    DIMENSIONS,
    INPATIENT_LEVELS,
    LEVELS,
    OUTPATIENT_LEVELS,
    PlacementRules,
    setting_for_level,
)
from intake.assessments.rule_set import DEFAULT_RULES, RULE_VERSION, RuleSet, is_current
from intake.assessments.rules import (
    classify_sud,
    derive_flags,
    dual_diagnosis,
    evaluate_assessment,
    recommend_level,
    score_screenings,
    total_diazepam_equivalent,
)
from intake.flags.rules import (
    FLAG_SEVERITIES,
    FLAG_TYPES,
    PSYCHIATRIC_DIAGNOSES,
    FlagSpec,
    dedupe_flags,
    severity_rank,
)
from intake.instruments import InstrumentInputError
from intake.instruments.dsm5 import DSM5_CRITERIA
from intake.instruments.sedatives import DEFAULT_EQUIVALENCE_TABLE, EQUIVALENCE_TABLES
from intake.instruments.substances import SUBSTANCE_CATEGORIES, UnknownDrug, diazepam_equivalent_mg

# CLINICAL.md §2: oral mg equal to 10 mg diazepam.
ASHTON = {
    "alprazolam": 0.5,
    "chlordiazepoxide": 25,
    "clonazepam": 0.5,
    "clorazepate": 15,
    "diazepam": 10,
    "lorazepam": 1,
    "oxazepam": 20,
    "temazepam": 20,
    "triazolam": 0.5,
    "nitrazepam": 10,
    "zolpidem": 20,
    "zopiclone": 15,
    # rule version 2: Ashton's single published values
    "clobazam": 20,
    "flunitrazepam": 1,
    "quazepam": 20,
    "zaleplon": 20,
    "eszopiclone": 3,
}
# VA/DoD SUD CPG 2021 (2025 Joint Guideline, Table 7); every other drug as Ashton.
VA_DOD = {
    **ASHTON,
    "alprazolam": 1,
    "clonazepam": 1,
    "lorazepam": 2,
    "oxazepam": 30,
    "temazepam": 15,
    "triazolam": 0.25,
    "quazepam": 10,
}

# CLINICAL.md §5: minimum level for ratings 0..4.
LEVEL_TABLE = {
    "withdrawal": ["0.5", "1", "2.1", "3.7", "4"],
    "biomedical": ["0.5", "1", "2.1", "3.7", "4"],
    "emotional_behavioural": ["0.5", "1", "2.1", "3.5", "4"],
    "readiness": ["0.5", "1", "1", "2.1", "2.1"],
    "relapse_potential": ["0.5", "1", "2.1", "2.5", "3.5"],
    "recovery_environment": ["0.5", "1", "2.1", "3.1", "3.5"],
}
LEVEL_ORDER = ["0.5", "1", "2.1", "2.5", "3.1", "3.5", "3.7", "4"]
INPATIENT = {"3.1", "3.5", "3.7", "4"}

# CLINICAL.md §3: flag categories.
FLAG_TABLE = {
    "psychiatric": [
        "depression",
        "anxiety",
        "ptsd",
        "bipolar",
        "borderline_personality",
        "psychosis",
        "other_psychiatric",
    ],
    "substance": [
        "polysubstance",
        "alcohol_risk",
        "drug_use_risk",
        "benzodiazepine_dependence",
        "relapse",
    ],
    "safety": ["suicide_risk", "self_harm", "violence_risk"],
    "medical": [
        "complicated_withdrawal_risk",
        "respiratory_depression_risk",
        "severe_withdrawal",
        "pregnancy",
        "falls_risk",
        "other_medical",
    ],
    "care": ["aftercare_missing", "other_care"],
}

# CLINICAL.md §1: criteria counted -> severity.
SUD_SEVERITY = {0: "none", 1: "none", 2: "mild", 3: "mild", 4: "moderate", 5: "moderate"}
SUD_SEVERITY |= {n: "severe" for n in range(6, 12)}

ASSESSED_ON = date(2026, 3, 15)
ZERO_RATINGS = dict.fromkeys(LEVEL_TABLE, 0)
NO_SUD = classify_sud({}, False)


def rank(level: str) -> int:
    return LEVEL_ORDER.index(level)


def criteria(*met: str) -> dict[str, bool]:
    return {key: key in met for key in DSM5_CRITERIA}


def substance(name, category, dose=None, last_use=None, prescribed=False, as_prescribed=False):
    return {
        "substance": name,
        "category": category,
        "daily_dose_mg": dose,
        "last_use": last_use,
        "prescribed": prescribed,
        "taken_as_prescribed": as_prescribed,
    }


def recommend(ratings=None, sud=NO_SUD, *, complicated=False, cssrs_high=False, item9=False):
    return recommend_level(
        {**ZERO_RATINGS, **(ratings or {})},
        sud,
        complicated_withdrawal_with_current_sedative=complicated,
        cssrs_high=cssrs_high,
        phq9_item9_positive=item9,
    )


def sections(**overrides):
    """A complete, submittable assessment: prescribed lorazepam, supervised."""
    base = {
        "substances": [substance("lorazepam", "benzodiazepine", 2, None, True, True)],
        "dsm5": {
            "primary_substance": "lorazepam",
            "medically_supervised": True,
            "criteria": criteria("tolerance", "withdrawal"),
        },
        "dimensions": {key: {"rating": 0, "note": ""} for key in LEVEL_TABLE},
    }
    return base | overrides


def flag_types(specs) -> dict[str, str]:
    return {spec.type: spec.severity for spec in specs}


# --- Vocabulary ---------------------------------------------------------------------------


def test_vocabulary_matches_api():
    assert tuple(LEVEL_ORDER) == LEVELS
    assert set(INPATIENT_LEVELS) == INPATIENT
    assert set(OUTPATIENT_LEVELS) == set(LEVEL_ORDER) - INPATIENT
    assert tuple(LEVEL_TABLE) == DIMENSIONS
    assert len(DSM5_CRITERIA) == 11
    assert DSM5_CRITERIA[0] == "larger_longer"
    assert DSM5_CRITERIA[-2:] == ("tolerance", "withdrawal")
    assert set(SUBSTANCE_CATEGORIES) == {
        "benzodiazepine",
        "z_drug",
        "opioid",
        "alcohol",
        "stimulant",
        "cannabis",
        "other",
    }
    assert tuple(FLAG_TABLE["psychiatric"]) == PSYCHIATRIC_DIAGNOSES
    assert DEFAULT_RULES.version == RULE_VERSION


def test_flag_types_follow_the_clinical_table():
    expected = {t: category for category, types in FLAG_TABLE.items() for t in types}
    assert expected == FLAG_TYPES


def test_severity_rank_orders_info_warning_urgent():
    assert FLAG_SEVERITIES == ("info", "warning", "urgent")
    assert severity_rank("info") < severity_rank("warning") < severity_rank("urgent")
    with pytest.raises(ValueError):
        severity_rank("critical")


@pytest.mark.parametrize("level", LEVEL_ORDER)
def test_setting_for_level(level):
    assert setting_for_level(level) == ("inpatient" if level in INPATIENT else "outpatient")


def test_setting_for_unknown_level_raises():
    with pytest.raises(ValueError):
        setting_for_level("3")


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


# --- Level of care (§5) -------------------------------------------------------------------


@pytest.mark.parametrize("rating", range(5))
@pytest.mark.parametrize("dimension", list(LEVEL_TABLE))
def test_level_table_cell(dimension, rating):
    result = recommend({dimension: rating})
    expected = LEVEL_TABLE[dimension][rating]
    assert result.level == expected
    assert result.setting == ("inpatient" if expected in INPATIENT else "outpatient")
    assert dimension in result.driving_dimensions
    assert len(result.rationale) == len(result.driving_dimensions)
    assert result.requires_urgent_review is False


def test_no_need_is_early_intervention_driven_by_every_dimension():
    result = recommend()
    assert result.level == "0.5"
    assert result.driving_dimensions == list(LEVEL_TABLE)


def test_maximum_of_minimums_not_an_average():
    result = recommend({"readiness": 4, "relapse_potential": 3, "recovery_environment": 1})
    assert result.level == "2.5"
    assert result.driving_dimensions == ["relapse_potential"]


def test_every_dimension_at_the_result_drives_it():
    result = recommend({"withdrawal": 2, "biomedical": 2, "readiness": 3})
    assert result.level == "2.1"
    assert result.driving_dimensions == ["withdrawal", "biomedical", "readiness"]


def test_rationale_sentence_is_readable():
    result = recommend({"withdrawal": 3})
    assert result.rationale == [
        "Withdrawal rated 3 (severe): needs at least level 3.7, medically monitored inpatient."
    ]


@pytest.mark.parametrize(
    "sud",
    [
        classify_sud(criteria("craving", "cut_down"), False),
        classify_sud(criteria("tolerance"), True),
    ],
    ids=["use_disorder", "dependence_only"],
)
def test_sud_floor_lifts_early_intervention_to_outpatient(sud):
    result = recommend(sud=sud)
    assert result.level == "1"
    assert result.driving_dimensions == ["sud_floor"]
    assert "needs at least level 1, outpatient." in result.rationale[0]


def test_sud_floor_drives_alongside_dimensions_at_level_1():
    sud = classify_sud(criteria("craving", "cut_down"), False)
    result = recommend({"readiness": 2}, sud)
    assert result.level == "1"
    assert result.driving_dimensions == ["readiness", "sud_floor"]


def test_sud_floor_does_not_drive_above_level_1():
    sud = classify_sud(criteria("craving", "cut_down"), False)
    result = recommend({"biomedical": 2}, sud)
    assert result.level == "2.1"
    assert result.driving_dimensions == ["biomedical"]


def test_complicated_withdrawal_floor_is_3_7():
    result = recommend(complicated=True)
    assert result.level == "3.7"
    assert result.setting == "inpatient"
    assert result.driving_dimensions == ["complicated_withdrawal"]
    assert "seizures or delirium" in result.rationale[0]


def test_complicated_withdrawal_ties_with_severe_withdrawal_rating():
    result = recommend({"withdrawal": 3}, complicated=True)
    assert result.level == "3.7"
    assert result.driving_dimensions == ["withdrawal", "complicated_withdrawal"]
    assert len(result.rationale) == 2


def test_dimension_above_floor_wins():
    result = recommend({"biomedical": 4}, complicated=True, cssrs_high=True)
    assert result.level == "4"
    assert result.driving_dimensions == ["biomedical"]
    assert result.requires_urgent_review is True


def test_high_suicide_risk_floor_and_urgent_review():
    result = recommend(cssrs_high=True)
    assert result.level == "3.7"
    assert result.driving_dimensions == ["suicide_risk_high"]
    assert result.requires_urgent_review is True
    assert result.urgent_review_reasons


def test_phq9_item9_sets_urgent_review_without_floor():
    result = recommend(item9=True)
    assert result.level == "0.5"
    assert result.requires_urgent_review is True
    assert "suicide_risk_high" not in result.driving_dimensions


def test_all_three_floors_together():
    sud = classify_sud(criteria("craving", "cut_down"), False)
    result = recommend(sud=sud, complicated=True, cssrs_high=True)
    assert result.level == "3.7"
    assert result.driving_dimensions == ["complicated_withdrawal", "suicide_risk_high"]


def test_recommendation_records_rule_version():
    assert recommend().rule_version == RULE_VERSION


def test_recommendation_as_dict_has_api_keys():
    keys = set(recommend().as_dict())
    assert {"level", "setting", "driving_dimensions", "rationale", "requires_urgent_review"} <= keys


@pytest.mark.parametrize(
    "ratings",
    [
        {k: v for k, v in ZERO_RATINGS.items() if k != "readiness"},
        {**ZERO_RATINGS, "readiness": 5},
        {**ZERO_RATINGS, "readiness": -1},
        {**ZERO_RATINGS, "readiness": True},
        {**ZERO_RATINGS, "readiness": "2"},
        {**ZERO_RATINGS, "readiness": None},
        {**ZERO_RATINGS, "mood": 1},
    ],
)
def test_invalid_ratings_raise(ratings):
    with pytest.raises(ValueError):
        recommend_level(
            ratings,
            NO_SUD,
            complicated_withdrawal_with_current_sedative=False,
            cssrs_high=False,
            phq9_item9_positive=False,
        )


def test_placement_table_must_not_fall_as_rating_rises():
    table = {**LEVEL_TABLE, "readiness": ["0.5", "2.1", "1", "2.1", "2.1"]}
    with pytest.raises(ValueError):
        PlacementRules(level_minimums=table)


def test_placement_table_must_use_known_levels():
    with pytest.raises(ValueError):
        PlacementRules(level_minimums={**LEVEL_TABLE, "readiness": ["0", "1", "1", "2", "2"]})


def test_custom_floor_is_used():
    rules = RuleSet(version="centre-1", placement=PlacementRules(complicated_withdrawal="4"))
    result = recommend_level(
        ZERO_RATINGS,
        NO_SUD,
        complicated_withdrawal_with_current_sedative=True,
        cssrs_high=False,
        phq9_item9_positive=False,
        rules=rules,
    )
    assert (result.level, result.rule_version) == ("4", "centre-1")


# --- Flags (§3) ---------------------------------------------------------------------------


def flags_for(screenings=None, history=(), substances=(), withdrawal=None, sex=None):
    scored = score_screenings(screenings or {}, sex=sex)
    return derive_flags(
        screenings=scored,
        psychiatric_history=history,
        substances=substances,
        withdrawal_history=withdrawal,
        assessed_on=ASSESSED_ON,
    )


NO_CSSRS = {f"q{i}": False for i in range(1, 7)}


@pytest.mark.parametrize(
    ("name", "answers", "flag", "severity"),
    [
        ("phq9", [2, 2, 2, 2, 2, 0, 0, 0, 0], "depression", "warning"),
        ("gad7", [2, 2, 2, 2, 2, 0, 0], "anxiety", "warning"),
        (
            "pc_ptsd5",
            {"trauma_exposure": True, "items": [True] * 3 + [False] * 2},
            "ptsd",
            "warning",
        ),
        (
            "mdq",
            {"items": [True] * 7 + [False] * 6, "same_period": True, "problem": "moderate"},
            "bipolar",
            "warning",
        ),
        ("msi_bpd", [True] * 7 + [False] * 3, "borderline_personality", "warning"),
        ("audit_c", [1, 1, 1], "alcohol_risk", "warning"),
        ("dast10", [True, True, False] + [False] * 7, "drug_use_risk", "warning"),
        ("sds", [3, 3, 1, 0, 0], "benzodiazepine_dependence", "warning"),
        ("ciwa_b", [3] * 13 + [2] + [0] * 6, "severe_withdrawal", "urgent"),
    ],
)
def test_positive_screen_raises_its_flag(name, answers, flag, severity):
    specs = flags_for({name: answers})
    assert flag_types(specs) == {flag: severity}
    (spec,) = specs
    assert spec.category == FLAG_TABLE_CATEGORY[flag]
    assert (spec.source_kind, spec.instrument) == ("screening", name)
    assert spec.score == score_screenings({name: answers}, sex=None)[name].score
    assert spec.note


FLAG_TABLE_CATEGORY = {t: category for category, types in FLAG_TABLE.items() for t in types}


@pytest.mark.parametrize(
    ("name", "answers"),
    [
        ("phq9", [2, 2, 2, 2, 1, 0, 0, 0, 0]),
        ("gad7", [2, 2, 2, 2, 1, 0, 0]),
        ("dast10", [True, False, True] + [False] * 7),
        ("sds", [3, 3, 0, 0, 0]),
        ("ciwa_b", [2] * 20),
        ("cssrs_screen", NO_CSSRS),
    ],
)
def test_negative_screen_raises_nothing(name, answers):
    assert flags_for({name: answers}) == []


def test_phq9_item9_raises_urgent_suicide_risk_whatever_the_total():
    specs = flags_for({"phq9": [0] * 8 + [1]})
    assert flag_types(specs) == {"suicide_risk": "urgent"}
    assert specs[0].category == "safety"


@pytest.mark.parametrize(
    ("answers", "severity"),
    [
        ({**NO_CSSRS, "q1": True}, "info"),
        ({**NO_CSSRS, "q2": True, "q3": True}, "warning"),
        ({**NO_CSSRS, "q6": True, "q6_recent": False}, "warning"),
        ({**NO_CSSRS, "q2": True, "q4": True}, "urgent"),
        ({**NO_CSSRS, "q6": True, "q6_recent": True}, "urgent"),
    ],
)
def test_cssrs_risk_sets_suicide_risk_severity(answers, severity):
    assert flag_types(flags_for({"cssrs_screen": answers})) == {"suicide_risk": severity}


def test_suicide_risk_from_two_sources_is_one_flag_with_highest_severity():
    specs = flags_for({"phq9": [0] * 8 + [2], "cssrs_screen": {**NO_CSSRS, "q1": True}})
    assert flag_types(specs) == {"suicide_risk": "urgent"}
    assert specs[0].instrument == "phq9"


def test_suicide_risk_highest_wins_whatever_the_order():
    specs = flags_for({"cssrs_screen": {**NO_CSSRS, "q2": True, "q5": True}, "phq9": [0] * 9})
    assert flag_types(specs) == {"suicide_risk": "urgent"}
    assert specs[0].instrument == "cssrs_screen"


def test_history_and_screening_of_same_type_give_one_flag():
    specs = flags_for({"phq9": [3] * 4 + [0] * 5}, history=["depression"])
    assert [spec.type for spec in specs] == ["depression"]


@pytest.mark.parametrize("diagnosis", list(FLAG_TABLE["psychiatric"]))
def test_psychiatric_history_raises_flag_of_same_type(diagnosis):
    (spec,) = flags_for(history=[diagnosis])
    assert (spec.type, spec.category, spec.severity) == (diagnosis, "psychiatric", "warning")
    assert (spec.source_kind, spec.instrument, spec.score) == ("history", None, None)


def test_unknown_psychiatric_history_raises():
    with pytest.raises(ValueError):
        flags_for(history=["melancholy"])


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([("lorazepam", "benzodiazepine")], {}),
        ([("lorazepam", "benzodiazepine"), ("zolpidem", "z_drug")], {}),
        ([("diazepam", "benzodiazepine"), ("lorazepam", "benzodiazepine")], {}),
        ([("wine", "alcohol"), ("cannabis", "cannabis")], {"polysubstance": "warning"}),
        (
            [("lorazepam", "benzodiazepine"), ("wine", "alcohol")],
            {"polysubstance": "warning", "respiratory_depression_risk": "urgent"},
        ),
        (
            [("zopiclone", "z_drug"), ("heroin", "opioid")],
            {"polysubstance": "warning", "respiratory_depression_risk": "urgent"},
        ),
        (
            [("heroin", "opioid"), ("wine", "alcohol")],
            {"polysubstance": "warning", "respiratory_depression_risk": "urgent"},
        ),
        ([("cocaine", "stimulant"), ("ketamine", "other")], {"polysubstance": "warning"}),
        ([("ketamine", "other"), ("lsd", "other")], {"polysubstance": "warning"}),
        ([("ketamine", "other"), ("Ketamine ", "other")], {}),
    ],
)
def test_substance_flags(entries, expected):
    specs = flags_for(substances=[substance(name, category, 1) for name, category in entries])
    assert flag_types(specs) == expected
    assert all(spec.source_kind == "history" for spec in specs)


def test_substance_flags_ignore_use_more_than_twelve_months_ago():
    old = date(2025, 3, 14)
    entries = [substance("lorazepam", "benzodiazepine", 1), substance("wine", "alcohol", None, old)]
    assert flags_for(substances=entries) == []


def test_substance_flags_count_use_exactly_twelve_months_ago():
    edge = date(2025, 3, 15)
    entries = [
        substance("lorazepam", "benzodiazepine", 1),
        substance("wine", "alcohol", None, edge),
    ]
    assert set(flag_types(flags_for(substances=entries))) == {
        "polysubstance",
        "respiratory_depression_risk",
    }


@pytest.mark.parametrize(
    ("history", "raised"),
    [
        ({"seizures": True, "delirium": False}, True),
        ({"seizures": False, "delirium": True}, True),
        ({"seizures": True, "delirium": True}, True),
        ({"seizures": False, "delirium": False, "previous_detox_count": 3}, False),
        (None, False),
    ],
)
def test_withdrawal_history_raises_complicated_withdrawal_risk(history, raised):
    expected = {"complicated_withdrawal_risk": "urgent"} if raised else {}
    assert flag_types(flags_for(withdrawal=history)) == expected


def test_flags_come_urgent_first():
    specs = flags_for(
        {"gad7": [3] * 4 + [0] * 3, "cssrs_screen": {**NO_CSSRS, "q1": True}},
        withdrawal={"seizures": True, "delirium": False},
    )
    severities = [severity_rank(spec.severity) for spec in specs]
    assert severities == sorted(severities, reverse=True)
    assert specs[0].type == "complicated_withdrawal_risk"


def make_spec(flag_type: str, severity: str, note: str) -> FlagSpec:
    return FlagSpec(flag_type, FLAG_TYPES[flag_type], severity, "screening", None, None, note)


def test_dedupe_keeps_highest_severity_per_type():
    specs = [
        make_spec("suicide_risk", "info", "a"),
        make_spec("suicide_risk", "urgent", "b"),
        make_spec("suicide_risk", "warning", "c"),
        make_spec("anxiety", "warning", "d"),
    ]
    assert [(s.type, s.note) for s in dedupe_flags(specs)] == [
        ("suicide_risk", "b"),
        ("anxiety", "d"),
    ]


def test_dedupe_keeps_the_first_on_a_tie():
    specs = [make_spec("ptsd", "warning", "first"), make_spec("ptsd", "warning", "second")]
    assert [s.note for s in dedupe_flags(specs)] == ["first"]


# --- Dual diagnosis -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("categories", "sud", "expected"),
    [
        (["psychiatric"], {"use_disorder": True, "physical_dependence": False}, True),
        (["psychiatric"], {"use_disorder": False, "physical_dependence": True}, True),
        (["psychiatric"], {"use_disorder": False, "physical_dependence": False}, False),
        (["substance", "safety"], {"use_disorder": True, "physical_dependence": True}, False),
        (["psychiatric"], None, False),
        ([], {"use_disorder": True, "physical_dependence": True}, False),
    ],
)
def test_dual_diagnosis(categories, sud, expected):
    assert dual_diagnosis(categories, sud) is expected


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


# --- Whole assessment ---------------------------------------------------------------------

RESULT_KEYS = {
    "rule_version",
    "sud",
    "screenings",
    "diazepam_equivalent_mg_per_day",
    "equivalence_table",
    "equivalence_missing",
    "recommendation",
    "flag_specs",
}


def worked_example():
    """CLINICAL.md's worked example: prescribed lorazepam 2 mg/day, taken as prescribed,
    supervised, tolerance and withdrawal only, PHQ-9 12 with item 9 = 0, positive PC-PTSD-5."""
    return sections(
        screenings={
            "phq9": [2, 2, 2, 2, 2, 1, 1, 0, 0],
            "pc_ptsd5": {"trauma_exposure": True, "items": [True, True, True, False, False]},
        },
        dimensions={key: {"rating": 1} for key in LEVEL_TABLE} | {"readiness": {"rating": 0}},
    )


def test_worked_example():
    given = worked_example()
    assert missing_sections(given) == []
    assert validate_sections(given, assessed_on=ASSESSED_ON) == {}
    results = evaluate_assessment(given, sex="female", assessed_on=ASSESSED_ON)

    assert set(results) == RESULT_KEYS
    assert results["rule_version"] == RULE_VERSION
    sud = results["sud"]
    assert sud["physical_dependence"] is True
    assert sud["use_disorder"] is False
    assert sud["severity"] == "none"
    assert sud["not_counted"] == ["tolerance", "withdrawal"]
    assert results["diazepam_equivalent_mg_per_day"] == pytest.approx(2 * 10 / ASHTON["lorazepam"])
    assert results["equivalence_table"] == "ashton"
    phq9 = results["screenings"]["phq9"]
    assert (phq9["score"], phq9["band"], phq9["positive"]) == (12, "moderate", True)
    assert results["screenings"]["pc_ptsd5"]["positive"] is True

    types = {spec["type"]: spec for spec in results["flag_specs"]}
    assert set(types) == {"depression", "ptsd"}
    assert {spec["category"] for spec in types.values()} == {"psychiatric"}
    assert "suicide_risk" not in types

    recommendation = results["recommendation"]
    assert rank(recommendation["level"]) >= rank("1")
    assert recommendation["setting"] == "outpatient"
    assert recommendation["requires_urgent_review"] is False
    assert "sud_floor" in recommendation["driving_dimensions"]
    assert len(recommendation["rationale"]) == len(recommendation["driving_dimensions"])
    for sentence in recommendation["rationale"]:
        assert sentence[0].isupper() and sentence.endswith(".")
        assert "needs at least level 1, outpatient" in sentence
    assert any("Physical dependence" in s for s in recommendation["rationale"])


def test_worked_example_without_supervision_is_a_mild_use_disorder():
    given = worked_example()
    given["dsm5"] = {**given["dsm5"], "medically_supervised": False}
    given["substances"] = [substance("lorazepam", "benzodiazepine", 2)]
    sud = evaluate_assessment(given, sex=None, assessed_on=ASSESSED_ON)["sud"]
    assert (sud["use_disorder"], sud["severity"], sud["counted"]) == (True, "mild", 2)
    assert sud["not_counted"] == []


def test_results_are_json_like():
    results = evaluate_assessment(worked_example(), sex=None, assessed_on=ASSESSED_ON)
    assert json.loads(json.dumps(results)) == results


def test_high_suicide_risk_in_whole_assessment():
    given = sections(screenings={"cssrs_screen": {**NO_CSSRS, "q2": True, "q5": True}})
    results = evaluate_assessment(given, sex=None, assessed_on=ASSESSED_ON)
    assert results["screenings"]["cssrs_screen"]["risk"] == "high"
    recommendation = results["recommendation"]
    assert recommendation["level"] == "3.7"
    assert "suicide_risk_high" in recommendation["driving_dimensions"]
    assert recommendation["requires_urgent_review"] is True
    assert {s["type"]: s["severity"] for s in results["flag_specs"]}["suicide_risk"] == "urgent"


def test_phq9_item9_in_whole_assessment_needs_urgent_review():
    given = sections(screenings={"phq9": [0] * 8 + [1]})
    recommendation = evaluate_assessment(given, sex=None, assessed_on=ASSESSED_ON)["recommendation"]
    assert recommendation["requires_urgent_review"] is True
    assert recommendation["level"] == "1"


@pytest.mark.parametrize(
    ("category", "name", "dose", "floor"),
    [
        ("alcohol", "wine", None, True),
        ("benzodiazepine", "diazepam", 10, True),
        ("z_drug", "zopiclone", 7.5, True),
        ("opioid", "heroin", None, False),
        ("stimulant", "cocaine", None, False),
    ],
)
def test_complicated_withdrawal_floor_needs_current_seizure_prone_substance(
    category, name, dose, floor
):
    given = sections(
        substances=[substance(name, category, dose)],
        dsm5={**sections()["dsm5"], "primary_substance": name, "medically_supervised": False},
        withdrawal_history={"seizures": True, "delirium": False},
    )
    results = evaluate_assessment(given, sex=None, assessed_on=ASSESSED_ON)
    assert ("complicated_withdrawal" in results["recommendation"]["driving_dimensions"]) is floor
    assert results["recommendation"]["level"] == ("3.7" if floor else "1")
    flag_specs = {s["type"] for s in results["flag_specs"]}
    assert "complicated_withdrawal_risk" in flag_specs


def test_complicated_withdrawal_floor_ignores_past_sedative_use():
    given = sections(
        substances=[
            substance("wine", "alcohol", None, date(2024, 12, 31)),
            substance("cannabis", "cannabis"),
        ],
        dsm5={**sections()["dsm5"], "primary_substance": "cannabis", "medically_supervised": False},
        withdrawal_history={"seizures": False, "delirium": True},
    )
    recommendation = evaluate_assessment(given, sex=None, assessed_on=ASSESSED_ON)["recommendation"]
    assert recommendation["driving_dimensions"] == ["sud_floor"]
    assert recommendation["level"] == "1"


@pytest.mark.parametrize(("sex", "flagged"), [("male", False), ("female", True), (None, True)])
def test_audit_c_in_whole_assessment_uses_the_clients_sex(sex, flagged):
    given = sections(screenings={"audit_c": [1, 1, 1]})
    results = evaluate_assessment(given, sex=sex, assessed_on=ASSESSED_ON)
    assert results["screenings"]["audit_c"]["positive"] is flagged
    assert ("alcohol_risk" in {s["type"] for s in results["flag_specs"]}) is flagged


def test_screenings_left_null_are_skipped():
    given = sections(screenings={"phq9": None, "gad7": [0] * 7})
    results = evaluate_assessment(given, sex=None, assessed_on=ASSESSED_ON)
    assert set(results["screenings"]) == {"gad7"}


def test_invalid_screening_answers_raise():
    given = sections(screenings={"phq9": [4] * 9})
    with pytest.raises(InstrumentInputError):
        evaluate_assessment(given, sex=None, assessed_on=ASSESSED_ON)


def test_rule_set_chooses_equivalence_table_and_version():
    rules = RuleSet(version="centre-2026-1", equivalence_table="va_dod")
    results = evaluate_assessment(worked_example(), sex=None, assessed_on=ASSESSED_ON, rules=rules)
    assert results["equivalence_table"] == "va_dod"
    assert results["diazepam_equivalent_mg_per_day"] == pytest.approx(2 * 10 / VA_DOD["lorazepam"])
    assert results["rule_version"] == "centre-2026-1"


def test_rule_set_rejects_unknown_equivalence_table():
    with pytest.raises(ValueError):
        RuleSet(equivalence_table="bnf")


def test_rule_set_is_frozen():
    with pytest.raises(AttributeError):
        DEFAULT_RULES.version = "x"
