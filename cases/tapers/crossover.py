"""The switch to diazepam (CLINICAL.md §6.1, rule version 2): where a switched plan starts,
and the staged crossover that gets the client there. Pure: no Flask, no database.

**Start dose.** The diazepam equivalent of what the client takes (summed over every drug of a
``from_assessment`` plan) rounded *up* to the diazepam increment. When that is above the ceiling
(40 mg/day) the plan starts at the ceiling (the largest whole number of increments not above
it) and says so in a ``start_dose_capped`` caution. The clinician may instead give
``start_dose_mg``: a whole number of increments, at most the computed equivalent rounded up to
the increment, and above 40 only with a ``start_dose_reason``. A drug without a published
equivalent makes the computed dose a lower bound, so ``start_dose_mg`` is then required.

**Crossover.** ``crossover_days`` (default 14, allowed 0-28) stages the switch: stage 1 on the
start date replaces half, stage 2 on day ⌊crossover_days/2⌋ replaces the rest. At a stage that
has replaced the fraction f the client takes each original drug x (1 - f), rounded *down* to
that drug's default increment (0.001 mg for a drug without one), and the diazepam start dose
x f rounded *up* to 0.5 mg (never above the start dose itself). So the last stage is all
diazepam, at the start dose: it is ``steps[0]``. When both stages fall on day 0
(``crossover_days`` 0 or 1) only the last is kept: the switch is at once, as in version 1."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from cases.tapers.bounds import (
    DEFAULT_TAPER_RULES,
    DIAZEPAM_REFERENCE_MG,
    DOSE_INCREMENTS,
    DOSE_QUANTUM,
    TAPER_TARGET_DRUG,
    Number,
    Source,
    TaperInputError,
    TaperRules,
    check_dose,
    exact,
    is_whole,
    mg,
    round_down,
    round_up,
    show,
    whole_increments,
)
from cases.tapers.facts import Caution


@dataclass(frozen=True)
class StartDose:
    """``steps[0]``: the plan's drug, its increment and the dose in whole increments.
    ``capped_from`` is the computed equivalent when the ceiling applied."""

    drug: str
    increment: Fraction
    count: int
    #: the plan drug's mg equal to 10 mg diazepam (diazepam: 10).
    table_mg: Fraction = Fraction(DIAZEPAM_REFERENCE_MG)
    capped_from: Fraction | None = None

    @property
    def dose_mg(self) -> Fraction:
        return self.count * self.increment

    @property
    def diazepam_per_mg(self) -> Fraction:
        """mg diazepam equal to 1 mg of the plan drug."""
        return DIAZEPAM_REFERENCE_MG / self.table_mg


@dataclass(frozen=True)
class CrossoverStage:
    """From ``date`` the client takes ``original_mg`` of the original drug (None when there are
    several: see ``originals``, per drug) and ``diazepam_mg`` of diazepam a day."""

    date: dt.date
    original_mg: float | None
    diazepam_mg: float
    #: ``(medication, daily_dose_mg)`` of each original drug at this stage.
    originals: tuple[tuple[str, float], ...] = ()


# --- the start dose ---------------------------------------------------------------------------


def total_equivalent(sources: Sequence[Source]) -> tuple[Fraction, list[str]]:
    """The summed diazepam equivalent, and the drugs that add nothing (no equivalent)."""
    missing = [s.medication for s in sources if s.diazepam_equivalent_mg is None]
    total = sum((s.diazepam_equivalent_mg or Fraction(0) for s in sources), Fraction(0))
    return total, missing


def switched_start(
    sources: Sequence[Source],
    increment: Fraction,
    start_dose_mg: Number | None,
    start_dose_reason: str | None,
    rules: TaperRules = DEFAULT_TAPER_RULES,
) -> StartDose:
    """The diazepam start dose of a switched plan (see the module docstring)."""
    equivalent, missing = total_equivalent(sources)
    if start_dose_mg is not None:
        most = None if missing else equivalent
        count = clinician_start(start_dose_mg, start_dose_reason, most, increment, rules)
        return StartDose(TAPER_TARGET_DRUG, increment, count)
    if missing:
        raise TaperInputError(
            "start_dose_mg",
            f"{', '.join(missing)} has no published diazepam equivalent; give start_dose_mg, "
            "the diazepam dose that controls withdrawal (titrate to the lowest).",
        )
    count = math.ceil(equivalent / increment)
    ceiling = math.floor(rules.max_switch_start_mg / increment)
    if count > ceiling:
        return StartDose(TAPER_TARGET_DRUG, increment, ceiling, capped_from=equivalent)
    return StartDose(TAPER_TARGET_DRUG, increment, count)


def clinician_start(
    start_dose_mg: Number,
    reason: str | None,
    equivalent: Fraction | None,
    increment: Fraction,
    rules: TaperRules = DEFAULT_TAPER_RULES,
) -> int:
    """The clinician's start in whole increments: at most ``equivalent`` rounded up to the
    increment (when it is known), and above the ceiling only with a reason."""
    dose = check_dose(start_dose_mg, "start_dose_mg", rules)
    count = whole_increments(dose, increment, "start_dose_mg")
    if equivalent is not None and dose > round_up(equivalent, increment):
        raise TaperInputError(
            "start_dose_mg",
            f"start_dose_mg {show(dose)} mg is above the computed diazepam equivalent "
            f"{show(equivalent)} mg/day rounded up to the increment "
            f"({show(round_up(equivalent, increment))} mg).",
        )
    if dose > rules.max_switch_start_mg and not (reason or "").strip():
        raise TaperInputError(
            "start_dose_reason",
            f"A start_dose_mg above {rules.max_switch_start_mg} mg/day diazepam needs "
            "start_dose_reason (why the higher start is needed).",
        )
    return count


def capped_caution(start: StartDose, rules: TaperRules = DEFAULT_TAPER_RULES) -> list[Caution]:
    """``start_dose_capped`` when the ceiling applied, else nothing."""
    if start.capped_from is None:
        return []
    message = (
        f"The computed diazepam equivalent is {show(start.capped_from)} mg/day; the plan "
        f"starts at {show(start.dose_mg)} mg/day, the {rules.max_switch_start_mg} mg ceiling "
        "(start_dose_mg with start_dose_reason starts higher)."
    )
    return [Caution("start_dose_capped", message)]


# --- the staged crossover ---------------------------------------------------------------------


def crossover_days_of(
    value: object, switch: bool, rules: TaperRules = DEFAULT_TAPER_RULES
) -> int | None:
    """The crossover length: the default with a switch, None without (422 when given)."""
    if not switch:
        if value is not None:
            raise TaperInputError(
                "crossover_days",
                "crossover_days stages a switch to diazepam; without switch_to_diazepam "
                "leave it out.",
            )
        return None
    days = rules.crossover_days if value is None else value
    if not is_whole(days) or not rules.min_crossover_days <= days <= rules.max_crossover_days:
        raise TaperInputError(
            "crossover_days",
            f"crossover_days must be a whole number {rules.min_crossover_days}-"
            f"{rules.max_crossover_days}; got {days!r}.",
        )
    return days


def stage_offsets(crossover_days: int) -> list[tuple[int, Fraction]]:
    """``(day, fraction replaced)`` of each stage: half on day 0, the rest on day
    ⌊crossover_days/2⌋; a single stage on day 0 when both would fall there."""
    last = crossover_days // 2
    if last == 0:
        return [(0, Fraction(1))]
    return [(0, Fraction(1, 2)), (last, Fraction(1))]


def stage_crossover(
    sources: Sequence[Source],
    start_mg: Fraction,
    start_date: dt.date,
    crossover_days: int,
    *,
    per_drug: bool = False,
    rules: TaperRules = DEFAULT_TAPER_RULES,
) -> list[CrossoverStage]:
    """The dated stages of the switch (``originals`` listed when ``per_drug``)."""
    rounding = exact(rules.crossover_diazepam_rounding_mg, "rules")
    stages = []
    for offset, replaced in stage_offsets(crossover_days):
        originals = tuple((s.medication, mg(remaining(s, replaced))) for s in sources)
        stages.append(
            CrossoverStage(
                date=start_date + dt.timedelta(days=offset),
                original_mg=originals[0][1] if len(originals) == 1 else None,
                diazepam_mg=mg(min(round_up(start_mg * replaced, rounding), start_mg)),
                originals=originals if per_drug else (),
            )
        )
    return stages


def remaining(source: Source, replaced: Fraction) -> Fraction:
    """The original drug still taken once ``replaced`` of it is switched: dose x (1 - f)
    rounded down to its default increment (0.001 mg for a drug without one)."""
    increment = DOSE_INCREMENTS.get(source.medication)
    step = DOSE_QUANTUM if increment is None else exact(increment, "increment")
    return round_down(source.daily_dose_mg * (1 - replaced), step)
