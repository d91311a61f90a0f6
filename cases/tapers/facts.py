"""What a taper plan is built from and what it must warn about (CLINICAL.md §2, §6.1): the
drug or drugs the client takes now, the case's latest submitted intake assessment, and who the
client is. Pure: the service gathers these facts from the database and passes them in.

- A medication is named by its generic or a brand (Xanax → alprazolam, the brand kept as
  ``entered_name``), case and spaces ignored; a known sedative without a published equivalent
  (etizolam, midazolam, ...) is accepted too. Any other name is a 422 listing the accepted ones.
- ``from_assessment`` takes every current sedative of the latest submitted assessment (the same
  drug listed twice is one drug at the summed dose), in that assessment's equivalence table;
  ``medication`` and ``current_daily_dose_mg`` are then left out and the switch is implied. No
  submitted assessment, or one without a current sedative or with one lacking a dose, is a
  409: the stored record cannot support the plan.
- Cautions (the approver must write an ``approval_note``): ``dose_differs_from_intake`` when the
  assessment lists the plan's drug (current entries, doses summed) at another dose;
  ``other_sedatives_at_intake`` when it lists other current sedatives (named);
  ``older_adult`` at age ≥ 65 on the start date; ``pregnancy`` with an active pregnancy flag."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from cases.tapers.bounds import (
    DEFAULT_TAPER_RULES,
    Source,
    TaperInputError,
    TaperRules,
    TaperStateError,
    check_dose,
    check_plausible,
    check_table,
    exact,
    show,
)
from intake.instruments.sedatives import accepted_names, generic_name, is_brand, table_mg
from intake.instruments.substances import drug_key, is_current, is_dose, is_sedative, same_drug


@dataclass(frozen=True)
class IntakeRecord:
    """The case's latest submitted assessment, as the taper rules read it."""

    assessment_id: int
    assessed_on: dt.date
    #: the table its results were computed with (``results.equivalence_table``).
    equivalence_table: str
    #: its ``substances`` entries as stored.
    substances: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True)
class ClientFacts:
    """Who the client is, as far as a taper plan must know."""

    date_of_birth: dt.date | None = None
    #: an active ``pregnancy`` flag.
    pregnant: bool = False
    intake: IntakeRecord | None = None


NO_FACTS = ClientFacts()


@dataclass(frozen=True)
class Caution:
    """Something the approver must weigh; ``code`` is one of API.md's caution codes."""

    code: str
    message: str = field(compare=False)


# --- the drugs --------------------------------------------------------------------------------


def single_source(
    medication: object,
    dose: object,
    table: str,
    *,
    confirmed: bool,
    rules: TaperRules = DEFAULT_TAPER_RULES,
) -> tuple[Source, str | None]:
    """The one drug a plan names, and the brand as entered (None for a generic). The dose is
    > 0 and < 10,000 mg, and above 150 mg/day diazepam-equivalent needs ``confirmed``."""
    generic = generic_name(medication, table) if isinstance(medication, str) else None
    if generic is None:
        raise TaperInputError(
            "medication",
            f"{medication!r} is not a known benzodiazepine or z-drug; accepted: "
            f"{', '.join(accepted_names(table))}.",
        )
    source = Source(
        generic, check_dose(dose, "current_daily_dose_mg", rules), _mg_of(generic, table)
    )
    what = f"{show(source.daily_dose_mg)} mg/day of {generic}"
    check_plausible(source.diazepam_equivalent_mg, confirmed, "current_daily_dose_mg", what, rules)
    entered = medication.strip() if isinstance(medication, str) and is_brand(medication) else None
    return source, entered


@dataclass(frozen=True)
class PlanDrugs:
    """What a plan replaces: its drugs, the brand as entered, the table, the assessment it
    was built from (from_assessment), and whether it switches to diazepam."""

    sources: tuple[Source, ...]
    entered_name: str | None
    table: str
    assessment_id: int | None
    switch: bool


#: ``(medication, current_daily_dose_mg, switch_to_diazepam)`` as given (None: not given).
Given = tuple[object, object, object]
_GIVEN = ("medication", "current_daily_dose_mg", "switch_to_diazepam")


def named_drug(
    given: Given, table: str, *, confirmed: bool, rules: TaperRules = DEFAULT_TAPER_RULES
) -> PlanDrugs:
    """A one-drug plan: medication, dose and switch are each required."""
    for name, value in zip(_GIVEN, given, strict=True):
        if value is None:
            raise TaperInputError(name, f"{name} is required unless from_assessment is true.")
    medication, dose, switch = given
    if not isinstance(switch, bool):
        raise TaperInputError("switch_to_diazepam", "switch_to_diazepam must be true or false.")
    table = check_table(table)
    source, entered = single_source(medication, dose, table, confirmed=confirmed, rules=rules)
    return PlanDrugs((source,), entered, table, None, switch)


def assessment_drugs(
    intake: IntakeRecord | None,
    given: Given,
    *,
    confirmed: bool,
    rules: TaperRules = DEFAULT_TAPER_RULES,
) -> PlanDrugs:
    """A from_assessment plan: no medication or dose given, always switched (422 otherwise),
    built from the assessment (409 when there is none)."""
    for name, value in zip(_GIVEN[:2], given[:2], strict=True):
        if value is not None:
            raise TaperInputError(
                name, f"A from_assessment plan takes the assessment's doses; leave {name} out."
            )
    if given[2] is False:
        raise TaperInputError(
            "switch_to_diazepam", "A from_assessment plan always switches to diazepam."
        )
    if intake is None:
        raise TaperStateError(
            "The client has no submitted assessment to build a from_assessment plan from; "
            "submit one, or name medication and current_daily_dose_mg."
        )
    table = check_table(intake.equivalence_table)
    sources = intake_sources(intake, confirmed=confirmed, rules=rules)
    return PlanDrugs(tuple(sources), None, table, intake.assessment_id, True)


def current_sedatives(intake: IntakeRecord) -> list[Mapping[str, Any]]:
    """The assessment's sedative entries in current use (no last use, or within 12 months)."""
    return [
        entry
        for entry in intake.substances
        if isinstance(entry, Mapping)
        and is_sedative(entry)
        and is_current(entry, intake.assessed_on)
    ]


def intake_sources(
    intake: IntakeRecord, *, confirmed: bool, rules: TaperRules = DEFAULT_TAPER_RULES
) -> list[Source]:
    """Every current sedative of the assessment, one per drug (doses summed), in its table.
    A total above 150 mg/day diazepam needs ``confirmed`` (422 naming ``dose_confirmed``)."""
    doses: dict[str, Fraction] = {}
    for entry in current_sedatives(intake):
        name = _generic(entry, intake.equivalence_table)
        dose = entry.get("daily_dose_mg")
        if not is_dose(dose) or dose <= 0:
            raise TaperStateError(
                f"The assessment of {intake.assessed_on.isoformat()} lists {name} without a "
                "daily dose; plan that drug on its own with medication and current_daily_dose_mg."
            )
        doses[name] = doses.get(name, Fraction(0)) + exact(dose, "daily_dose_mg")
    if not doses:
        raise TaperStateError(
            f"The latest submitted assessment ({intake.assessed_on.isoformat()}) lists no "
            "current benzodiazepine or z-drug; there is nothing to build a plan from."
        )
    sources = [Source(n, d, _mg_of(n, intake.equivalence_table)) for n, d in doses.items()]
    total = sum((s.diazepam_equivalent_mg or Fraction(0) for s in sources), Fraction(0))
    check_plausible(total, confirmed, "dose_confirmed", "The assessment's sedatives", rules)
    return sources


def _generic(entry: Mapping[str, Any], table: str) -> str:
    name = entry.get("substance")
    return generic_name(name, table) or drug_key(name)


def _mg_of(generic: str, table: str) -> Fraction | None:
    value = table_mg(generic, table)
    return None if value is None else exact(value, "table")


# --- cautions ---------------------------------------------------------------------------------


def intake_cautions(source: Source, intake: IntakeRecord | None) -> list[Caution]:
    """For a one-drug plan: the assessment lists the drug at another dose, or lists other
    current sedatives (each named once)."""
    if intake is None:
        return []
    on = intake.assessed_on.isoformat()
    entries = current_sedatives(intake)
    same = [e for e in entries if same_drug(e.get("substance"), source.medication)]
    doses = [
        exact(e["daily_dose_mg"], "daily_dose_mg") for e in same if is_dose(e.get("daily_dose_mg"))
    ]
    cautions = []
    if doses and sum(doses) != source.daily_dose_mg:
        cautions.append(
            Caution(
                "dose_differs_from_intake",
                f"The assessment of {on} lists {source.medication} at {show(sum(doses))} mg/day; "
                f"this plan starts from {show(source.daily_dose_mg)} mg/day.",
            )
        )
    others = [
        _generic(e, intake.equivalence_table)
        for e in entries
        if not same_drug(e.get("substance"), source.medication)
    ]
    others = list(dict.fromkeys(others))
    if others:
        cautions.append(
            Caution(
                "other_sedatives_at_intake",
                f"The assessment of {on} also lists current {', '.join(others)}, not in this "
                "plan: taper them with one from_assessment plan, or one plan each in sequence.",
            )
        )
    return cautions


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Age in whole years on ``day`` (a 29 February birthday counts from 1 March)."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday


def is_older_adult(
    date_of_birth: dt.date | None, day: object, rules: TaperRules = DEFAULT_TAPER_RULES
) -> bool:
    """Age ≥ 65 (``rules.older_adult_age``) on ``day``; False when either date is unknown."""
    if date_of_birth is None or isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        return False
    return age_on(date_of_birth, day) >= rules.older_adult_age


def client_cautions(
    facts: ClientFacts, start_date: dt.date, rules: TaperRules = DEFAULT_TAPER_RULES
) -> list[Caution]:
    """``older_adult`` (age ≥ 65 on the start date) and ``pregnancy`` (an active flag)."""
    cautions = []
    if facts.date_of_birth is not None and is_older_adult(facts.date_of_birth, start_date, rules):
        cautions.append(
            Caution(
                "older_adult",
                f"The client is {age_on(facts.date_of_birth, start_date)} on the start date: "
                "falls, fractures and cognitive effects; taper more slowly (defaults "
                f"{rules.older_adult_reduction_percent}% every "
                f"{rules.older_adult_interval_days} days).",
            )
        )
    if facts.pregnant:
        cautions.append(
            Caution(
                "pregnancy",
                "The client has an active pregnancy flag: withdrawal in pregnancy needs "
                "specialist care; agree the plan with the obstetric team.",
            )
        )
    return cautions
