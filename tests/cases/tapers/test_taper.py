"""Taper plans, CLINICAL.md §6: worked examples computed by hand from the rules, and every input
rule. Expected numbers below come from the rule text, not from running the code. Rule version 2
(§6.1) is in test_taper_v2.py; the switches here pass ``crossover_days=0`` (switch at once, as
in version 1) where the version-1 arithmetic is what they test."""

import datetime as dt
from decimal import Decimal

import pytest

from cases.tapers.bounds import DEFAULT_TAPER_RULES, DOSE_INCREMENTS, TaperInputError, TaperRules
from cases.tapers.rules import TaperStep, compute_taper, shift_steps
from intake.instruments.sedatives import EQUIVALENCE_TABLES

START = dt.date(2026, 3, 2)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def doses(steps: list[TaperStep]) -> list[float]:
    return [s.daily_dose_mg for s in steps]


def plan(medication="diazepam", dose=10.0, **kwargs) -> list[TaperStep]:
    kwargs.setdefault("switch_to_diazepam", False)
    kwargs.setdefault("start_date", START)
    return compute_taper(medication, dose, **kwargs)


# --- defaults ----------------------------------------------------------------------------------


def test_dose_increments_are_the_clinical_defaults():
    assert DOSE_INCREMENTS == {
        "diazepam": 0.5,
        "alprazolam": 0.125,
        "clonazepam": 0.125,
        "lorazepam": 0.25,
        "triazolam": 0.125,
        "oxazepam": 5,
        "temazepam": 5,
        "chlordiazepoxide": 5,
        "clorazepate": 3.75,
        "nitrazepam": 2.5,
        "zolpidem": 2.5,
        "zopiclone": 1.875,
        # rule version 2
        "clobazam": 5,
        "flunitrazepam": 0.25,
        "quazepam": 5,
        "zaleplon": 5,
        "eszopiclone": 0.5,
    }


def test_taper_rules_defaults_and_bounds():
    rules = TaperRules()
    assert rules == DEFAULT_TAPER_RULES
    assert (rules.reduction_percent, rules.interval_days) == (10, 14)
    assert (rules.min_reduction_percent, rules.max_reduction_percent) == (5, 25)
    assert (rules.min_interval_days, rules.max_interval_days) == (7, 56)
    assert (rules.max_window_reduction_percent, rules.window_days) == (25, 14)
    assert rules.tail_interval_factor == 2
    assert rules.version == "2"
    # §6.1
    assert (rules.max_increment_diazepam_mg, rules.max_increment_percent_of_start) == (2.5, 25)
    assert (rules.crossover_days, rules.min_crossover_days, rules.max_crossover_days) == (14, 0, 28)
    assert rules.crossover_diazepam_rounding_mg == 0.5
    assert (rules.max_switch_start_mg, rules.plausible_max_diazepam_mg) == (40, 150)
    assert rules.max_dose_mg == 10000
    assert (rules.older_adult_age, rules.older_adult_reduction_percent) == (65, 5)
    assert rules.older_adult_interval_days == 28
    with pytest.raises(AttributeError):
        rules.reduction_percent = 20  # frozen


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


@pytest.fixture
def alprazolam_switched() -> list[TaperStep]:
    return compute_taper(
        "alprazolam",
        2,
        switch_to_diazepam=True,
        reduction_percent=10,
        interval_days=14,
        start_date=START,
        crossover_days=0,
    )


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


# --- input errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("medication", "dose", "increment"),
    # (each at least four increments, so the no-abrupt-stop bound of §6.1 holds)
    [("alprazolam", 0.6, "0.125"), ("diazepam", 7.2, "0.5"), ("oxazepam", 22, "5")],
)
def test_no_switch_start_not_a_whole_number_of_increments_rejected(medication, dose, increment):
    with pytest.raises(TaperInputError) as excinfo:
        plan(medication, dose)
    assert excinfo.value.field == "current_daily_dose_mg"
    assert increment in str(excinfo.value)


def test_weekly_fifteen_percent_rejected_naming_the_bound():
    # 0.85^2 = 0.7225 < 0.75: more than 25% in 14 days.
    with pytest.raises(TaperInputError) as excinfo:
        plan("diazepam", 20, reduction_percent=15, interval_days=7)
    message = str(excinfo.value)
    assert excinfo.value.field == "reduction_percent"
    assert "25%" in message and "14 days" in message
    assert "0.75" in message


@pytest.mark.parametrize(
    ("percent", "interval", "allowed"),
    [
        (13, 7, True),  # 0.7569
        (13, 10, True),
        (13.3, 13, True),  # 0.7517
        (13.4, 7, False),  # 0.749956
        (14, 13, False),
        (15, 7, False),
        (25, 13, False),
        (25, 14, True),  # one reduction per 14 days: at most 25%
        (25, 56, True),
        (5, 7, True),
    ],
)
def test_rate_bound(percent, interval, allowed):
    call = lambda: plan("diazepam", 20, reduction_percent=percent, interval_days=interval)  # noqa: E731
    if allowed:
        assert call()[-1].daily_dose_mg == 0
    else:
        with pytest.raises(TaperInputError, match="14 days") as excinfo:
            call()
        assert excinfo.value.field == "reduction_percent"


@pytest.mark.parametrize("percent", [4.9, 4, 0, -10, 25.1, 26, 100])
def test_reduction_percent_out_of_range_rejected(percent):
    with pytest.raises(TaperInputError) as excinfo:
        plan("diazepam", 20, reduction_percent=percent, interval_days=14)
    assert excinfo.value.field == "reduction_percent"
    assert "5-25" in str(excinfo.value)


@pytest.mark.parametrize("percent", [5, 25])
def test_reduction_percent_range_edges_allowed(percent):
    assert plan("diazepam", 20, reduction_percent=percent, interval_days=14)[-1].daily_dose_mg == 0


@pytest.mark.parametrize("interval", [6, 0, -7, 57, 365])
def test_interval_out_of_range_rejected(interval):
    with pytest.raises(TaperInputError) as excinfo:
        plan("diazepam", 20, interval_days=interval)
    assert excinfo.value.field == "interval_days"
    assert "7-56" in str(excinfo.value)


@pytest.mark.parametrize("interval", [7, 56])
def test_interval_range_edges_allowed(interval):
    steps = plan("diazepam", 20, interval_days=interval)
    assert steps[1].date == day(interval)


@pytest.mark.parametrize("interval", [14.0, 14.5, "14", True])
def test_interval_must_be_whole_days(interval):
    with pytest.raises(TaperInputError) as excinfo:
        plan("diazepam", 20, interval_days=interval)
    assert excinfo.value.field == "interval_days"


@pytest.mark.parametrize("percent", ["10", True, [10], float("nan"), float("inf")])
def test_reduction_percent_must_be_a_finite_number(percent):
    with pytest.raises(TaperInputError) as excinfo:
        plan("diazepam", 20, reduction_percent=percent)
    assert excinfo.value.field == "reduction_percent"


def test_rate_is_checked_before_anything_else():
    with pytest.raises(TaperInputError) as excinfo:
        compute_taper(
            "not-a-drug",
            -1,
            switch_to_diazepam=False,
            start_date=START,
            reduction_percent=20,
            interval_days=7,
        )
    assert excinfo.value.field == "reduction_percent"


@pytest.mark.parametrize("medication", ["gabapentin", "", "phenobarbital", "xanaxx", 5])
def test_medication_not_a_known_sedative_rejected(medication):
    with pytest.raises(TaperInputError) as excinfo:
        plan(medication, 10)
    assert excinfo.value.field == "medication"
    # the message lists the accepted names: generics, sedatives without an equivalent, brands
    assert all(name in str(excinfo.value) for name in ("diazepam", "etizolam", "xanax"))


@pytest.mark.parametrize("medication", ["Diazepam", " DIAZEPAM ", "dia zepam", "Valium"])
def test_medication_matching_ignores_case_spaces_and_brands(medication):
    assert plan(medication, 10) == plan("diazepam", 10)


@pytest.mark.parametrize("dose", [0, -0.5, float("nan"), float("inf"), True, "10", None])
def test_dose_must_be_a_positive_number(dose):
    with pytest.raises(TaperInputError) as excinfo:
        plan("diazepam", dose)
    assert excinfo.value.field == "current_daily_dose_mg"


@pytest.mark.parametrize("increment", [0, -0.5, 0.0001, float("nan"), "0.5"])
def test_bad_dose_increment_rejected(increment):
    with pytest.raises(TaperInputError) as excinfo:
        plan("diazepam", 10, dose_increment_mg=increment)
    assert excinfo.value.field == "dose_increment_mg"


def test_unknown_table_rejected():
    with pytest.raises(TaperInputError) as excinfo:
        plan("diazepam", 10, table="nope")
    assert excinfo.value.field == "table"
    assert "ashton" in str(excinfo.value)


@pytest.mark.parametrize("start", [dt.datetime(2026, 3, 2, 9, 0), "2026-03-02", None])
def test_start_date_must_be_a_date(start):
    with pytest.raises(TaperInputError) as excinfo:
        plan("diazepam", 10, start_date=start)
    assert excinfo.value.field == "start_date"


def test_plan_longer_than_max_steps_rejected():
    # 10 mg in 1 mg steps needs 11 steps (see above).
    assert len(plan("diazepam", 10, dose_increment_mg=1, max_steps=11)) == 11
    with pytest.raises(TaperInputError, match="10 steps"):
        plan("diazepam", 10, dose_increment_mg=1, max_steps=10)


def test_error_is_a_value_error():
    assert issubclass(TaperInputError, ValueError)


# --- pause / resume ----------------------------------------------------------------------------


def test_shift_moves_steps_on_and_after_from_date_only(alprazolam_switched):
    pause_from = day(28)  # the date of step 2
    shifted = shift_steps(alprazolam_switched, pause_from, 10)
    assert shifted[:2] == alprazolam_switched[:2]
    for before, after in zip(alprazolam_switched[2:], shifted[2:], strict=True):
        assert after.date == before.date + dt.timedelta(days=10)
        assert (after.daily_dose_mg, after.diazepam_equivalent_mg, after.tail) == (
            before.daily_dose_mg,
            before.diazepam_equivalent_mg,
            before.tail,
        )


def test_shift_from_between_steps_moves_the_next_step(alprazolam_switched):
    shifted = shift_steps(alprazolam_switched, day(15), 7)
    assert shifted[1].date == day(14)
    assert shifted[2].date == day(35)


def test_shift_zero_days_and_empty_and_after_the_end(alprazolam_switched):
    assert shift_steps(alprazolam_switched, START, 0) == alprazolam_switched
    assert shift_steps([], START, 5) == []
    late = alprazolam_switched[-1].date + dt.timedelta(days=1)
    assert shift_steps(alprazolam_switched, late, 30) == alprazolam_switched


def test_shift_does_not_mutate_input(alprazolam_switched):
    original = list(alprazolam_switched)
    shift_steps(alprazolam_switched, START, 14)
    assert alprazolam_switched == original


@pytest.mark.parametrize("days", [-1, 1.5, True])
def test_shift_days_must_be_a_non_negative_whole_number(days, alprazolam_switched):
    with pytest.raises(TaperInputError) as excinfo:
        shift_steps(alprazolam_switched, START, days)
    assert excinfo.value.field == "days"
