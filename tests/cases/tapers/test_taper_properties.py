"""Properties of every taper plan (CLINICAL.md §6 invariants and the §6.1 safety bounds of rule
version 2), over drugs, doses, rates, intervals, crossovers and clinicians' start doses. Checks
use exact decimals so a float artefact cannot hide a broken invariant; every expected value is
recomputed here from the rule text, not taken from the code under test."""

import datetime as dt
import itertools
import math
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cases.tapers.bounds import DOSE_INCREMENTS, TaperInputError
from cases.tapers.facts import ClientFacts, IntakeRecord
from cases.tapers.rules import TaperRequest, compute_taper, design_taper, shift_steps

# CLINICAL.md §2 (Ashton): mg equal to 10 mg diazepam, the last five added in rule version 2.
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
    "clobazam": Decimal("20"),
    "flunitrazepam": Decimal("1"),
    "quazepam": Decimal("20"),
    "zaleplon": Decimal("20"),
    "eszopiclone": Decimal("3"),
}
DIAZEPAM_INCREMENT = Decimal("0.5")
CEILING = Decimal(40)  # §6.1: a switch starts at most here without start_dose_mg
MAX_INCREMENT_DE = Decimal("2.5")  # §6.1: no abrupt stop
QUARTER = Decimal("0.25")


def exact(x: float) -> Decimal:
    return Decimal(repr(x))


def rate_allowed(percent: Decimal, interval: int) -> bool:
    """§6: at intervals under 14 days two reductions must leave at least 75%."""
    return interval >= 14 or (1 - percent / 100) ** 2 >= Decimal("0.75")


def switched_start(equivalent: Decimal) -> Decimal:
    """§6.1: the equivalent rounded up to 0.5 mg, capped at the 40 mg ceiling."""
    return min(math.ceil(equivalent / DIAZEPAM_INCREMENT) * DIAZEPAM_INCREMENT, CEILING)


percents = st.one_of(
    st.integers(min_value=5, max_value=25).map(Decimal),
    st.decimals(min_value=5, max_value=25, places=1),
)
intervals = st.integers(min_value=7, max_value=56)
start_dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))
crossovers = st.integers(min_value=0, max_value=28)


@st.composite
def plans(draw):
    """Valid inputs: a drug in the table, a dose of whole increments, an allowed rate, a start
    of at least four increments (so the increment is at most 25 % of it)."""
    medication = draw(st.sampled_from(sorted(ASHTON)))
    switch = draw(st.booleans())
    increments = draw(st.integers(min_value=4, max_value=400))
    dose = exact(DOSE_INCREMENTS[medication]) * increments
    percent = draw(percents)
    interval = draw(intervals)
    assume(rate_allowed(percent, interval))
    equivalent = dose * 10 / ASHTON[medication]
    if switch:
        assume(switched_start(equivalent) >= 4 * DIAZEPAM_INCREMENT)
    inputs = {
        "medication": medication,
        "current_daily_dose_mg": float(dose),
        "switch_to_diazepam": switch,
        "reduction_percent": percent,
        "interval_days": interval,
        "start_date": draw(start_dates),
        "crossover_days": draw(crossovers) if switch else None,
        "dose_confirmed": equivalent > 150,  # the clinician confirms a large dose
        "max_steps": 500,
    }
    request = TaperRequest(**{k: v for k, v in inputs.items() if k != "max_steps"})
    return inputs, design_taper(request, max_steps=500)


def plan_increment(inputs) -> Decimal:
    drug = "diazepam" if inputs["switch_to_diazepam"] else inputs["medication"]
    return exact(DOSE_INCREMENTS[drug])


def first_day(inputs) -> int:
    """steps[0] is on the crossover's last stage: day ⌊crossover_days/2⌋ (0 without)."""
    return (inputs["crossover_days"] or 0) // 2


def expected_gap(inputs, index: int, tail: bool) -> int:
    """Days before step ``index``: one interval (two in the tail); the first reduction counts
    from day ``crossover_days``, not from steps[0]."""
    gap = inputs["interval_days"] * (2 if tail else 1)
    if index == 1:
        gap += (inputs["crossover_days"] or 0) - first_day(inputs)
    return gap


@settings(max_examples=300, deadline=None)
@given(plans())
def test_starts_with_the_starting_dose_on_the_last_crossover_stage(plan):
    inputs, design = plan
    first = design.steps[0]
    assert first.date == inputs["start_date"] + dt.timedelta(days=first_day(inputs))
    assert not first.tail
    dose = exact(inputs["current_daily_dose_mg"])
    if inputs["switch_to_diazepam"]:
        equivalent = dose * 10 / ASHTON[inputs["medication"]]
        assert exact(first.daily_dose_mg) == switched_start(equivalent)
        capped = [c for c in design.cautions if c.code == "start_dose_capped"]
        assert bool(capped) == (equivalent > CEILING)
    else:
        assert exact(first.daily_dose_mg) == dose
        assert design.crossover == () and design.crossover_days is None


@settings(max_examples=300, deadline=None)
@given(plans())
def test_doses_never_rise_and_end_at_zero(plan):
    _, design = plan
    doses = [exact(s.daily_dose_mg) for s in design.steps]
    assert all(later < earlier for earlier, later in itertools.pairwise(doses))
    assert doses[-1] == 0
    assert all(d > 0 for d in doses[:-1])


@settings(max_examples=300, deadline=None)
@given(plans())
def test_every_dose_is_a_whole_number_of_increments(plan):
    inputs, design = plan
    increment = plan_increment(inputs)
    for step in design.steps:
        assert exact(step.daily_dose_mg) % increment == 0


@settings(max_examples=300, deadline=None)
@given(plans())
def test_dates_strictly_increase(plan):
    _, design = plan
    assert all(a.date < b.date for a, b in itertools.pairwise(design.steps))


@settings(max_examples=300, deadline=None)
@given(plans())
def test_non_tail_steps_within_percentage_and_one_interval_apart(plan):
    inputs, design = plan
    percent = inputs["reduction_percent"]
    for index, (before, after) in enumerate(itertools.pairwise(design.steps), start=1):
        if after.tail:
            continue
        reduction = exact(before.daily_dose_mg) - exact(after.daily_dose_mg)
        assert reduction <= exact(before.daily_dose_mg) * percent / 100
        assert (after.date - before.date).days == expected_gap(inputs, index, tail=False)


@settings(max_examples=300, deadline=None)
@given(plans())
def test_tail_is_one_increment_every_two_intervals(plan):
    inputs, design = plan
    steps, increment = design.steps, plan_increment(inputs)
    tail_flags = [s.tail for s in steps]
    first_tail = tail_flags.index(True)  # every plan reaches the tail (1 increment x 25% < 1)
    assert all(tail_flags[first_tail:]) and not any(tail_flags[:first_tail])
    for i in range(first_tail, len(steps)):
        before, after = steps[i - 1], steps[i]
        assert (after.date - before.date).days == expected_gap(inputs, i, tail=True)
        assert exact(before.daily_dose_mg) - exact(after.daily_dose_mg) == increment
    # the tail starts where the percentage of the current dose is under one increment
    at_tail = exact(steps[first_tail - 1].daily_dose_mg)
    assert at_tail * inputs["reduction_percent"] / 100 < increment


@settings(max_examples=300, deadline=None)
@given(plans())
def test_no_more_than_a_quarter_within_fourteen_days(plan):
    """§6 invariant: consecutive non-tail steps less than 14 days apart keep 75 %."""
    _, design = plan
    steps = design.steps
    for i in range(1, len(steps)):
        for j in range(i, len(steps)):
            if steps[j].tail or (steps[j].date - steps[i].date).days >= 14:
                break
            assert exact(steps[j].daily_dose_mg) >= exact(steps[i - 1].daily_dose_mg) * Decimal(
                "0.75"
            )


@settings(max_examples=300, deadline=None)
@given(plans())
def test_no_increment_above_two_and_a_half_mg_diazepam_or_a_quarter_of_the_start(plan):
    """§6.1 no abrupt stop, on the plan as computed."""
    inputs, design = plan
    drug = "diazepam" if inputs["switch_to_diazepam"] else inputs["medication"]
    increment = exact(design.dose_increment_mg)
    assert increment * 10 / ASHTON[drug] <= MAX_INCREMENT_DE
    assert increment <= exact(design.steps[0].daily_dose_mg) * QUARTER


@settings(max_examples=300, deadline=None)
@given(plans())
def test_outside_the_last_three_increments_no_step_removes_more_than_a_quarter(plan):
    inputs, design = plan
    increment = plan_increment(inputs)
    for before, after in itertools.pairwise(design.steps):
        dose_before = exact(before.daily_dose_mg)
        if dose_before > 3 * increment:
            assert exact(after.daily_dose_mg) >= dose_before * (1 - QUARTER)
        else:  # the last three: one increment each, 2 x interval apart
            assert dose_before - exact(after.daily_dose_mg) == increment and after.tail


@settings(max_examples=300, deadline=None)
@given(plans())
def test_no_fourteen_day_window_removes_more_than_a_quarter_outside_the_last_three(plan):
    """Any steps i..j dated within 14 days of each other, ending before the last three
    increments, leave at least 75 % of the dose before step i (tail steps included)."""
    inputs, design = plan
    steps, increment = design.steps, plan_increment(inputs)
    for i in range(1, len(steps)):
        for j in range(i, len(steps)):
            if (steps[j].date - steps[i].date).days >= 14:
                break
            if exact(steps[j - 1].daily_dose_mg) <= 3 * increment:
                break
            before = exact(steps[i - 1].daily_dose_mg)
            assert exact(steps[j].daily_dose_mg) >= before * (1 - QUARTER)


@settings(max_examples=300, deadline=None)
@given(plans())
def test_crossover_is_non_negative_and_ends_fully_on_diazepam(plan):
    inputs, design = plan
    if not inputs["switch_to_diazepam"]:
        return
    stages, start = design.crossover, design.steps[0]
    days = inputs["crossover_days"]
    assert [(s.date - inputs["start_date"]).days for s in stages] == (
        [0] if days // 2 == 0 else [0, days // 2]
    )
    original = exact(inputs["current_daily_dose_mg"])
    for stage in stages:
        assert 0 <= exact(stage.original_mg) <= original
        assert 0 < exact(stage.diazepam_mg) <= exact(start.daily_dose_mg)
    assert all(
        a.original_mg >= b.original_mg and a.diazepam_mg <= b.diazepam_mg
        for a, b in itertools.pairwise(stages)
    )
    last = stages[-1]
    assert (last.original_mg, last.diazepam_mg, last.date) == (0, start.daily_dose_mg, start.date)
    if len(stages) == 2:  # half replaced: original x 1/2 rounded down, diazepam x 1/2 up
        step = exact(DOSE_INCREMENTS[inputs["medication"]])
        assert exact(stages[0].original_mg) == math.floor(original / 2 / step) * step
        half = exact(start.daily_dose_mg) / 2
        assert exact(stages[0].diazepam_mg) == math.ceil(half / DIAZEPAM_INCREMENT) * (
            DIAZEPAM_INCREMENT
        )


@settings(max_examples=300, deadline=None)
@given(plans())
def test_diazepam_equivalent_follows_the_table(plan):
    inputs, design = plan
    drug = "diazepam" if inputs["switch_to_diazepam"] else inputs["medication"]
    for step in design.steps:
        expected = exact(step.daily_dose_mg) * 10 / ASHTON[drug]
        assert abs(exact(step.diazepam_equivalent_mg) - expected) <= Decimal("0.0005")


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(ASHTON)),
    st.integers(min_value=4, max_value=1999),
    st.integers(min_value=1, max_value=400),
    st.booleans(),
)
def test_a_switch_never_starts_above_40_without_start_dose_mg_and_its_reason(
    medication, increments, start_increments, with_reason
):
    dose = exact(DOSE_INCREMENTS[medication]) * increments
    equivalent = dose * 10 / ASHTON[medication]
    start_dose = DIAZEPAM_INCREMENT * start_increments
    assume(start_dose <= math.ceil(equivalent / DIAZEPAM_INCREMENT) * DIAZEPAM_INCREMENT)
    assume(start_dose >= 4 * DIAZEPAM_INCREMENT)
    call = lambda **kw: compute_taper(  # noqa: E731
        medication,
        float(dose),
        switch_to_diazepam=True,
        start_date=dt.date(2026, 1, 1),
        dose_confirmed=True,
        max_steps=500,
        **kw,
    )
    assert exact(call()[0].daily_dose_mg) <= CEILING
    reason = "Withdrawal uncontrolled at 40 mg" if with_reason else None
    if start_dose > CEILING and not with_reason:
        try:
            call(start_dose_mg=float(start_dose), start_dose_reason=reason)
        except TaperInputError as error:
            assert error.field == "start_dose_reason"
        else:
            raise AssertionError("a start above 40 mg without a reason was accepted")
    else:
        steps = call(start_dose_mg=float(start_dose), start_dose_reason=reason)
        assert exact(steps[0].daily_dose_mg) == start_dose


@st.composite
def assessments(draw):
    """An intake listing two to four current sedatives with equivalents, each at whole
    increments of its own drug."""
    drugs = draw(st.lists(st.sampled_from(sorted(ASHTON)), min_size=2, max_size=4, unique=True))
    substances = [
        {
            "substance": drug,
            "category": "benzodiazepine",
            "daily_dose_mg": float(exact(DOSE_INCREMENTS[drug]) * draw(st.integers(1, 80))),
        }
        for drug in drugs
    ]
    return IntakeRecord(7, dt.date(2026, 1, 5), "ashton", tuple(substances))


@settings(max_examples=200, deadline=None)
@given(assessments(), crossovers)
def test_from_assessment_crossover_covers_each_drug_and_ends_on_diazepam(intake, days):
    total = sum(exact(e["daily_dose_mg"]) * 10 / ASHTON[e["substance"]] for e in intake.substances)
    assume(switched_start(total) >= 4 * DIAZEPAM_INCREMENT and total <= 150)
    request = TaperRequest(
        start_date=dt.date(2026, 2, 1), from_assessment=True, crossover_days=days
    )
    design = design_taper(request, ClientFacts(intake=intake), max_steps=500)
    assert exact(design.steps[0].daily_dose_mg) == switched_start(total)
    names = [e["substance"] for e in intake.substances]
    for stage in design.crossover:
        assert [name for name, _ in stage.originals] == names and stage.original_mg is None
        for entry, (_, stage_mg) in zip(intake.substances, stage.originals, strict=True):
            assert 0 <= exact(stage_mg) <= exact(entry["daily_dose_mg"])
    last = design.crossover[-1]
    assert all(stage_mg == 0 for _, stage_mg in last.originals)
    assert (last.diazepam_mg, last.date) == (design.steps[0].daily_dose_mg, design.steps[0].date)


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
    _inputs, design = plan
    steps = list(design.steps)
    from_date = steps[min(index, len(steps) - 1)].date
    shifted = shift_steps(steps, from_date, days)
    assert [s.daily_dose_mg for s in shifted] == [s.daily_dose_mg for s in steps]
    assert [s.tail for s in shifted] == [s.tail for s in steps]
    for (a, b), (c, d) in zip(itertools.pairwise(steps), itertools.pairwise(shifted), strict=True):
        assert (d.date - c.date) >= (b.date - a.date)
    for original, moved in zip(steps, shifted, strict=True):
        offset = days if original.date >= from_date else 0
        assert moved.date == original.date + dt.timedelta(days=offset)
