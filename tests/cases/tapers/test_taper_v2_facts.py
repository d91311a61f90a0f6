"""Taper plans, rule version 2 (CLINICAL.md §2, §6.1): what a plan is built from and what it
warns about: brand names, the dose check (plausibility and intake), from_assessment plans, and
who the client is. Expected numbers are worked out by hand in the comments."""

import datetime as dt

import pytest

from cases.tapers.bounds import TaperInputError, TaperStateError
from cases.tapers.facts import ClientFacts, IntakeRecord, age_on
from cases.tapers.rules import TaperRequest, design_taper

START = dt.date(2026, 3, 2)
ASSESSED = dt.date(2026, 2, 20)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def entry(substance, dose, category="benzodiazepine", **kw):
    return {"substance": substance, "category": category, "daily_dose_mg": dose, **kw}


def intake(*substances, table="ashton"):
    return IntakeRecord(11, ASSESSED, table, substances)


def design(facts=None, **kw):
    return design_taper(TaperRequest(start_date=START, **kw), facts or ClientFacts())


def one(medication="alprazolam", dose=2.0, facts=None, **kw):
    kw.setdefault("switch_to_diazepam", False)
    return design(facts, medication=medication, current_daily_dose_mg=dose, **kw)


def refused(field, facts=None, **kw):
    with pytest.raises(TaperInputError) as excinfo:
        design(facts, **kw)
    assert excinfo.value.field == field, str(excinfo.value)
    return str(excinfo.value)


def codes(plan):
    return [c.code for c in plan.cautions]


# --- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entered", "generic", "kept"),
    [
        ("Xanax", "alprazolam", "Xanax"),
        (" x anax ", "alprazolam", "x anax"),
        ("Klonopin", "clonazepam", "Klonopin"),
        ("Rohypnol", "flunitrazepam", "Rohypnol"),
        ("ALPRAZOLAM", "alprazolam", None),  # a generic in capitals is not a brand
    ],
)
def test_brand_is_stored_as_the_generic_with_the_name_entered(entered, generic, kept):
    plan = design(medication=entered, current_daily_dose_mg=2, switch_to_diazepam=True)
    assert (plan.medication, plan.entered_name) == (generic, kept)


# --- the dose check -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("medication", "dose", "allowed"),
    [
        ("diazepam", 150, True),  # exactly the bound
        ("diazepam", 150.1, False),
        ("alprazolam", 7.5, True),  # 7.5 x 10 / 0.5 = 150
        ("alprazolam", 7.505, False),  # 150.1
    ],
)
def test_plausibility_bound_at_150(medication, dose, allowed):
    kw = {"medication": medication, "current_daily_dose_mg": dose, "switch_to_diazepam": True}
    if allowed:
        assert design(**kw).steps[0].daily_dose_mg == 40  # and the switch is capped
        return
    message = refused("current_daily_dose_mg", **kw)
    assert "150.1 mg/day diazepam" in message and "check the unit: micrograms?" in message
    assert design(**kw, dose_confirmed=True).steps[0].daily_dose_mg == 40


def test_found_case_alprazolam_500_micrograms_entered_as_mg():
    # 500 mg alprazolam x 10 / 0.5 = 10,000 mg diazepam: a unit slip, refused unconfirmed
    kw = {"medication": "alprazolam", "current_daily_dose_mg": 500, "switch_to_diazepam": True}
    assert "10000 mg/day diazepam" in refused("current_daily_dose_mg", **kw)
    plan = design(**kw, dose_confirmed=True)  # confirmed: still capped at 40
    assert plan.steps[0].daily_dose_mg == 40 and codes(plan) == ["start_dose_capped"]


@pytest.mark.parametrize("dose", [0, -1, 10000, 10000.5])
def test_dose_is_above_0_and_below_10000(dose):
    kw = {"medication": "diazepam", "current_daily_dose_mg": dose, "switch_to_diazepam": False}
    assert "10,000" in refused("current_daily_dose_mg", dose_confirmed=True, **kw)


def test_same_drug_at_another_dose_at_intake():
    facts = ClientFacts(intake=intake(entry("Xanax", 1)))
    plan = one(dose=2, facts=facts)
    assert codes(plan) == ["dose_differs_from_intake"]
    assert "1 mg/day" in plan.cautions[0].message and "2 mg/day" in plan.cautions[0].message
    assert one(dose=1, facts=facts).cautions == ()


def test_same_drug_listed_twice_at_intake_is_compared_with_the_sum():
    # prescribed 1 mg plus street 1 mg: the client takes 2 mg
    facts = ClientFacts(intake=intake(entry("alprazolam", 1), entry("alprazolam", 1)))
    assert one(dose=2, facts=facts).cautions == ()


def test_other_current_sedatives_at_intake_are_named():
    facts = ClientFacts(
        intake=intake(
            entry("alprazolam", 2),
            entry("zolpidem", 10, "z_drug"),
            entry("etizolam", 1, "other"),
            entry("lorazepam", 1, last_use="2024-01-01"),  # not current: over 12 months
            entry("alcohol", None, "alcohol"),
        )
    )
    plan = one(dose=2, facts=facts)
    assert codes(plan) == ["other_sedatives_at_intake"]
    message = plan.cautions[0].message
    assert "zolpidem" in message and "etizolam" in message
    assert "lorazepam" not in message and "alcohol" not in message


# --- from_assessment ---------------------------------------------------------------------------


def test_from_assessment_with_two_drugs():
    # alprazolam 1 mg = 20 mg and zolpidem 10 mg = 5 mg diazepam: start at 25. Stage 1: half of
    # each (0.5 and 5 mg) and 12.5 mg diazepam; stage 2 (day 7): diazepam 25 alone.
    facts = ClientFacts(intake=intake(entry("alprazolam", 1), entry("zolpidem", 10, "z_drug")))
    plan = design(facts, from_assessment=True)
    assert plan.medication == "alprazolam + zolpidem" and plan.switch_to_diazepam
    assert plan.from_assessment_id == 11 and plan.current_daily_dose_mg == 25
    assert [(c.date, c.original_mg, c.diazepam_mg, c.originals) for c in plan.crossover] == [
        (day(0), None, 12.5, (("alprazolam", 0.5), ("zolpidem", 5.0))),
        (day(7), None, 25.0, (("alprazolam", 0.0), ("zolpidem", 0.0))),
    ]
    assert (plan.steps[0].date, plan.steps[0].daily_dose_mg) == (day(7), 25)
    assert (plan.steps[1].date, plan.steps[1].daily_dose_mg) == (day(28), 22.5)
    assert plan.cautions == ()  # it covers every sedative of the intake


def test_from_assessment_uses_the_assessment_table_and_merges_a_drug_listed_twice():
    # VA/DoD: alprazolam 1 mg = 10 mg diazepam, so 1 + 2 mg = 30 mg
    facts = ClientFacts(intake=intake(entry("alprazolam", 1), entry("Xanax", 2), table="va_dod"))
    plan = design(facts, from_assessment=True)
    assert plan.equivalence_table == "va_dod" and plan.steps[0].daily_dose_mg == 30
    assert [(s.medication, float(s.daily_dose_mg)) for s in plan.sources] == [("alprazolam", 3)]
    assert plan.crossover[0].original_mg == 1.5  # one drug: its dose is shown directly


def test_from_assessment_over_40_is_capped_and_over_150_needs_confirmation():
    facts = ClientFacts(intake=intake(entry("alprazolam", 4), entry("clonazepam", 4)))
    # 80 + 80 = 160 mg/day diazepam
    assert "160 mg/day" in refused("dose_confirmed", facts, from_assessment=True)
    plan = design(facts, from_assessment=True, dose_confirmed=True)
    assert plan.steps[0].daily_dose_mg == 40 and codes(plan) == ["start_dose_capped"]


def test_from_assessment_with_a_sedative_without_equivalent_needs_start_dose_mg():
    facts = ClientFacts(intake=intake(entry("alprazolam", 1), entry("etizolam", 2)))
    assert "etizolam" in refused("start_dose_mg", facts, from_assessment=True)
    # the total (20 mg) is then a lower bound, so start_dose_mg is not bounded by it
    plan = design(facts, from_assessment=True, start_dose_mg=30)
    assert plan.steps[0].daily_dose_mg == 30
    assert plan.crossover[0].originals == (("alprazolam", 0.5), ("etizolam", 1.0))


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"medication": "alprazolam"}, "medication"),
        ({"current_daily_dose_mg": 2}, "current_daily_dose_mg"),
        ({"switch_to_diazepam": False}, "switch_to_diazepam"),
    ],
)
def test_from_assessment_takes_no_medication_and_always_switches(kw, field):
    facts = ClientFacts(intake=intake(entry("alprazolam", 1)))
    refused(field, facts, from_assessment=True, **kw)
    assert design(facts, from_assessment=True, switch_to_diazepam=True).switch_to_diazepam


@pytest.mark.parametrize(
    ("facts", "words"),
    [
        (ClientFacts(), "no submitted assessment"),
        (ClientFacts(intake=intake(entry("alcohol", None, "alcohol"))), "no current"),
        (ClientFacts(intake=intake(entry("lorazepam", 1, last_use="2020-01-01"))), "no current"),
        (ClientFacts(intake=intake(entry("etizolam", None, "other"))), "without a daily dose"),
    ],
)
def test_from_assessment_needs_an_assessment_with_a_current_sedative(facts, words):
    with pytest.raises(TaperStateError, match=words):
        design(facts, from_assessment=True)


@pytest.mark.parametrize("field", ["medication", "current_daily_dose_mg", "switch_to_diazepam"])
def test_one_drug_plan_needs_medication_dose_and_switch(field):
    kw = {"medication": "alprazolam", "current_daily_dose_mg": 2, "switch_to_diazepam": True}
    del kw[field]
    refused(field, **kw)


# --- who the client is --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "age", "older"),
    [
        (dt.date(1961, 3, 3), 64, False),  # 65th birthday the day after the start
        (dt.date(1961, 3, 2), 65, True),  # 65 on the start date
        (dt.date(1940, 1, 1), 86, True),
    ],
)
def test_older_adult_defaults_and_caution_at_65(born, age, older):
    assert age_on(born, START) == age
    plan = one("diazepam", 10, ClientFacts(date_of_birth=born))
    assert (plan.reduction_percent, plan.interval_days) == ((5, 28) if older else (10, 14))
    assert codes(plan) == (["older_adult"] if older else [])
    if older:
        assert f"is {age} on the start date" in plan.cautions[0].message
        # 10 mg = 20 increments; 5% of 20 = 1: 9.5 mg on day 28. 5% of 19 = 0.95 rounds to 0:
        # the tail, one increment every 2 x 28 days: 9 mg on day 84.
        assert [(s.date, s.daily_dose_mg) for s in plan.steps[:3]] == [
            (day(0), 10),
            (day(28), 9.5),
            (day(84), 9),
        ]


def test_older_adult_given_rate_is_kept():
    older = ClientFacts(date_of_birth=dt.date(1950, 6, 1))
    plan = one("diazepam", 10, older, reduction_percent=10)
    assert (plan.reduction_percent, plan.interval_days) == (10, 28)
    plan = one("diazepam", 10, older, interval_days=14)
    assert (plan.reduction_percent, plan.interval_days) == (5, 14)
    assert codes(plan) == ["older_adult"]


def test_birthday_on_29_february():
    assert age_on(dt.date(1960, 2, 29), dt.date(2025, 2, 28)) == 64
    assert age_on(dt.date(1960, 2, 29), dt.date(2025, 3, 1)) == 65


def test_pregnancy_caution():
    plan = one("diazepam", 10, ClientFacts(pregnant=True))
    assert codes(plan) == ["pregnancy"] and "specialist" in plan.cautions[0].message


def test_cautions_come_together_in_a_fixed_order():
    facts = ClientFacts(
        date_of_birth=dt.date(1950, 1, 1),
        pregnant=True,
        intake=intake(entry("alprazolam", 4), entry("zopiclone", 7.5, "z_drug")),
    )
    plan = one("alprazolam", 6, facts, switch_to_diazepam=True)
    assert codes(plan) == [
        "start_dose_capped",
        "dose_differs_from_intake",
        "other_sedatives_at_intake",
        "older_adult",
        "pregnancy",
    ]


def test_every_plan_records_the_table_and_rule_version():
    plan = one()
    assert (plan.equivalence_table, plan.rule_version) == ("ashton", "2")
