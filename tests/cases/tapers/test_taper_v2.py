"""Taper plans, rule version 2 (CLINICAL.md §6.1): no abrupt stop, the staged crossover and the
start-dose ceiling, each bound at its boundary. Every expected number is worked out by hand
from the rule text in the comments beside it."""

import datetime as dt

import pytest

from cases.tapers.bounds import DOSE_INCREMENTS, TaperInputError
from cases.tapers.rules import TaperRequest, compute_taper, design_taper
from intake.instruments.sedatives import EQUIVALENCE_TABLES

START = dt.date(2026, 3, 2)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def design(medication="diazepam", dose=10.0, **kw):
    kw.setdefault("switch_to_diazepam", False)
    return design_taper(
        TaperRequest(start_date=START, medication=medication, current_daily_dose_mg=dose, **kw)
    )


def refused(field: str, medication="diazepam", dose=10.0, **kw) -> str:
    with pytest.raises(TaperInputError) as excinfo:
        design(medication, dose, **kw)
    assert excinfo.value.field == field, str(excinfo.value)
    return str(excinfo.value)


def stages(plan) -> list[tuple[dt.date, float | None, float]]:
    return [(s.date, s.original_mg, s.diazepam_mg) for s in plan.crossover]


# --- default increments -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "increment", "diazepam_mg"),
    [
        ("diazepam", 0.5, 0.5),
        ("alprazolam", 0.125, 2.5),
        ("clonazepam", 0.125, 2.5),
        ("lorazepam", 0.25, 2.5),
        ("triazolam", 0.125, 2.5),
        ("oxazepam", 5, 2.5),
        ("temazepam", 5, 2.5),
        ("chlordiazepoxide", 5, 2),
        ("clorazepate", 3.75, 2.5),
        ("nitrazepam", 2.5, 2.5),
        ("zolpidem", 2.5, 1.25),
        ("zopiclone", 1.875, 1.25),
        # rule version 2
        ("clobazam", 5, 2.5),
        ("flunitrazepam", 0.25, 2.5),
        ("quazepam", 5, 2.5),
        ("zaleplon", 5, 2.5),
        ("eszopiclone", 0.5, 5 / 3),
    ],
)
def test_every_default_increment_meets_the_no_abrupt_stop_bound(drug, increment, diazepam_mg):
    # increment x 10 / Ashton mg <= 2.5 mg diazepam, so four increments make a valid plan
    assert DOSE_INCREMENTS[drug] == increment
    assert increment * 10 / EQUIVALENCE_TABLES["ashton"][drug] == pytest.approx(diazepam_mg)
    plan = design(drug, 4 * increment)
    assert plan.dose_increment_mg == increment
    assert [s.daily_dose_mg for s in plan.steps] == [k * increment for k in (4, 3, 2, 1, 0)]


# --- no abrupt stop ---------------------------------------------------------------------------


def test_found_case_diazepam_40_in_one_step_is_refused():
    # 40 mg then 0 was created and approved in version 1.
    message = refused("dose_increment_mg", "diazepam", 40, dose_increment_mg=40)
    assert "2.5 mg bound" in message and "use at most 2.5 mg" in message


@pytest.mark.parametrize(
    ("drug", "dose", "increment", "allowed"),
    [
        ("diazepam", 40, 2.5, True),  # exactly 2.5 mg diazepam-equivalent
        ("diazepam", 40, 2.501, False),  # just above
        ("lorazepam", 4, 0.25, True),  # 0.25 x 10 / 1 = 2.5
        ("lorazepam", 4, 0.251, False),  # 2.51
        ("nitrazepam", 20, 2.5, True),  # 2.5 x 10 / 10 = 2.5
        ("nitrazepam", 20, 2.501, False),
        ("oxazepam", 40, 5, True),  # 5 x 10 / 20 = 2.5
        ("oxazepam", 40, 5.002, False),
    ],
)
def test_increment_bound_in_diazepam_equivalents(drug, dose, increment, allowed):
    if allowed:
        assert design(drug, dose, dose_increment_mg=increment).steps[-1].daily_dose_mg == 0
    else:
        assert "2.5 mg bound" in refused(
            "dose_increment_mg", drug, dose, dose_increment_mg=increment
        )


@pytest.mark.parametrize(
    ("dose", "increment", "allowed", "largest"),
    [
        (2, 0.5, True, None),  # exactly 25% of the start
        (1.5, 0.5, False, "0.375"),  # 33%
        (1, 0.5, False, "0.25"),  # 50%
        (1, 0.25, True, None),  # the suggested one is accepted
        (0.5, 0.5, False, "0.125"),  # one step to zero
    ],
)
def test_increment_bound_of_a_quarter_of_the_start(dose, increment, allowed, largest):
    if allowed:
        assert design("diazepam", dose, dose_increment_mg=increment).steps[-1].daily_dose_mg == 0
        return
    message = refused("dose_increment_mg", "diazepam", dose, dose_increment_mg=increment)
    assert "25% of the starting dose" in message and f"use at most {largest} mg" in message


def test_quarter_bound_is_against_the_switched_start():
    # lorazepam 0.2 mg -> 2 mg diazepam: 0.5 is 25% of it. 0.15 mg -> 1.5 mg: 33%.
    assert design("lorazepam", 0.2, switch_to_diazepam=True).steps[0].daily_dose_mg == 2
    refused("dose_increment_mg", "lorazepam", 0.15, switch_to_diazepam=True)


def test_one_increment_plan_is_an_abrupt_stop():
    # v1 allowed 1.875 mg zopiclone -> 0 in one step; §6.1: the increment must be at most
    # 25% of the start, here 0.46875 mg (0.468 at the 0.001 mg quantum).
    with pytest.raises(TaperInputError, match=r"at most 0\.468 mg") as excinfo:
        design("zopiclone", 1.875, interval_days=21)
    assert excinfo.value.field == "dose_increment_mg"


@pytest.mark.parametrize(("medication", "dose"), [("clonazepam", 0.06), ("alprazolam", 0.01)])
def test_switch_to_fewer_than_four_increments_is_an_abrupt_stop(medication, dose):
    # 1.2 -> 1.5 mg and 0.2 -> 0.5 mg diazepam: 0.5 mg is over 25% of either start.
    with pytest.raises(TaperInputError) as excinfo:
        compute_taper(medication, dose, switch_to_diazepam=True, start_date=START)
    assert excinfo.value.field == "dose_increment_mg" and "25%" in str(excinfo.value)


# --- the staged crossover ---------------------------------------------------------------------


def test_found_case_alprazolam_6mg_is_staged_and_capped():
    # Version 1: 120 mg diazepam on day 0. 6 x 10 / 0.5 = 120 > 40: start at 40. Stage 1 (day
    # 0) replaces half: 6 x 1/2 = 3 mg alprazolam, 40 x 1/2 = 20 mg diazepam. Stage 2 on day
    # 14 // 2 = 7 replaces the rest: 0 + 40. First reduction 14 days after day 14: day 28.
    plan = design("alprazolam", 6, switch_to_diazepam=True)
    assert stages(plan) == [(day(0), 3.0, 20.0), (day(7), 0.0, 40.0)]
    assert [(s.date, s.daily_dose_mg) for s in plan.steps[:3]] == [
        (day(7), 40),
        (day(28), 36),
        (day(42), 32.5),
    ]
    assert [c.code for c in plan.cautions] == ["start_dose_capped"]
    assert "120 mg/day" in plan.cautions[0].message
    assert plan.crossover_days == 14 and plan.rule_version == "2"


@pytest.mark.parametrize(
    ("days", "expected_stages", "first_step", "first_reduction"),
    [
        # 0 and 1: both stages would fall on day 0, so only the last (all diazepam) is kept
        (0, [(0, 0.0, 40.0)], 0, 14),
        (1, [(0, 0.0, 40.0)], 0, 15),
        (2, [(0, 1.0, 20.0), (1, 0.0, 40.0)], 1, 16),
        (13, [(0, 1.0, 20.0), (6, 0.0, 40.0)], 6, 27),
        (14, [(0, 1.0, 20.0), (7, 0.0, 40.0)], 7, 28),
        (28, [(0, 1.0, 20.0), (14, 0.0, 40.0)], 14, 42),
    ],
)
def test_crossover_stage_days(days, expected_stages, first_step, first_reduction):
    # alprazolam 2 mg = 40 mg diazepam (not capped): half is 1 mg alprazolam + 20 mg diazepam
    plan = design("alprazolam", 2, switch_to_diazepam=True, crossover_days=days)
    assert stages(plan) == [(day(d), o, z) for d, o, z in expected_stages]
    assert (plan.steps[0].date, plan.steps[0].daily_dose_mg) == (day(first_step), 40)
    assert (plan.steps[1].date, plan.steps[1].daily_dose_mg) == (day(first_reduction), 36)
    assert plan.cautions == ()


@pytest.mark.parametrize(
    ("drug", "dose", "stage_one", "start"),
    [
        # lorazepam 0.75 -> 7.5 mg; half of 0.75 = 0.375 rounds DOWN to 0.25 (0.25 mg steps);
        # half of 7.5 = 3.75 rounds UP to 4 (0.5 mg)
        ("lorazepam", 0.75, (0.25, 4.0), 7.5),
        # temazepam 15 -> 7.5 mg; half = 7.5 rounds down to 5 (5 mg steps)
        ("temazepam", 15, (5.0, 4.0), 7.5),
        # clonazepam 1.5 -> 30 mg; halves exact
        ("clonazepam", 1.5, (0.75, 15.0), 30),
        # zopiclone 11.25 -> 7.5 mg; half = 5.625 = 3 x 1.875, exact
        ("zopiclone", 11.25, (5.625, 4.0), 7.5),
        # clorazepate 22.5 -> 15 mg; half = 11.25 = 3 x 3.75
        ("clorazepate", 22.5, (11.25, 7.5), 15),
        # eszopiclone 3 -> 10 mg; half = 1.5 = 3 x 0.5
        ("eszopiclone", 3, (1.5, 5.0), 10),
        # diazepam 7.2 -> 7.5 mg; half = 3.6 rounds down to 3.5, 3.75 up to 4
        ("diazepam", 7.2, (3.5, 4.0), 7.5),
    ],
)
def test_crossover_rounds_the_original_down_and_diazepam_up(drug, dose, stage_one, start):
    plan = design(drug, dose, switch_to_diazepam=True)
    assert stages(plan) == [(day(0), *stage_one), (day(7), 0.0, start)]
    assert plan.steps[0].daily_dose_mg == start


def test_last_stage_is_the_start_dose_even_off_the_half_milligram():
    # lorazepam 1.025 mg -> 10.25 mg in 0.25 mg diazepam steps: stage 1 5.125 -> 5.5; the last
    # stage is the start dose 10.25 (rounding it up to 10.5 would exceed steps[0]).
    plan = design("lorazepam", 1.025, switch_to_diazepam=True, dose_increment_mg=0.25)
    assert stages(plan) == [(day(0), 0.5, 5.5), (day(7), 0.0, 10.25)]
    assert plan.steps[0].daily_dose_mg == 10.25


def test_drug_without_an_increment_is_staged_to_the_microgram():
    # etizolam 1.001 mg: half = 0.5005 rounds down to 0.5 (0.001 mg)
    plan = design("etizolam", 1.001, switch_to_diazepam=True, start_dose_mg=10)
    assert stages(plan) == [(day(0), 0.5, 5.0), (day(7), 0.0, 10.0)]


@pytest.mark.parametrize("days", [-1, 29, 100, 14.0, "14", True])
def test_crossover_days_out_of_range_or_not_whole_rejected(days):
    message = refused(
        "crossover_days", "alprazolam", 2, switch_to_diazepam=True, crossover_days=days
    )
    assert "0-28" in message


def test_crossover_days_without_a_switch_rejected():
    refused("crossover_days", "alprazolam", 2, crossover_days=14)
    refused("crossover_days", "alprazolam", 2, crossover_days=0)


def test_without_a_switch_there_is_no_crossover():
    plan = design("alprazolam", 2)
    assert plan.crossover == () and plan.crossover_days is None
    assert plan.steps[0].date == START


def test_tail_first_plan_after_a_crossover_keeps_two_intervals():
    # lorazepam 0.2 -> 2 mg diazepam = 4 increments; 10% of 4 rounds to 0: the first step is a
    # tail step, 2 x 14 days after day 14 of the crossover (not after steps[0] on day 7).
    plan = design("lorazepam", 0.2, switch_to_diazepam=True)
    assert [(s.date, s.daily_dose_mg, s.tail) for s in plan.steps[:3]] == [
        (day(7), 2, False),
        (day(42), 1.5, True),
        (day(70), 1, True),
    ]


# --- the start-dose ceiling -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "dose", "start", "capped"),
    [
        ("alprazolam", 2, 40, False),  # exactly 40
        ("alprazolam", 2.025, 40, True),  # 40.5 -> 40
        ("lorazepam", 3.99, 40, False),  # 39.9 rounds up to 40, not above it
        ("lorazepam", 4.05, 40, True),  # 40.5
        ("clonazepam", 4, 40, True),  # 80
    ],
)
def test_ceiling_at_40(drug, dose, start, capped):
    plan = design(drug, dose, switch_to_diazepam=True)
    assert plan.steps[0].daily_dose_mg == start
    assert [c.code for c in plan.cautions] == (["start_dose_capped"] if capped else [])


def test_ceiling_with_an_increment_that_does_not_divide_40():
    # diazepam in 1.5 mg steps: the ceiling is 26 x 1.5 = 39 mg, the largest not above 40
    plan = design("alprazolam", 3, switch_to_diazepam=True, dose_increment_mg=1.5)
    assert plan.steps[0].daily_dose_mg == 39
    assert [c.code for c in plan.cautions] == ["start_dose_capped"]


def test_start_dose_mg_below_the_ceiling_needs_no_reason():
    plan = design("alprazolam", 6, switch_to_diazepam=True, start_dose_mg=30)
    assert plan.steps[0].daily_dose_mg == 30 and plan.cautions == ()
    assert stages(plan) == [(day(0), 3.0, 15.0), (day(7), 0.0, 30.0)]


def test_start_dose_mg_above_40_needs_a_reason():
    message = refused(
        "start_dose_reason", "alprazolam", 6, switch_to_diazepam=True, start_dose_mg=60
    )
    assert "40" in message
    refused(
        "start_dose_reason",
        "alprazolam",
        6,
        switch_to_diazepam=True,
        start_dose_mg=60,
        start_dose_reason="  ",
    )
    plan = design(
        "alprazolam", 6, switch_to_diazepam=True, start_dose_mg=60, start_dose_reason="Seizures"
    )
    assert plan.steps[0].daily_dose_mg == 60 and plan.cautions == ()


@pytest.mark.parametrize(
    ("drug", "dose", "start_dose", "allowed"),
    [
        ("alprazolam", 6, 120, True),  # the computed equivalent itself
        ("alprazolam", 6, 120.5, False),  # above it
        ("lorazepam", 0.33, 3.5, True),  # 3.3 rounded up to the increment
        ("lorazepam", 0.33, 4, False),
    ],
)
def test_start_dose_mg_at_most_the_computed_equivalent_rounded_up(drug, dose, start_dose, allowed):
    kw = {"switch_to_diazepam": True, "start_dose_mg": start_dose, "start_dose_reason": "r"}
    kw["dose_increment_mg"] = 0.5 if start_dose >= 2 else 0.25
    if allowed:
        assert design(drug, dose, **kw).steps[0].daily_dose_mg == start_dose
    else:
        assert "above the computed" in refused("start_dose_mg", drug, dose, **kw)


@pytest.mark.parametrize("start_dose", [30.3, 0, -5, 10000])
def test_start_dose_mg_whole_increments_and_in_range(start_dose):
    refused("start_dose_mg", "alprazolam", 6, switch_to_diazepam=True, start_dose_mg=start_dose)


def test_start_dose_mg_without_a_switch_rejected():
    assert "current dose" in refused("start_dose_mg", "alprazolam", 2, start_dose_mg=20)


def test_start_dose_reason_alone_rejected():
    refused("start_dose_reason", "alprazolam", 2, switch_to_diazepam=True, start_dose_reason="Why")


def test_sedative_without_an_equivalent_only_by_switch_with_start_dose_mg():
    assert "only by" in refused("switch_to_diazepam", "etizolam", 1)
    assert "no published" in refused("start_dose_mg", "etizolam", 1, switch_to_diazepam=True)
    # no computed equivalent to bound it; above 40 still needs the reason
    refused("start_dose_reason", "etizolam", 1, switch_to_diazepam=True, start_dose_mg=45)
    plan = design("etizolam", 1, switch_to_diazepam=True, start_dose_mg=10)
    assert plan.medication == "etizolam" and plan.steps[0].daily_dose_mg == 10
    assert plan.sources[0].diazepam_equivalent_mg is None


def test_compute_taper_takes_the_version_2_inputs():
    steps = compute_taper(
        "alprazolam",
        6,
        switch_to_diazepam=True,
        start_date=START,
        crossover_days=0,
        start_dose_mg=50,
        start_dose_reason="Severe withdrawal at 40 mg before",
    )
    assert (steps[0].date, steps[0].daily_dose_mg) == (START, 50)
