"""Taper plans, CLINICAL.md §6: every input rule (rate bound, ranges, medication, dose,
increment, table, start date, length), each error naming its field."""

import datetime as dt

import pytest

from cases.tapers.bounds import TaperInputError
from cases.tapers.rules import compute_taper
from tests.cases.tapers.taper_helpers import START, day, plan

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
