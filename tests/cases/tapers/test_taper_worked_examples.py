"""Taper plans, CLINICAL.md §6: worked examples computed by hand from the rules (expected numbers
come from the rule text, not from running the code). Rule version 2 (§6.1) is in
test_taper_v2.py; the switches here pass ``crossover_days=0`` (switch at once, as in version 1)
where the version-1 arithmetic is what they test."""

import datetime as dt
from decimal import Decimal

import pytest

from cases.tapers.rules import TaperStep, compute_taper
from intake.instruments.sedatives import EQUIVALENCE_TABLES
from tests.cases.tapers.taper_helpers import START, day, doses, plan

# --- the worked example: alprazolam 2 mg/day switched to diazepam -------------------------------

# 2 mg alprazolam x 10 / 0.5 = 40 mg diazepam (increment 0.5 mg). Each step removes 10% of the
# current dose rounded down to 0.5 mg: 40 -4 = 36; 3.6 -> 3.5: 32.5; 3.25 -> 3.0: 29.5;
# 2.95 -> 2.5: 27; 2.7 -> 2.5: 24.5; 2.45 -> 2.0: 22.5; 2.25 -> 2.0: 20.5; 2.05 -> 2.0: 18.5;
# 1.85 -> 1.5: 17; 1.7 -> 1.5: 15.5; 1.55 -> 1.5: 14; 1.4 -> 1.0: 13; then 1.0 each to 10,
# 1.0 -> 9; 0.9 -> 0.5: 8.5, and 0.5 each down to 4.5; at 4.5, 10% = 0.45 rounds to 0: the tail,
# 0.5 mg every 28 days to 0.
ALPRAZOLAM_REDUCTIONS = [40, 36, 32.5, 29.5, 27, 24.5, 22.5, 20.5, 18.5, 17, 15.5, 14, 13, 12, 11]
ALPRAZOLAM_REDUCTIONS += [10, 9, 8.5, 8, 7.5, 7, 6.5, 6, 5.5, 5, 4.5]
ALPRAZOLAM_TAIL = [4, 3.5, 3, 2.5, 2, 1.5, 1, 0.5, 0]


def test_switch_starts_with_the_diazepam_equivalent_on_start_date(alprazolam_switched):
    first = alprazolam_switched[0]
    assert first == TaperStep(
        date=START, daily_dose_mg=40.0, diazepam_equivalent_mg=40.0, tail=False
    )


def test_first_reductions_by_hand(alprazolam_switched):
    assert doses(alprazolam_switched)[:4] == [40, 36, 32.5, 29.5]
    assert [s.date for s in alprazolam_switched[:4]] == [day(0), day(14), day(28), day(42)]


def test_whole_alprazolam_plan(alprazolam_switched):
    assert doses(alprazolam_switched) == ALPRAZOLAM_REDUCTIONS + ALPRAZOLAM_TAIL
    n = len(ALPRAZOLAM_REDUCTIONS)  # step 0 plus 25 reductions, every 14 days
    assert [s.tail for s in alprazolam_switched] == [False] * n + [True] * len(ALPRAZOLAM_TAIL)
    expected_dates = [day(14 * i) for i in range(n)]
    expected_dates += [day(14 * (n - 1) + 28 * k) for k in range(1, len(ALPRAZOLAM_TAIL) + 1)]
    assert [s.date for s in alprazolam_switched] == expected_dates


def test_alprazolam_plan_ends_at_zero_with_tail_every_28_days(alprazolam_switched):
    assert alprazolam_switched[-1].daily_dose_mg == 0
    tail = [i for i, s in enumerate(alprazolam_switched) if s.tail]
    for i in tail:
        gap = alprazolam_switched[i].date - alprazolam_switched[i - 1].date
        assert gap == dt.timedelta(days=28)


def test_diazepam_equivalent_equals_dose_in_diazepam(alprazolam_switched):
    assert all(s.diazepam_equivalent_mg == s.daily_dose_mg for s in alprazolam_switched)


def test_defaults_are_ten_percent_every_fourteen_days(alprazolam_switched):
    assert compute_taper(
        "alprazolam", 2, switch_to_diazepam=True, start_date=START, crossover_days=0
    ) == (alprazolam_switched)


# --- other hand-worked plans -------------------------------------------------------------------


def test_alprazolam_without_switch_stays_in_alprazolam():
    # 2 mg = 16 x 0.125 mg. 10% of 16..10 increments rounds down to 1 increment: 16 -> 9;
    # at 9 increments (1.125 mg), 0.9 rounds to 0: tail, one increment every 28 days.
    steps = plan("alprazolam", 2)
    expected = [2, 1.875, 1.75, 1.625, 1.5, 1.375, 1.25, 1.125]
    expected += [1, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125, 0]
    assert doses(steps) == expected
    assert [s.tail for s in steps] == [False] * 8 + [True] * 9
    # alprazolam 0.5 mg = 10 mg diazepam, so the equivalent is dose x 20.
    assert [s.diazepam_equivalent_mg for s in steps] == [d * 20 for d in expected]
    assert [s.date for s in steps] == [day(14 * i) for i in range(8)] + [
        day(98 + 28 * k) for k in range(1, 10)
    ]


def test_lorazepam_quarter_reductions_every_two_weeks():
    # 3 mg = 12 x 0.25. 25%: 12 -> 3 off -> 9; 2.25 -> 2: 7; 1.75 -> 1: 6; 1.5 -> 1: 5;
    # 1.25 -> 1: 4; 1.0 -> 1: 3; 0.75 -> 0: tail 2, 1, 0.
    steps = plan("lorazepam", 3, reduction_percent=25, interval_days=14)
    assert doses(steps) == [3, 2.25, 1.75, 1.5, 1.25, 1, 0.75, 0.5, 0.25, 0]
    assert [s.tail for s in steps] == [False] * 7 + [True] * 3
    assert [s.diazepam_equivalent_mg for s in steps] == [d * 10 for d in doses(steps)]


def test_weekly_thirteen_percent_allowed_and_two_weeks_never_over_a_quarter():
    # 0.87^2 = 0.7569 >= 0.75. Diazepam 20 mg = 40 increments: 13% of 40 = 5.2 -> 5: 35;
    # 4.55 -> 4: 31; 4.03 -> 4: 27.
    steps = plan("diazepam", 20, reduction_percent=13, interval_days=7)
    assert doses(steps)[:4] == [20, 17.5, 15.5, 13.5]
    assert [s.date for s in steps[:4]] == [day(0), day(7), day(14), day(21)]
    assert steps[2].daily_dose_mg >= 0.75 * steps[0].daily_dose_mg


def test_tail_from_the_start_when_first_reduction_rounds_to_zero():
    # 2 mg diazepam = 4 increments (the fewest §6.1 allows: 0.5 is 25% of 2); 10% of 4 = 0.4
    # -> 0: already the tail, 28 days apart, the first tail step included.
    steps = plan("diazepam", 2)
    assert doses(steps) == [2, 1.5, 1, 0.5, 0]
    assert [s.tail for s in steps] == [False, True, True, True, True]
    assert [s.date for s in steps] == [day(0), day(28), day(56), day(84), day(112)]


def test_smallest_dose_four_increments():
    # zopiclone 7.5 mg = 4 x 1.875 mg: all tail, one increment every 2 x 21 days.
    steps = plan("zopiclone", 7.5, interval_days=21)
    assert doses(steps) == [7.5, 5.625, 3.75, 1.875, 0]
    assert [s.date for s in steps] == [day(0), day(42), day(84), day(126), day(168)]
    assert steps[0].diazepam_equivalent_mg == 5  # 7.5 x 10 / 15


@pytest.mark.parametrize(
    ("medication", "dose", "diazepam_mg"),
    [
        ("lorazepam", 2.5, 25),  # exact: 2.5 x 10 / 1
        ("clonazepam", 0.3, 6),  # exact
        ("chlordiazepoxide", 30, 12),
        ("oxazepam", 15, 7.5),
        ("temazepam", 25, 12.5),
        ("clorazepate", 7.5, 5),
        ("zolpidem", 10, 5),
        ("triazolam", 0.25, 5),
        ("nitrazepam", 5, 5),
        ("diazepam", 7, 7),
        ("lorazepam", 0.33, 3.5),  # 3.3 rounds UP to 3.5
        ("clonazepam", 0.1, 2),  # exact: 4 increments, the fewest allowed
        ("zopiclone", 7, 5),  # 4.67 rounds up to 5
        ("alprazolam", 0.09, 2),  # 1.8 rounds up to 2
        ("diazepam", 7.2, 7.5),  # a switch from diazepam still rounds up to the increment
        ("clobazam", 15, 7.5),  # rule version 2 drugs
        ("flunitrazepam", 0.5, 5),
        ("quazepam", 15, 7.5),
        ("zaleplon", 10, 5),
        ("eszopiclone", 2, 7),  # 6.67 rounds up to 7
    ],
)
def test_switch_rounds_diazepam_equivalent_up_to_half_milligram(medication, dose, diazepam_mg):
    steps = compute_taper(
        medication, dose, switch_to_diazepam=True, start_date=START, crossover_days=0
    )
    assert steps[0].daily_dose_mg == diazepam_mg
    assert steps[0].diazepam_equivalent_mg == diazepam_mg
    assert steps[0].date == START
    # with the default 14-day crossover the same dose is reached on day 7
    staged = compute_taper(medication, dose, switch_to_diazepam=True, start_date=START)
    assert (staged[0].date, staged[0].daily_dose_mg) == (day(7), diazepam_mg)


def test_switch_with_custom_diazepam_increment():
    # lorazepam 2.5 mg = 25 mg diazepam, rounded up to 2 mg tablets: 26.
    steps = compute_taper(
        "lorazepam",
        2.5,
        switch_to_diazepam=True,
        start_date=START,
        dose_increment_mg=2,
        crossover_days=0,
    )
    assert steps[0].daily_dose_mg == 26
    assert all(d % 2 == 0 for d in doses(steps))


def test_custom_increment_without_switch():
    # diazepam 10 mg in 1 mg steps: 10 -> 1 off -> 9; 0.9 -> 0: tail.
    steps = plan("diazepam", 10, dose_increment_mg=1)
    assert doses(steps) == [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    assert [s.tail for s in steps] == [False, False] + [True] * 9


def test_decimal_inputs_accepted():
    as_float = plan("diazepam", 22.5, reduction_percent=12.5, interval_days=21)
    as_decimal = plan(
        "diazepam", Decimal("22.5"), reduction_percent=Decimal("12.5"), interval_days=21
    )
    assert as_float == as_decimal


def test_explicit_ashton_table():
    assert plan("alprazolam", 1, table="ashton")[0].diazepam_equivalent_mg == 20


def test_other_named_table_changes_the_equivalent():
    if "va_dod" not in EQUIVALENCE_TABLES:
        pytest.skip("no VA/DoD table configured")
    # CLINICAL.md §2: VA/DoD alprazolam 1 mg = 10 mg diazepam, so 2 mg -> 20 mg (Ashton: 40).
    steps = compute_taper(
        "alprazolam", 2, switch_to_diazepam=True, start_date=START, table="va_dod"
    )
    assert steps[0].date == day(7)  # the default 14-day crossover
    assert steps[0].daily_dose_mg == 20
