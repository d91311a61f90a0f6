"""Benzodiazepine taper plans (CLINICAL.md §6).

The rules, in the order they are applied:

1. **Rate first.** ``reduction_percent`` must lie in 5-25 and ``interval_days`` in 7-56. At
   intervals under 14 days two reductions fall inside 14 days, so
   ``(1 - reduction_percent/100)² < 0.75`` (more than 25 % removed in 14 days, i.e. above about
   13.4 % at weekly or 10-day intervals) is rejected before any step is computed.
2. **Start.** With ``switch_to_diazepam`` the first step is the diazepam-equivalent dose
   (``dose x 10 / table_mg``) rounded *up* to the diazepam increment, and the plan continues in
   diazepam. Without a switch the starting dose must already be a whole number of increments.
3. **Reductions.** ``steps[0]`` is the starting dose on ``start_date``. Each later step removes
   ``reduction_percent`` of the *current* dose rounded *down* to whole increments (so no step
   exceeds the percentage) and comes ``interval_days`` after the one before.
4. **Tail.** Once that rounds to zero increments, each step removes one increment and comes
   exactly ``2 x interval_days`` after the step before it (the first tail step included), down
   to 0.

All arithmetic is on integer counts of increments (with exact fractions for percentages and
equivalents), so the invariants — doses never rise, end at 0, every dose a whole number of
increments, no non-tail step above the percentage, at most 25 % in any 14 days — hold exactly.
"""

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from intake.rules import DEFAULT_EQUIVALENCE_TABLE, EQUIVALENCE_TABLES

__all__ = [
    "DEFAULT_TAPER_RULES",
    "DOSE_INCREMENTS",
    "TAPER_TARGET_DRUG",
    "TaperInputError",
    "TaperRules",
    "TaperStep",
    "compute_taper",
    "shift_steps",
]

#: Smallest practical dose step (mg) by drug, CLINICAL.md §6 defaults.
DOSE_INCREMENTS: dict[str, float] = {
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
}

#: The drug a plan switches to: long half-life, small tablet steps (Ashton).
TAPER_TARGET_DRUG = "diazepam"

#: Equivalence tables give the dose equal to this many mg of diazepam.
_DIAZEPAM_REFERENCE_MG = 10

#: Doses and increments are whole multiples of this (mg), so output floats are exact enough.
_DOSE_QUANTUM = Fraction(1, 1000)


@dataclass(frozen=True)
class TaperRules:
    """The configurable §6 thresholds (defaults: 2025 Joint Clinical Practice Guideline)."""

    version: str = "taper-2025.1"
    reduction_percent: int = 10
    min_reduction_percent: int = 5
    max_reduction_percent: int = 25
    interval_days: int = 14
    min_interval_days: int = 7
    max_interval_days: int = 56
    #: At most this percentage may be removed within ``window_days``.
    max_window_reduction_percent: int = 25
    window_days: int = 14
    #: Tail steps come this many intervals apart.
    tail_interval_factor: int = 2

    @property
    def min_window_remaining(self) -> Fraction:
        """Fraction of a dose that must remain after any ``window_days`` (0.75 by default)."""
        return 1 - Fraction(self.max_window_reduction_percent, 100)


DEFAULT_TAPER_RULES = TaperRules()


class TaperInputError(ValueError):
    """Inputs that break a §6 rule (a 422); ``field`` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class TaperStep:
    """One dose change: from ``date`` the daily dose is ``daily_dose_mg`` of the plan's drug."""

    date: dt.date
    daily_dose_mg: float
    diazepam_equivalent_mg: float
    tail: bool = False


@dataclass(frozen=True)
class _Start:
    drug: str
    increment: Fraction
    count: int  #: starting dose in whole increments


def compute_taper(
    medication: str,
    current_daily_dose_mg: float | Decimal,
    *,
    switch_to_diazepam: bool,
    reduction_percent: float | Decimal | None = None,
    interval_days: int | None = None,
    start_date: dt.date,
    dose_increment_mg: float | Decimal | None = None,
    table: str = DEFAULT_EQUIVALENCE_TABLE,
    max_steps: int = 2000,
    rules: TaperRules = DEFAULT_TAPER_RULES,
) -> list[TaperStep]:
    """The steps of a taper from ``current_daily_dose_mg`` of ``medication`` down to 0.

    ``reduction_percent`` and ``interval_days`` default to the rules' defaults (10 % every 14
    days). ``dose_increment_mg`` is the increment of the drug the plan is written in (diazepam
    when switching) and defaults to DOSE_INCREMENTS. The rate is checked before anything else;
    every violation raises TaperInputError naming the field and the bound. A plan needing more
    than ``max_steps`` steps is rejected rather than truncated.
    """
    percent, interval = _check_rate(reduction_percent, interval_days, rules)
    equivalents = _table(table)
    _check_start_date(start_date)
    start = _starting_dose(
        medication, current_daily_dose_mg, switch_to_diazepam, dose_increment_mg, table
    )
    counts = _reduction_schedule(start.count, percent, interval, rules, max_steps)
    equivalent_mg = Fraction(_DIAZEPAM_REFERENCE_MG) / _exact(equivalents[start.drug], "table")
    return [
        TaperStep(
            date=start_date + dt.timedelta(days=offset),
            daily_dose_mg=_mg(count * start.increment),
            diazepam_equivalent_mg=_mg(count * start.increment * equivalent_mg),
            tail=tail,
        )
        for offset, count, tail in counts
    ]


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


# --- validation -------------------------------------------------------------------------------


def _check_rate(
    reduction_percent: float | Decimal | None, interval_days: int | None, rules: TaperRules
) -> tuple[Fraction, int]:
    """Range of each, then the 25 %-in-14-days bound; returns the exact percentage and days."""
    percent = (
        Fraction(rules.reduction_percent)
        if reduction_percent is None
        else _exact(reduction_percent, "reduction_percent")
    )
    if not rules.min_reduction_percent <= percent <= rules.max_reduction_percent:
        raise TaperInputError(
            "reduction_percent",
            f"reduction_percent must be {rules.min_reduction_percent}-"
            f"{rules.max_reduction_percent}; got {_show(percent)}.",
        )
    interval = rules.interval_days if interval_days is None else interval_days
    if isinstance(interval, bool) or not isinstance(interval, int):
        raise TaperInputError(
            "interval_days", f"interval_days must be a whole number of days; got {interval!r}."
        )
    if not rules.min_interval_days <= interval <= rules.max_interval_days:
        raise TaperInputError(
            "interval_days",
            f"interval_days must be {rules.min_interval_days}-{rules.max_interval_days}; "
            f"got {interval}.",
        )
    _check_window_bound(percent, interval, rules)
    return percent, interval


def _check_window_bound(percent: Fraction, interval: int, rules: TaperRules) -> None:
    """Two reductions inside ``window_days`` must leave at least 75 % of the dose."""
    if interval >= rules.window_days:
        return
    remaining = (1 - percent / 100) ** 2
    if remaining < rules.min_window_remaining:
        limit = 100 * (1 - math.sqrt(rules.min_window_remaining))
        raise TaperInputError(
            "reduction_percent",
            f"{_show(percent)}% every {interval} days removes more than "
            f"{rules.max_window_reduction_percent}% within {rules.window_days} days "
            f"(bound: (1 - reduction_percent/100)² ≥ {float(rules.min_window_remaining):g} when "
            f"interval_days < {rules.window_days}); use at most {math.floor(limit * 100) / 100}% "
            f"or an interval of {rules.window_days} days or more.",
        )


def _table(name: str) -> dict[str, float]:
    try:
        return EQUIVALENCE_TABLES[name]
    except (KeyError, TypeError):
        allowed = ", ".join(sorted(EQUIVALENCE_TABLES))
        raise TaperInputError(
            "table", f"Unknown equivalence table {name!r}; allowed: {allowed}."
        ) from None


def _check_start_date(start_date: dt.date) -> None:
    if isinstance(start_date, dt.datetime) or not isinstance(start_date, dt.date):
        raise TaperInputError("start_date", f"start_date must be a date; got {start_date!r}.")


def _starting_dose(
    medication: str,
    dose_mg: float | Decimal,
    switch: bool,
    increment_mg: float | Decimal | None,
    table: str,
) -> _Start:
    """The plan's drug, its increment and step 0 in whole increments (rounded up on a switch)."""
    equivalents = EQUIVALENCE_TABLES[table]
    if medication not in equivalents:
        allowed = ", ".join(sorted(equivalents))
        raise TaperInputError(
            "medication",
            f"{medication!r} is not in the {table} equivalence table; allowed: {allowed}.",
        )
    dose = _exact(dose_mg, "current_daily_dose_mg")
    if dose <= 0:
        raise TaperInputError(
            "current_daily_dose_mg", f"current_daily_dose_mg must be > 0; got {_show(dose)}."
        )
    drug = TAPER_TARGET_DRUG if switch else medication
    if drug not in equivalents:
        raise TaperInputError(
            "switch_to_diazepam", f"{drug} is not in the {table} equivalence table."
        )
    increment = _increment(drug, increment_mg)
    if not switch:
        return _Start(drug, increment, _whole_increments(dose, increment))
    in_drug = dose * _exact(equivalents[drug], "table") / _exact(equivalents[medication], "table")
    return _Start(drug, increment, math.ceil(in_drug / increment))


def _increment(drug: str, increment_mg: float | Decimal | None) -> Fraction:
    if increment_mg is None:
        if drug not in DOSE_INCREMENTS:
            raise TaperInputError(
                "dose_increment_mg",
                f"No default dose increment for {drug}; give dose_increment_mg.",
            )
        increment_mg = DOSE_INCREMENTS[drug]
    increment = _exact(increment_mg, "dose_increment_mg")
    if increment <= 0 or (increment / _DOSE_QUANTUM).denominator != 1:
        raise TaperInputError(
            "dose_increment_mg",
            f"dose_increment_mg must be > 0 and a multiple of {float(_DOSE_QUANTUM)} mg; "
            f"got {_show(increment)}.",
        )
    return increment


def _whole_increments(dose: Fraction, increment: Fraction) -> int:
    count = dose / increment
    if count.denominator != 1:
        raise TaperInputError(
            "current_daily_dose_mg",
            f"Without a switch to diazepam the starting dose must be a whole number of "
            f"{_show(increment)} mg increments; {_show(dose)} mg is not (nearest: "
            f"{_show(math.floor(count) * increment)} or {_show(math.ceil(count) * increment)} mg).",
        )
    return count.numerator


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


# --- exact numbers ----------------------------------------------------------------------------


def _exact(value: object, field: str) -> Fraction:
    """An exact fraction for a decimal-looking number (floats via their shortest repr)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | Fraction):
        raise TaperInputError(field, f"{field} must be a number; got {value!r}.")
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal) and not value.is_finite():
        raise TaperInputError(field, f"{field} must be a finite number; got {value!r}.")
    return Fraction(value)


def _mg(amount: Fraction) -> float:
    """A dose for output, rounded to 0.001 mg (exact for every increment the rules allow)."""
    return float(round(amount, 3))


def _show(amount: Fraction) -> str:
    return f"{float(amount):g}"
