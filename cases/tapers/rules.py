"""Benzodiazepine taper plans (CLINICAL.md §6 and §6.1, rule version 2).

The rules, in the order they are applied:

1. **Rate first.** ``reduction_percent`` must lie in 5-25 and ``interval_days`` in 7-56
   (defaults 10 % every 14 days; 5 % every 28 days for a client aged 65 or more on the start
   date). At intervals under 14 days ``(1 - reduction_percent/100)² < 0.75`` (more than 25 %
   removed in 14 days) is rejected before any step is computed.
2. **What the client takes.** One named drug (generic or brand; a known sedative without an
   equivalent only with a switch and ``start_dose_mg``), or with ``from_assessment`` every
   current sedative of the latest submitted assessment (a switch is then implied). A dose is
   > 0 and < 10,000 mg; above 150 mg/day diazepam-equivalent it needs ``dose_confirmed``.
3. **Start.** Without a switch the plan starts at the current dose, a whole number of
   increments. With ``switch_to_diazepam`` it starts at the diazepam equivalent rounded *up* to
   the increment, capped at 40 mg/day unless the clinician gives ``start_dose_mg``
   (``cases.tapers.crossover``), reached through a staged crossover; ``steps[0]`` is dated on the
   crossover's last stage.
4. **No abrupt stop.** The increment is at most 2.5 mg diazepam-equivalent and at most 25 % of
   the starting dose.
5. **Reductions.** Each later step removes ``reduction_percent`` of the *current* dose rounded
   *down* to whole increments and comes ``interval_days`` after the one before; the first comes
   ``interval_days`` after day ``crossover_days`` (day 0 without a switch).
6. **Tail.** Once that rounds to zero increments, each step removes one increment and comes
   exactly ``2 x interval_days`` after the step before it (the first tail step included).

All arithmetic is on integer counts of increments (exact fractions for percentages and
equivalents), so the invariants (doses never rise, end at 0, whole increments, no non-tail step
above the percentage, at most 25 % in any 14 days outside the last three increments) hold
exactly. Cautions for the approver come from ``cases.tapers.facts``."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from cases.tapers.bounds import (
    DEFAULT_TAPER_RULES,
    TAPER_TARGET_DRUG,
    Number,
    Source,
    TaperInputError,
    TaperRules,
    check_no_abrupt_stop,
    check_rate,
    check_start_date,
    increment_of,
    mg,
    whole_increments,
)
from cases.tapers.crossover import (
    CrossoverStage,
    StartDose,
    capped_caution,
    crossover_days_of,
    stage_crossover,
    switched_start,
)
from cases.tapers.facts import (
    NO_FACTS,
    Caution,
    ClientFacts,
    PlanDrugs,
    assessment_drugs,
    client_cautions,
    intake_cautions,
    is_older_adult,
    named_drug,
)
from intake.instruments.sedatives import DEFAULT_EQUIVALENCE_TABLE


@dataclass(frozen=True)
class TaperStep:
    """One dose change: from ``date`` the daily dose is ``daily_dose_mg`` of the plan's drug."""

    date: dt.date
    daily_dose_mg: float
    diazepam_equivalent_mg: float
    tail: bool = False


@dataclass(frozen=True)
class TaperRequest:
    """What the clinician asked for (API.md "Taper plans"); None means "not given"."""

    start_date: dt.date
    medication: str | None = None
    current_daily_dose_mg: Number | None = None
    switch_to_diazepam: bool | None = None
    reduction_percent: Number | None = None
    interval_days: int | None = None
    dose_increment_mg: Number | None = None
    crossover_days: int | None = None
    start_dose_mg: Number | None = None
    start_dose_reason: str | None = None
    dose_confirmed: bool = False
    from_assessment: bool = False
    #: the table a one-drug plan converts with (a from_assessment plan uses the assessment's).
    table: str = DEFAULT_EQUIVALENCE_TABLE


@dataclass(frozen=True)
class TaperDesign:
    """A computed plan, everything the service stores (CLINICAL.md §6, §6.1)."""

    #: the generic taken now; for a from_assessment plan every drug, joined with " + ".
    medication: str
    entered_name: str | None
    #: the dose of ``medication``; for a from_assessment plan the total diazepam equivalent.
    current_daily_dose_mg: float
    switch_to_diazepam: bool
    reduction_percent: float
    interval_days: int
    dose_increment_mg: float
    crossover_days: int | None
    crossover: tuple[CrossoverStage, ...]
    steps: tuple[TaperStep, ...]
    cautions: tuple[Caution, ...]
    equivalence_table: str
    #: what the client takes now, one entry per drug.
    sources: tuple[Source, ...]
    from_assessment_id: int | None
    rule_version: str


def design_taper(
    request: TaperRequest,
    facts: ClientFacts = NO_FACTS,
    *,
    rules: TaperRules = DEFAULT_TAPER_RULES,
    max_steps: int = 2000,
) -> TaperDesign:
    """The whole plan for ``request`` and the client ``facts`` (module docstring for the
    order of the rules). Raises TaperInputError naming the input that breaks a rule, and
    TaperStateError when the stored assessment cannot support a from_assessment plan. A plan
    needing more than ``max_steps`` steps is rejected rather than truncated."""
    older = is_older_adult(facts.date_of_birth, request.start_date, rules)
    percent, interval = check_rate(
        request.reduction_percent, request.interval_days, rules, older_adult=older
    )
    start_date = check_start_date(request.start_date)
    drugs = _drugs(request, facts, rules)
    crossover_days = crossover_days_of(request.crossover_days, drugs.switch, rules)
    start = _start(request, drugs, rules)
    counts = _reduction_schedule(start.count, percent, interval, rules, max_steps)
    crossover: list[CrossoverStage] = []
    if crossover_days is not None:
        crossover = stage_crossover(
            drugs.sources,
            start.dose_mg,
            start_date,
            crossover_days,
            per_drug=drugs.assessment_id is not None,
            rules=rules,
        )
    steps = _dated_steps(counts, start, start_date, crossover_days, crossover)
    cautions = _cautions(start, drugs, facts, start_date, rules)
    return _design(
        drugs, percent, interval, start, crossover_days, crossover, steps, cautions, rules
    )


def compute_taper(
    medication: str,
    current_daily_dose_mg: Number,
    *,
    switch_to_diazepam: bool,
    start_date: dt.date,
    reduction_percent: Number | None = None,
    interval_days: int | None = None,
    dose_increment_mg: Number | None = None,
    crossover_days: int | None = None,
    start_dose_mg: Number | None = None,
    start_dose_reason: str | None = None,
    dose_confirmed: bool = False,
    table: str = DEFAULT_EQUIVALENCE_TABLE,
    max_steps: int = 2000,
    rules: TaperRules = DEFAULT_TAPER_RULES,
) -> list[TaperStep]:
    """The steps of a one-drug taper with no client facts (see :func:`design_taper`)."""
    request = TaperRequest(
        start_date=start_date,
        medication=medication,
        current_daily_dose_mg=current_daily_dose_mg,
        switch_to_diazepam=switch_to_diazepam,
        reduction_percent=reduction_percent,
        interval_days=interval_days,
        dose_increment_mg=dose_increment_mg,
        crossover_days=crossover_days,
        start_dose_mg=start_dose_mg,
        start_dose_reason=start_dose_reason,
        dose_confirmed=dose_confirmed,
        table=table,
    )
    return list(design_taper(request, rules=rules, max_steps=max_steps).steps)


def shift_steps(steps: Iterable[TaperStep], from_date: dt.date, days: int) -> list[TaperStep]:
    """Move every step dated on or after ``from_date`` by ``days`` (a pause, on resume).

    Steps before ``from_date`` keep their dates, so spacing only ever grows: the rate and tail
    rules still hold. ``days`` must be a non-negative whole number.
    """
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise TaperInputError("days", f"days must be a whole number ≥ 0; got {days!r}.")
    delta = dt.timedelta(days=days)
    return [
        replace(step, date=step.date + delta) if step.date >= from_date else step for step in steps
    ]


# --- what the client takes and where the plan starts ------------------------------------------


def _drugs(request: TaperRequest, facts: ClientFacts, rules: TaperRules) -> PlanDrugs:
    """The one drug the plan replaces, or every current sedative of the assessment."""
    given = (request.medication, request.current_daily_dose_mg, request.switch_to_diazepam)
    if request.from_assessment:
        return assessment_drugs(facts.intake, given, confirmed=request.dose_confirmed, rules=rules)
    return named_drug(given, request.table, confirmed=request.dose_confirmed, rules=rules)


def _start(request: TaperRequest, drugs: PlanDrugs, rules: TaperRules) -> StartDose:
    """``steps[0]``: the current dose without a switch; else the diazepam start dose. The
    increment is checked against it (no abrupt stop) before anything depends on it."""
    if request.start_dose_mg is None and (request.start_dose_reason or "").strip():
        raise TaperInputError(
            "start_dose_reason",
            "start_dose_reason explains a start_dose_mg; leave it out without one.",
        )
    if drugs.switch:
        increment = increment_of(TAPER_TARGET_DRUG, request.dose_increment_mg)
        start = switched_start(
            drugs.sources, increment, request.start_dose_mg, request.start_dose_reason, rules
        )
        check_no_abrupt_stop(increment, start.dose_mg, start.table_mg, rules)
        return start
    source = drugs.sources[0]
    if source.table_mg is None:
        raise TaperInputError(
            "switch_to_diazepam",
            f"{source.medication} has no published diazepam equivalent: it is tapered only by "
            "switching to diazepam (switch_to_diazepam: true) with start_dose_mg.",
        )
    if request.start_dose_mg is not None:
        raise TaperInputError(
            "start_dose_mg",
            "Without a switch to diazepam the plan starts at the current dose; leave "
            "start_dose_mg out.",
        )
    increment = increment_of(source.medication, request.dose_increment_mg)
    check_no_abrupt_stop(increment, source.daily_dose_mg, source.table_mg, rules)
    count = whole_increments(source.daily_dose_mg, increment, "current_daily_dose_mg")
    return StartDose(source.medication, increment, count, table_mg=source.table_mg)


# --- the schedule -----------------------------------------------------------------------------


def _reduction_schedule(
    count: int, percent: Fraction, interval: int, rules: TaperRules, max_steps: int
) -> list[tuple[int, int, bool]]:
    """(day offset, dose in increments, tail) for each step, from ``count`` down to 0."""
    steps = [(0, count, False)]
    offset = 0
    while count > 0:
        reduction = math.floor(count * percent / 100)
        tail = reduction == 0
        if tail:
            reduction = 1
            offset += rules.tail_interval_factor * interval
        else:
            offset += interval
        count -= reduction
        steps.append((offset, count, tail))
        if len(steps) > max_steps:
            raise TaperInputError(
                "current_daily_dose_mg",
                f"The plan would need more than {max_steps} steps; use a larger "
                f"dose_increment_mg or reduction_percent.",
            )
    return steps


def _dated_steps(
    counts: Sequence[tuple[int, int, bool]],
    start: StartDose,
    start_date: dt.date,
    crossover_days: int | None,
    crossover: Sequence[CrossoverStage],
) -> list[TaperStep]:
    """Step 0 on the crossover's last stage (the start date without one); reductions counted
    from day ``crossover_days`` (0 without a switch)."""
    first = crossover[-1].date if crossover else start_date
    base = start_date + dt.timedelta(days=crossover_days or 0)
    per_mg = start.diazepam_per_mg
    return [
        TaperStep(
            date=first if index == 0 else base + dt.timedelta(days=offset),
            daily_dose_mg=mg(count * start.increment),
            diazepam_equivalent_mg=mg(count * start.increment * per_mg),
            tail=tail,
        )
        for index, (offset, count, tail) in enumerate(counts)
    ]


def _cautions(
    start: StartDose, drugs: PlanDrugs, facts: ClientFacts, start_date: dt.date, rules: TaperRules
) -> list[Caution]:
    """Ceiling, intake (one-drug plans: a from_assessment plan covers every drug), client."""
    cautions = capped_caution(start, rules)
    if drugs.assessment_id is None:
        cautions += intake_cautions(drugs.sources[0], facts.intake)
    return cautions + client_cautions(facts, start_date, rules)


def _design(
    drugs: PlanDrugs,
    percent: Fraction,
    interval: int,
    start: StartDose,
    crossover_days: int | None,
    crossover: Sequence[CrossoverStage],
    steps: Sequence[TaperStep],
    cautions: Sequence[Caution],
    rules: TaperRules,
) -> TaperDesign:
    if drugs.assessment_id is None:
        current = drugs.sources[0].daily_dose_mg
    else:
        current = sum((s.diazepam_equivalent_mg or Fraction(0) for s in drugs.sources), Fraction(0))
    return TaperDesign(
        medication=" + ".join(s.medication for s in drugs.sources),
        entered_name=drugs.entered_name,
        current_daily_dose_mg=mg(current),
        switch_to_diazepam=drugs.switch,
        reduction_percent=float(percent),
        interval_days=interval,
        dose_increment_mg=mg(start.increment),
        crossover_days=crossover_days,
        crossover=tuple(crossover),
        steps=tuple(steps),
        cautions=tuple(cautions),
        equivalence_table=drugs.table,
        sources=drugs.sources,
        from_assessment_id=drugs.assessment_id,
        rule_version=rules.version,
    )
