"""The checks an intake assessment must pass (CLINICAL.md §§1-3, rule version 2), pure: what a
submit still lacks, and the field errors that block it or any write.

- Completeness: ``substances`` (one entry at least), ``dsm5`` (primary substance, the
  supervision answer, all eleven criteria), ``dimensions`` (all six), and the C-SSRS answers
  its skip logic requires when a C-SSRS screen is recorded.
- Sedative names: a ``benzodiazepine`` or ``z_drug`` entry must name a known sedative (a table
  drug, one without an equivalent, or a brand); the message lists the accepted names.
- Doses: a current sedative needs ``daily_dose_mg`` > 0 at submit; an entry whose own
  equivalent is above 150 mg/day diazepam needs ``dose_confirmed: true`` (a unit slip, such as
  micrograms entered as mg, is the likelier cause) on every write.
- Supervision: ``medically_supervised`` is true only when **every** current substance of the
  primary substance's class is prescribed and taken as prescribed (DSM-5 diagnoses by class)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from intake.assessments.placement import DIMENSIONS
from intake.assessments.rule_set import DEFAULT_RULES, RuleSet, is_current
from intake.instruments.cssrs import missing_answers
from intake.instruments.dsm5 import DSM5_CRITERIA
from intake.instruments.sedatives import accepted_names
from intake.instruments.substances import (
    drug_key,
    entry_equivalent,
    is_dose,
    is_known_drug,
    is_sedative,
    same_drug,
    substance_class,
)

Errors = dict[str, list[str]]


def ratings(dimensions: Mapping[str, Any]) -> dict[str, Any]:
    """Ratings from ``{key: {rating, note}}`` (a bare rating is accepted too)."""
    return {
        key: value.get("rating") if isinstance(value, Mapping) else value
        for key, value in dimensions.items()
    }


def missing_sections(sections: Mapping[str, Any]) -> list[str]:
    """What a submit still lacks. A section missing whole is named alone; a partial one by
    the paths it lacks (``dsm5.criteria.craving``, ``screenings.cssrs_screen.q3``)."""
    missing = []
    substances = sections.get("substances")
    if not isinstance(substances, list) or not substances:
        missing.append("substances")
    missing += _missing_dsm5(sections.get("dsm5"))
    dimensions = sections.get("dimensions")
    if not isinstance(dimensions, Mapping) or not dimensions:
        missing.append("dimensions")
    else:
        given = ratings(dimensions)
        missing += [f"dimensions.{key}" for key in DIMENSIONS if given.get(key) is None]
    return missing + _missing_cssrs(sections.get("screenings"))


def _missing_dsm5(dsm5: Any) -> list[str]:
    if not isinstance(dsm5, Mapping) or not dsm5:
        return ["dsm5"]
    missing = []
    if not drug_key(dsm5.get("primary_substance")):
        missing.append("dsm5.primary_substance")
    if dsm5.get("medically_supervised") is None:
        missing.append("dsm5.medically_supervised")
    criteria = dsm5.get("criteria")
    if not isinstance(criteria, Mapping):
        return [*missing, "dsm5.criteria"]
    return missing + [f"dsm5.criteria.{key}" for key in DSM5_CRITERIA if criteria.get(key) is None]


def _missing_cssrs(screenings: Any) -> list[str]:
    """The C-SSRS answers its skip logic requires, when a C-SSRS screen is recorded."""
    if not isinstance(screenings, Mapping) or screenings.get("cssrs_screen") is None:
        return []
    return [f"screenings.cssrs_screen.{key}" for key in missing_answers(screenings["cssrs_screen"])]


def substance_name_errors(substances: Sequence[Any], *, rules: RuleSet = DEFAULT_RULES) -> Errors:
    """A benzodiazepine or z-drug entry whose name is not a known sedative (every write)."""
    errors: Errors = {}
    table, tables = rules.equivalence_table, rules.equivalence_tables
    for index, entry in enumerate(substances):
        if not isinstance(entry, Mapping) or not is_sedative(entry, table, tables=tables):
            continue
        if not is_known_drug(entry.get("substance"), table, tables=tables):
            known = ", ".join(accepted_names(table, tables=tables))
            errors[f"substances.{index}.substance"] = [
                f"Not a known benzodiazepine or z-drug; accepted names: {known}."
            ]
    return errors


def plausibility_errors(substances: Sequence[Any], *, rules: RuleSet = DEFAULT_RULES) -> Errors:
    """A sedative dose whose own equivalent exceeds the bound without ``dose_confirmed``."""
    errors: Errors = {}
    bound = rules.plausible_max_diazepam_mg
    for index, entry in enumerate(substances):
        if not isinstance(entry, Mapping) or entry.get("dose_confirmed") is True:
            continue
        if not is_sedative(entry, rules.equivalence_table, tables=rules.equivalence_tables):
            continue
        equivalent = entry_equivalent(
            entry, rules.equivalence_table, tables=rules.equivalence_tables
        )
        if equivalent is not None and equivalent > bound:
            errors[f"substances.{index}.daily_dose_mg"] = [
                f"{entry.get('daily_dose_mg'):g} mg/day of {entry.get('substance')} equals "
                f"{equivalent:g} mg/day diazepam, above the plausibility bound of {bound:g} mg: "
                "check the unit (micrograms?); if the dose is right, set dose_confirmed: true."
            ]
    return errors


def write_errors(substances: Sequence[Any], *, rules: RuleSet = DEFAULT_RULES) -> Errors:
    """The substance errors every write (create or PATCH) is refused for."""
    return substance_name_errors(substances, rules=rules) | plausibility_errors(
        substances, rules=rules
    )


def substance_errors(
    substances: Sequence[Any], *, assessed_on: date | None = None, rules: RuleSet = DEFAULT_RULES
) -> Errors:
    """:func:`write_errors`, plus a current sedative without a ``daily_dose_mg`` greater than
    0 (with ``assessed_on`` None every entry counts as current)."""
    errors = write_errors(substances, rules=rules)
    for index, entry in enumerate(substances):
        if not isinstance(entry, Mapping) or not is_sedative(entry):
            continue
        if assessed_on is not None and not is_current(entry, assessed_on, rules=rules):
            continue
        dose = entry.get("daily_dose_mg")
        if dose is None:
            message = "Required for a current benzodiazepine or z-drug."
        elif not is_dose(dose) or dose <= 0:
            message = "Must be a number greater than 0."
        else:
            continue
        errors[f"substances.{index}.daily_dose_mg"] = [message]
    return errors


def supervision_errors(
    sections: Mapping[str, Any], *, assessed_on: date | None = None, rules: RuleSet = DEFAULT_RULES
) -> Errors:
    """``dsm5.medically_supervised`` may be true only when the primary substance is among the
    substances and every current substance of its class is prescribed **and** taken as
    prescribed ("solely under appropriate medical supervision"); the message names each
    substance that is not."""
    dsm5 = sections.get("dsm5") or {}
    if dsm5.get("medically_supervised") is not True:
        return {}
    primary = dsm5.get("primary_substance")
    entries = [e for e in sections.get("substances") or [] if isinstance(e, Mapping)]
    matches = [e for e in entries if same_drug(e.get("substance"), primary)]
    if not matches:
        message = f"The primary substance {drug_key(primary)!r} is not among the substances."
        return {"dsm5.medically_supervised": [message]}
    classes = {substance_class(e) for e in matches}
    unsupervised = [
        f"{entry.get('substance')} (substances.{index})"
        for index, entry in enumerate(entries)
        if substance_class(entry) in classes
        and (assessed_on is None or is_current(entry, assessed_on, rules=rules))
        and not (entry.get("prescribed") is True and entry.get("taken_as_prescribed") is True)
    ]
    if not unsupervised:
        return {}
    message = (
        "Only true when every current substance of the primary substance's class is "
        f"prescribed and taken as prescribed; not so for: {', '.join(unsupervised)}."
    )
    return {"dsm5.medically_supervised": [message]}


def validate_sections(
    sections: Mapping[str, Any], *, assessed_on: date | None = None, rules: RuleSet = DEFAULT_RULES
) -> Errors:
    """Field errors (dotted path -> messages) that block a submit; empty when it may proceed.
    Raises nothing; missing sections are :func:`missing_sections`' business."""
    substances = sections.get("substances")
    substances = substances if isinstance(substances, list) else []
    errors = substance_errors(substances, assessed_on=assessed_on, rules=rules)
    return errors | supervision_errors(sections, assessed_on=assessed_on, rules=rules)
