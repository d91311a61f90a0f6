"""The bounds a taper plan must keep (CLINICAL.md §6 and §6.1, rule version 2): the rules'
configuration, the checks on each input, and exact arithmetic. Pure: no Flask, no database.

- **Rate.** ``reduction_percent`` in 5-25 and ``interval_days`` in 7-56 (defaults 10 % every 14
  days; 5 % every 28 days for an older adult, §6.1). At intervals under 14 days two reductions
  fall inside 14 days, so ``(1 - reduction_percent/100)² < 0.75`` is rejected. The rate is
  checked before anything else.
- **Doses.** Every dose is > 0 and < 10,000 mg. A current dose whose diazepam equivalent is
  above 150 mg/day needs ``dose_confirmed`` (a unit slip: micrograms entered as mg).
- **No abrupt stop.** The increment (given or default) is at most 2.5 mg diazepam-equivalent
  and at most 25 % of the starting dose, so only the last three tail steps remove more than 25 %.

Every violation raises :class:`TaperInputError` naming the input and the bound (a 422); a plan
the stored data cannot support (no assessment to build from) raises :class:`TaperStateError`
(a 409)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from intake.instruments.sedatives import EQUIVALENCE_TABLES
from intake.instruments.substances import MAX_DOSE_MG, PLAUSIBLE_MAX_DIAZEPAM_MG

#: A number as the rules take it (JSON numbers arrive as Decimal).
Number = int | float | Decimal | Fraction

#: Smallest practical dose step (mg) by drug, CLINICAL.md §6 defaults (the last five added in
#: rule version 2). A known sedative without an equivalent has none: it is only switched.
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
    "clobazam": 5,
    "flunitrazepam": 0.25,
    "quazepam": 5,
    "zaleplon": 5,
    "eszopiclone": 0.5,
}

#: The drug a plan switches to: long half-life, small tablet steps (Ashton).
TAPER_TARGET_DRUG = "diazepam"

#: Equivalence tables give the dose equal to this many mg of diazepam.
DIAZEPAM_REFERENCE_MG = 10

#: Doses and increments are whole multiples of this (mg), so output floats are exact enough.
DOSE_QUANTUM = Fraction(1, 1000)


@dataclass(frozen=True)
class TaperRules:
    """The configurable §6 and §6.1 thresholds (defaults: 2025 Joint Clinical Practice
    Guideline on Benzodiazepine Tapering; NHS switching guidance for the 40 mg ceiling)."""

    version: str = "2"
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
    #: No abrupt stop: an increment is at most this (mg diazepam-equivalent) ...
    max_increment_diazepam_mg: float = 2.5
    #: ... and at most this percentage of the starting dose.
    max_increment_percent_of_start: int = 25
    #: A switch to diazepam is staged over this many days (allowed range below).
    crossover_days: int = 14
    min_crossover_days: int = 0
    max_crossover_days: int = 28
    #: Diazepam doses during a crossover are rounded up to this (mg).
    crossover_diazepam_rounding_mg: float = 0.5
    #: A switch starts at most here (mg diazepam/day) unless the clinician says otherwise.
    max_switch_start_mg: int = 40
    #: A current dose above this equivalent (mg diazepam/day) needs ``dose_confirmed``.
    plausible_max_diazepam_mg: int = PLAUSIBLE_MAX_DIAZEPAM_MG
    #: Every dose lies strictly between 0 and this (mg/day).
    max_dose_mg: int = MAX_DOSE_MG
    #: Older adults (§6.1): from this age on the start date, slower defaults.
    older_adult_age: int = 65
    older_adult_reduction_percent: int = 5
    older_adult_interval_days: int = 28

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


class TaperStateError(ValueError):
    """The stored record cannot support the plan asked for (a 409): no submitted assessment,
    or one without a current sedative, for a ``from_assessment`` plan."""


@dataclass(frozen=True)
class Source:
    """One drug the client takes now: its generic name, daily dose, and the oral mg equal to
    10 mg diazepam in the plan's table (None for a known sedative without an equivalent)."""

    medication: str
    daily_dose_mg: Fraction
    table_mg: Fraction | None

    @property
    def diazepam_equivalent_mg(self) -> Fraction | None:
        """``dose x 10 / table_mg``, exact; None without a published equivalent."""
        if self.table_mg is None:
            return None
        return self.daily_dose_mg * DIAZEPAM_REFERENCE_MG / self.table_mg


# --- the rate ---------------------------------------------------------------------------------


def check_rate(
    reduction_percent: Number | None,
    interval_days: int | None,
    rules: TaperRules = DEFAULT_TAPER_RULES,
    *,
    older_adult: bool = False,
) -> tuple[Fraction, int]:
    """Range of each, then the 25 %-in-14-days bound; returns the exact percentage and days.
    An omitted value takes the default (an older adult's when ``older_adult``)."""
    default_percent, default_interval = (
        (rules.older_adult_reduction_percent, rules.older_adult_interval_days)
        if older_adult
        else (rules.reduction_percent, rules.interval_days)
    )
    percent = Fraction(default_percent)
    if reduction_percent is not None:
        percent = exact(reduction_percent, "reduction_percent")
    if not rules.min_reduction_percent <= percent <= rules.max_reduction_percent:
        raise TaperInputError(
            "reduction_percent",
            f"reduction_percent must be {rules.min_reduction_percent}-"
            f"{rules.max_reduction_percent}; got {show(percent)}.",
        )
    interval = default_interval if interval_days is None else interval_days
    if not is_whole(interval):
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
    if (1 - percent / 100) ** 2 < rules.min_window_remaining:
        limit = 100 * (1 - math.sqrt(rules.min_window_remaining))
        raise TaperInputError(
            "reduction_percent",
            f"{show(percent)}% every {interval} days removes more than "
            f"{rules.max_window_reduction_percent}% within {rules.window_days} days "
            f"(bound: (1 - reduction_percent/100)² ≥ {float(rules.min_window_remaining):g} when "
            f"interval_days < {rules.window_days}); use at most {math.floor(limit * 100) / 100}% "
            f"or an interval of {rules.window_days} days or more.",
        )


# --- single inputs ----------------------------------------------------------------------------


def check_start_date(start_date: object) -> dt.date:
    if isinstance(start_date, dt.datetime) or not isinstance(start_date, dt.date):
        raise TaperInputError("start_date", f"start_date must be a date; got {start_date!r}.")
    return start_date


def check_table(name: str) -> str:
    """The name of a known equivalence table (422 naming ``table`` otherwise)."""
    if not isinstance(name, str) or name not in EQUIVALENCE_TABLES:
        allowed = ", ".join(sorted(EQUIVALENCE_TABLES))
        raise TaperInputError("table", f"Unknown equivalence table {name!r}; allowed: {allowed}.")
    return name


def check_dose(value: object, field: str, rules: TaperRules = DEFAULT_TAPER_RULES) -> Fraction:
    """A dose in mg/day: a finite number > 0 and < ``max_dose_mg``."""
    dose = exact(value, field)
    if not 0 < dose < rules.max_dose_mg:
        raise TaperInputError(
            field, f"{field} must be > 0 and < {rules.max_dose_mg:,} mg; got {show(dose)}."
        )
    return dose


def check_plausible(
    equivalent_mg: Fraction | None,
    confirmed: bool,
    field: str,
    what: str,
    rules: TaperRules = DEFAULT_TAPER_RULES,
) -> None:
    """An equivalent above the plausibility bound needs ``dose_confirmed: true``."""
    if equivalent_mg is None or confirmed or equivalent_mg <= rules.plausible_max_diazepam_mg:
        return
    raise TaperInputError(
        field,
        f"{what} equals {show(equivalent_mg)} mg/day diazepam, above the plausible "
        f"{rules.plausible_max_diazepam_mg} mg/day: check the unit: micrograms? If the dose "
        f"is right, send dose_confirmed: true.",
    )


def increment_of(drug: str, increment_mg: Number | None) -> Fraction:
    """The plan drug's increment: the one given, else the drug's default (422 when it has none
    or the one given is not a positive multiple of 0.001 mg)."""
    if increment_mg is None:
        if drug not in DOSE_INCREMENTS:
            raise TaperInputError(
                "dose_increment_mg",
                f"No default dose increment for {drug}; give dose_increment_mg.",
            )
        increment_mg = DOSE_INCREMENTS[drug]
    increment = exact(increment_mg, "dose_increment_mg")
    if increment <= 0 or (increment / DOSE_QUANTUM).denominator != 1:
        raise TaperInputError(
            "dose_increment_mg",
            f"dose_increment_mg must be > 0 and a multiple of {float(DOSE_QUANTUM)} mg; "
            f"got {show(increment)}.",
        )
    return increment


def check_no_abrupt_stop(
    increment: Fraction,
    start_mg: Fraction,
    drug_table_mg: Fraction,
    rules: TaperRules = DEFAULT_TAPER_RULES,
) -> None:
    """§6.1: the increment is at most 2.5 mg diazepam-equivalent and at most 25 % of the
    starting dose (both bounds inclusive). The message suggests the largest allowed."""
    per_diazepam_mg = drug_table_mg / DIAZEPAM_REFERENCE_MG
    by_equivalent = exact(rules.max_increment_diazepam_mg, "rules") * per_diazepam_mg
    by_start = start_mg * rules.max_increment_percent_of_start / 100
    largest = show(math.floor(min(by_equivalent, by_start) / DOSE_QUANTUM) * DOSE_QUANTUM)
    if increment > by_equivalent:
        bound = (
            f"{show(increment / per_diazepam_mg)} mg diazepam-equivalent, above the "
            f"{rules.max_increment_diazepam_mg:g} mg bound"
        )
    elif increment > by_start:
        bound = (
            f"above {rules.max_increment_percent_of_start}% of the starting dose "
            f"{show(start_mg)} mg"
        )
    else:
        return
    raise TaperInputError(
        "dose_increment_mg",
        f"dose_increment_mg {show(increment)} mg is {bound} (no abrupt stop); use at most "
        f"{largest} mg.",
    )


def whole_increments(dose: Fraction, increment: Fraction, field: str) -> int:
    """``dose`` as a count of increments (422 naming ``field`` when it is not whole)."""
    count = dose / increment
    if count.denominator != 1:
        raise TaperInputError(
            field,
            f"{field} must be a whole number of {show(increment)} mg increments; "
            f"{show(dose)} mg is not (nearest: {show(math.floor(count) * increment)} or "
            f"{show(math.ceil(count) * increment)} mg).",
        )
    return count.numerator


# --- exact numbers ----------------------------------------------------------------------------


def exact(value: object, field: str) -> Fraction:
    """An exact fraction for a decimal-looking number (floats via their shortest repr)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | Fraction):
        raise TaperInputError(field, f"{field} must be a number; got {value!r}.")
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal) and not value.is_finite():
        raise TaperInputError(field, f"{field} must be a finite number; got {value!r}.")
    return Fraction(value)


def is_whole(value: object) -> bool:
    """An int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


def round_down(amount: Fraction, step: Fraction) -> Fraction:
    return math.floor(amount / step) * step


def round_up(amount: Fraction, step: Fraction) -> Fraction:
    return math.ceil(amount / step) * step


def mg(amount: Fraction) -> float:
    """A dose for output, rounded to 0.001 mg (exact for every increment the rules allow)."""
    return float(round(amount, 3))


def show(amount: Fraction) -> str:
    return f"{float(amount):g}"
