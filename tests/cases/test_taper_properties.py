"""Properties of every taper plan (CLINICAL.md §6 invariants), over drugs, doses, rates and
intervals. Checks use exact decimals so a float artefact cannot hide a broken invariant."""

import datetime as dt
import itertools
import math
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cases.taper import DOSE_INCREMENTS, TaperInputError, compute_taper, shift_steps

# CLINICAL.md §2 (Ashton): mg equal to 10 mg diazepam.
ASHTON = {
    "alprazolam": Decimal("0.5"),
    "chlordiazepoxide": Decimal("25"),
    "clonazepam": Decimal("0.5"),
    "clorazepate": Decimal("15"),
    "diazepam": Decimal("10"),
    "lorazepam": Decimal("1"),
    "oxazepam": Decimal("20"),
    "temazepam": Decimal("20"),
    "triazolam": Decimal("0.5"),
    "nitrazepam": Decimal("10"),
    "zolpidem": Decimal("20"),
    "zopiclone": Decimal("15"),
}
DIAZEPAM_INCREMENT = Decimal("0.5")


def exact(x: float) -> Decimal:
    return Decimal(repr(x))


def rate_allowed(percent: Decimal, interval: int) -> bool:
    """§6: at intervals under 14 days two reductions must leave at least 75%."""
    return interval >= 14 or (1 - percent / 100) ** 2 >= Decimal("0.75")


percents = st.one_of(
    st.integers(min_value=5, max_value=25).map(Decimal),
    st.decimals(min_value=5, max_value=25, places=1),
)
intervals = st.integers(min_value=7, max_value=56)
start_dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))


@st.composite
def plans(draw):
    """Valid inputs: a drug in the table, a dose of whole increments, an allowed rate."""
    medication = draw(st.sampled_from(sorted(ASHTON)))
    switch = draw(st.booleans())
    increments = draw(st.integers(min_value=1, max_value=400))
    dose = exact(DOSE_INCREMENTS[medication]) * increments
    percent = draw(percents)
    interval = draw(intervals)
    assume(rate_allowed(percent, interval))
    inputs = {
        "medication": medication,
        "current_daily_dose_mg": float(dose),
        "switch_to_diazepam": switch,
        "reduction_percent": percent,
        "interval_days": interval,
        "start_date": draw(start_dates),
        "max_steps": 500,
    }
    return inputs, compute_taper(**inputs)


def plan_increment(inputs) -> Decimal:
    drug = "diazepam" if inputs["switch_to_diazepam"] else inputs["medication"]
    return exact(DOSE_INCREMENTS[drug])


@settings(max_examples=300, deadline=None)
@given(plans())
def test_starts_on_start_date_with_the_starting_dose(plan):
    inputs, steps = plan
    first = steps[0]
    assert first.date == inputs["start_date"]
    assert not first.tail
    dose = exact(inputs["current_daily_dose_mg"])
    if inputs["switch_to_diazepam"]:
        equivalent = dose * 10 / ASHTON[inputs["medication"]]
        expected = math.ceil(equivalent / DIAZEPAM_INCREMENT) * DIAZEPAM_INCREMENT
        assert exact(first.daily_dose_mg) == expected
        assert expected - DIAZEPAM_INCREMENT < equivalent <= expected
    else:
        assert exact(first.daily_dose_mg) == dose


@settings(max_examples=300, deadline=None)
@given(plans())
def test_doses_never_rise_and_end_at_zero(plan):
    _, steps = plan
    doses = [exact(s.daily_dose_mg) for s in steps]
    assert all(later < earlier for earlier, later in itertools.pairwise(doses))
    assert doses[-1] == 0
    assert all(d > 0 for d in doses[:-1])


@settings(max_examples=300, deadline=None)
@given(plans())
def test_every_dose_is_a_whole_number_of_increments(plan):
    inputs, steps = plan
    increment = plan_increment(inputs)
    for step in steps:
        assert exact(step.daily_dose_mg) % increment == 0


@settings(max_examples=300, deadline=None)
@given(plans())
def test_dates_strictly_increase(plan):
    _, steps = plan
    assert all(a.date < b.date for a, b in itertools.pairwise(steps))


@settings(max_examples=300, deadline=None)
@given(plans())
def test_non_tail_steps_within_percentage_and_one_interval_apart(plan):
    inputs, steps = plan
    percent, interval = inputs["reduction_percent"], inputs["interval_days"]
    for before, after in itertools.pairwise(steps):
        if after.tail:
            continue
        reduction = exact(before.daily_dose_mg) - exact(after.daily_dose_mg)
        assert reduction <= exact(before.daily_dose_mg) * percent / 100
        assert (after.date - before.date).days == interval


@settings(max_examples=300, deadline=None)
@given(plans())
def test_tail_is_one_increment_every_two_intervals(plan):
    inputs, steps = plan
    increment, interval = plan_increment(inputs), inputs["interval_days"]
    tail_flags = [s.tail for s in steps]
    first_tail = tail_flags.index(True)  # every plan reaches the tail (1 increment x 25% < 1)
    assert all(tail_flags[first_tail:]) and not any(tail_flags[:first_tail])
    for i in range(first_tail, len(steps)):
        before, after = steps[i - 1], steps[i]
        assert (after.date - before.date).days == 2 * interval
        assert exact(before.daily_dose_mg) - exact(after.daily_dose_mg) == increment
    # the tail starts where the percentage of the current dose is under one increment
    at_tail = exact(steps[first_tail - 1].daily_dose_mg)
    assert at_tail * inputs["reduction_percent"] / 100 < increment


@settings(max_examples=300, deadline=None)
@given(plans())
def test_no_more_than_a_quarter_within_fourteen_days(plan):
    _, steps = plan
    for i in range(1, len(steps)):
        for j in range(i, len(steps)):
            if steps[j].tail or (steps[j].date - steps[i].date).days >= 14:
                break
            # steps i..j are consecutive non-tail steps less than 14 days apart
            assert exact(steps[j].daily_dose_mg) >= exact(steps[i - 1].daily_dose_mg) * Decimal(
                "0.75"
            )


@settings(max_examples=300, deadline=None)
@given(plans())
def test_diazepam_equivalent_follows_the_table(plan):
    inputs, steps = plan
    drug = "diazepam" if inputs["switch_to_diazepam"] else inputs["medication"]
    for step in steps:
        expected = exact(step.daily_dose_mg) * 10 / ASHTON[drug]
        assert abs(exact(step.diazepam_equivalent_mg) - expected) <= Decimal("0.0005")


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(ASHTON)),
    st.integers(min_value=1, max_value=400),
    percents,
    st.integers(min_value=7, max_value=13),
)
def test_rates_over_a_quarter_in_fourteen_days_rejected(medication, increments, percent, interval):
    assume(not rate_allowed(percent, interval))
    dose = float(exact(DOSE_INCREMENTS[medication]) * increments)
    try:
        compute_taper(
            medication,
            dose,
            switch_to_diazepam=False,
            reduction_percent=percent,
            interval_days=interval,
            start_date=dt.date(2026, 1, 1),
        )
    except TaperInputError as error:
        assert error.field == "reduction_percent"
    else:
        raise AssertionError("rate above the 25%-in-14-days bound was accepted")


@settings(max_examples=200, deadline=None)
@given(plans(), st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=120))
def test_shifting_keeps_order_doses_and_only_lengthens_gaps(plan, index, days):
    _inputs, steps = plan
    from_date = steps[min(index, len(steps) - 1)].date
    shifted = shift_steps(steps, from_date, days)
    assert [s.daily_dose_mg for s in shifted] == [s.daily_dose_mg for s in steps]
    assert [s.tail for s in shifted] == [s.tail for s in steps]
    for (a, b), (c, d) in zip(itertools.pairwise(steps), itertools.pairwise(shifted), strict=True):
        assert (d.date - c.date) >= (b.date - a.date)
    for original, moved in zip(steps, shifted, strict=True):
        offset = days if original.date >= from_date else 0
        assert moved.date == original.date + dt.timedelta(days=offset)
