"""Intake rules added or changed in rule version 2 (CLINICAL.md §§1-3), against the document's
own lists: brands, sedatives without an equivalent, the plausibility bound, supervision by
class, combined depressants, the seizure floor for any sedative, falls and pregnancy, and
urgent review for a severe intake CIWA-B."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.assessments.checks import plausibility_errors, supervision_errors, write_errors
from intake.assessments.rule_set import RULE_VERSION
from intake.assessments.rules import (
    age_on,
    derive_flags,
    equivalence_missing,
    evaluate_assessment,
    total_diazepam_equivalent,
)
from intake.instruments.sedatives import accepted_names, generic_name
from intake.instruments.substances import normalise_substance
from tests.intake.assessments.rules_helpers import (
    ASHTON,
    ASSESSED_ON,
    flag_types,
    flags_for,
    sections,
    substance,
)

# CLINICAL.md §2, copied: brand -> generic.
BRANDS = {
    "Xanax": "alprazolam",
    "Valium": "diazepam",
    "Ativan": "lorazepam",
    "Klonopin": "clonazepam",
    "Rivotril": "clonazepam",
    "Restoril": "temazepam",
    "Halcion": "triazolam",
    "Librium": "chlordiazepoxide",
    "Tranxene": "clorazepate",
    "Serax": "oxazepam",
    "Mogadon": "nitrazepam",
    "Ambien": "zolpidem",
    "Stilnoct": "zolpidem",
    "Imovane": "zopiclone",
    "Zimovane": "zopiclone",
    "Lunesta": "eszopiclone",
    "Sonata": "zaleplon",
    "Frisium": "clobazam",
    "Onfi": "clobazam",
    "Rohypnol": "flunitrazepam",
}
# CLINICAL.md §2, copied: known sedatives without a single published equivalent.
NO_EQUIVALENT = [
    *("bromazepam", "estazolam", "flurazepam", "ketazolam", "loprazolam", "lormetazepam"),
    *("midazolam", "etizolam", "phenazepam", "flualprazolam", "flubromazolam", "clonazolam"),
    *("bromazolam", "diclazepam"),
]
# CLINICAL.md §3, copied: `other` depressants that count with an opioid.
DEPRESSANT_OTHERS = [
    *("gabapentin", "pregabalin", "phenobarbital", "butalbital", "carisoprodol", "GHB", "GBL"),
    "xylazine",
]


def birthday(age: int, day: date = ASSESSED_ON) -> date:
    return day.replace(year=day.year - age)


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("brand", "generic"), sorted(BRANDS.items()))
def test_every_brand_is_stored_as_its_generic_with_the_name_entered(brand, generic):
    for spelling in (brand, brand.upper(), f" {brand[:2]} {brand[2:]} "):
        assert generic_name(spelling) == generic
    stored = normalise_substance(substance(brand, "benzodiazepine", 1))
    assert (stored["substance"], stored["entered_name"]) == (generic, brand)


def test_a_generic_is_stored_without_entered_name():
    stored = normalise_substance(substance(" Alprazolam ", "benzodiazepine", 1))
    assert stored["substance"] == "alprazolam"
    assert "entered_name" not in stored


@pytest.mark.parametrize("drug", NO_EQUIVALENT)
def test_sedatives_without_an_equivalent_are_recognised_and_add_nothing(drug):
    entries = [substance(drug, "benzodiazepine", 2), substance("diazepam", "benzodiazepine", 5)]
    assert write_errors(entries) == {}
    assert total_diazepam_equivalent(entries, assessed_on=ASSESSED_ON) == 5
    assert equivalence_missing(entries, assessed_on=ASSESSED_ON) == [drug]
    assert drug in accepted_names()


def test_unknown_sedative_name_lists_every_accepted_name():
    (message,) = write_errors([substance("benzo", "benzodiazepine", 1)])["substances.0.substance"]
    for name in [*ASHTON, *NO_EQUIVALENT, *(brand.lower() for brand in BRANDS)]:
        assert name in message


def test_names_of_other_categories_are_free_text():
    assert write_errors([substance("xanax bars from a friend", "other", 1)]) == {}


# --- plausibility (unit slips) --------------------------------------------------------------


@pytest.mark.parametrize(("drug", "table_mg"), sorted(ASHTON.items()))
def test_plausibility_bound_is_150_mg_diazepam_for_every_drug(drug, table_mg):
    at_bound = substance(drug, "benzodiazepine", 15 * table_mg)  # exactly 150 mg diazepam
    above = substance(drug, "benzodiazepine", 15 * table_mg * 1.01)
    assert plausibility_errors([at_bound]) == {}
    (message,) = plausibility_errors([above])["substances.0.daily_dose_mg"]
    assert "150" in message and "micrograms" in message
    assert plausibility_errors([{**above, "dose_confirmed": True}]) == {}


def test_alprazolam_500_mg_is_a_unit_slip():
    (message,) = plausibility_errors([substance("alprazolam", "benzodiazepine", 500)])[
        "substances.0.daily_dose_mg"
    ]
    assert "10000 mg/day diazepam" in message


# --- supervision by class (§1) --------------------------------------------------------------


def supervised(*entries):
    return sections(
        substances=list(entries),
        dsm5={**sections()["dsm5"], "primary_substance": "alprazolam"},
    )


def test_prescribed_alprazolam_with_street_clonazepam_is_not_supervised():
    given_ = supervised(
        substance("alprazolam", "benzodiazepine", 2, None, True, True),
        substance("clonazepam", "benzodiazepine", 1),
    )
    (message,) = supervision_errors(given_, assessed_on=ASSESSED_ON)["dsm5.medically_supervised"]
    assert "clonazepam (substances.1)" in message


@pytest.mark.parametrize(
    "other",
    [
        substance("etizolam", "other", 1),  # a sedative entered as "other" is a sedative
        substance("zolpidem", "z_drug", 10),  # z-drugs are the same DSM-5 class
        substance("Xanax", "benzodiazepine", 1, None, True, False),  # prescribed, misused
    ],
)
def test_every_sedative_must_be_supervised(other):
    given_ = supervised(substance("alprazolam", "benzodiazepine", 2, None, True, True), other)
    assert "dsm5.medically_supervised" in supervision_errors(given_, assessed_on=ASSESSED_ON)


@pytest.mark.parametrize(
    "other",
    [
        substance("wine", "alcohol"),  # another class
        substance("heroin", "opioid"),
        substance("clonazepam", "benzodiazepine", 1, date(2024, 1, 1)),  # not current
    ],
)
def test_supervision_ignores_other_classes_and_past_use(other):
    given_ = supervised(substance("Xanax", "benzodiazepine", 2, None, True, True), other)
    assert supervision_errors(given_, assessed_on=ASSESSED_ON) == {}


# --- combined depressants (§3) --------------------------------------------------------------


@pytest.mark.parametrize(
    "partner",
    [
        *(substance(name, "other") for name in DEPRESSANT_OTHERS),
        substance("wine", "alcohol"),
        substance("lorazepam", "benzodiazepine", 1),
        substance("zopiclone", "z_drug", 7.5),
        substance("etizolam", "other", 1),
        substance("Xanax", "other", 1),
    ],
)
@pytest.mark.parametrize("opioid", ["fentanyl", "methadone", "heroin"])
def test_an_opioid_with_any_depressant_risks_respiratory_depression(opioid, partner):
    specs = flags_for(substances=[substance(opioid, "opioid"), partner])
    assert flag_types(specs)["respiratory_depression_risk"] == "urgent"
    (spec,) = [s for s in specs if s.type == "respiratory_depression_risk"]
    assert opioid in spec.note and partner["substance"] in spec.note


@pytest.mark.parametrize(
    "entries",
    [
        [substance("cocaine", "stimulant"), substance("heroin", "opioid")],
        [substance("cannabis", "cannabis"), substance("heroin", "opioid")],
        [substance("pregabalin", "other"), substance("wine", "alcohol")],
        [substance("kratom", "other"), substance("heroin", "opioid")],
        [substance("heroin", "opioid", None, date(2024, 1, 1)), substance("wine", "alcohol")],
    ],
)
def test_no_respiratory_flag_without_a_depressant_pair(entries):
    assert "respiratory_depression_risk" not in flag_types(flags_for(substances=entries))


def test_sedative_with_alcohol_risks_respiratory_depression():
    entries = [substance("diazepam", "benzodiazepine", 10), substance("beer", "alcohol")]
    assert flag_types(flags_for(substances=entries))["respiratory_depression_risk"] == "urgent"


# --- seizure floor for any sedative (§5) ----------------------------------------------------


def assessment_with(*entries, seizures=True):
    return sections(
        substances=list(entries),
        dsm5={**sections()["dsm5"], "medically_supervised": False},
        withdrawal_history={"seizures": seizures, "delirium": False},
    )


@pytest.mark.parametrize(
    "entry",
    [
        substance("etizolam", "other", 1),
        substance("etizolam", "benzodiazepine", 1),
        substance("zolpidem", "z_drug", 10),
        substance("vodka", "alcohol"),
    ],
)
def test_seizure_history_with_any_current_sedative_or_alcohol_sets_the_floor(entry):
    results = evaluate_assessment(
        assessment_with(entry, substance("fentanyl", "opioid")), sex=None, assessed_on=ASSESSED_ON
    )
    assert results["recommendation"]["level"] == "3.7"
    assert "complicated_withdrawal" in results["recommendation"]["driving_dimensions"]
    flags = {spec["type"] for spec in results["flag_specs"]}
    assert {"complicated_withdrawal_risk", "respiratory_depression_risk"} <= flags


def test_seizure_history_with_only_opioids_sets_no_floor():
    results = evaluate_assessment(
        assessment_with(substance("fentanyl", "opioid")), sex=None, assessed_on=ASSESSED_ON
    )
    assert "complicated_withdrawal" not in results["recommendation"]["driving_dimensions"]


# --- older adults and pregnancy (§3) --------------------------------------------------------


@pytest.mark.parametrize(("age", "flagged"), [(64, False), (65, True), (90, True)])
def test_falls_risk_from_65_with_a_current_sedative(age, flagged):
    results = evaluate_assessment(
        sections(), sex=None, assessed_on=ASSESSED_ON, date_of_birth=birthday(age)
    )
    types = {spec["type"]: spec["severity"] for spec in results["flag_specs"]}
    assert (types.get("falls_risk") == "warning") is flagged


def test_falls_risk_counts_the_birthday_exactly():
    day_before = birthday(65).replace(day=ASSESSED_ON.day + 1)
    assert age_on(birthday(65), ASSESSED_ON) == 65
    assert age_on(day_before, ASSESSED_ON) == 64


def test_no_falls_risk_without_a_current_sedative():
    given_ = sections(
        substances=[substance("wine", "alcohol")],
        dsm5={**sections()["dsm5"], "primary_substance": "wine"},
    )
    results = evaluate_assessment(
        given_, sex=None, assessed_on=ASSESSED_ON, date_of_birth=birthday(80)
    )
    assert "falls_risk" not in {spec["type"] for spec in results["flag_specs"]}


@pytest.mark.parametrize(
    ("entries", "severity"),
    [
        ([substance("lorazepam", "benzodiazepine", 1)], "urgent"),
        ([substance("methadone", "opioid")], "urgent"),
        ([substance("wine", "alcohol")], "urgent"),
        ([substance("cannabis", "cannabis")], "warning"),
        ([substance("cocaine", "stimulant")], "warning"),
        ([substance("lorazepam", "benzodiazepine", 1, date(2024, 1, 1))], "warning"),
    ],
)
def test_pregnancy_is_urgent_with_a_current_sedative_opioid_or_alcohol(entries, severity):
    assert "pregnancy" not in flag_types(flags_for(substances=entries))
    pregnant = {"status": "pregnant", "gestation_weeks": 12}
    specs = derive_flags(
        screenings={}, substances=entries, pregnancy=pregnant, assessed_on=ASSESSED_ON
    )
    assert flag_types(specs)["pregnancy"] == severity


@pytest.mark.parametrize("status", ["not_pregnant", "unknown"])
def test_no_pregnancy_flag_unless_pregnant(status):
    results = evaluate_assessment(
        sections(pregnancy={"status": status}), sex="female", assessed_on=ASSESSED_ON
    )
    assert "pregnancy" not in {spec["type"] for spec in results["flag_specs"]}


# --- intake CIWA-B and results ----------------------------------------------------------------


@pytest.mark.parametrize(("total", "urgent"), [(40, False), (41, True), (80, True)])
def test_severe_intake_ciwa_b_requires_urgent_review(total, urgent):
    items = [4] * (total // 4) + [total % 4] + [0] * (19 - total // 4)
    results = evaluate_assessment(
        sections(screenings={"ciwa_b": items[:20]}), sex=None, assessed_on=ASSESSED_ON
    )
    assert results["recommendation"]["requires_urgent_review"] is urgent
    types = {spec["type"]: spec["severity"] for spec in results["flag_specs"]}
    assert (types.get("severe_withdrawal") == "urgent") is urgent


def test_results_name_rule_version_2_and_what_the_total_misses():
    given_ = sections(
        substances=[
            substance("lorazepam", "benzodiazepine", 2, None, True, True),
            substance("etizolam", "other", 1, None, True, True),
        ]
    )
    results = evaluate_assessment(given_, sex=None, assessed_on=ASSESSED_ON)
    assert results["rule_version"] == RULE_VERSION == "2"
    assert results["diazepam_equivalent_mg_per_day"] == 20
    assert results["equivalence_missing"] == ["etizolam"]


@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(ASHTON) + NO_EQUIVALENT), st.floats(0.01, 50)),
        max_size=6,
    )
)
def test_total_is_the_sum_of_the_known_equivalents(entries):
    rows = [substance(name, "benzodiazepine", dose) for name, dose in entries]
    expected = sum(dose * 10 / ASHTON[name] for name, dose in entries if name in ASHTON)
    assert total_diazepam_equivalent(rows) == pytest.approx(expected, abs=0.01)
    missing = sorted({name for name, _ in entries if name not in ASHTON})
    assert equivalence_missing(rows) == missing
