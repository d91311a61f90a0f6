"""Taper plans, CLINICAL.md §6: shifting the steps on or after a date when a plan is paused and
resumed."""

import datetime as dt

import pytest

from cases.tapers.bounds import TaperInputError
from cases.tapers.rules import shift_steps
from tests.cases.tapers.taper_helpers import START, day

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
