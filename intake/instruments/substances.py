"""The substance-use table of an intake: categories, classes, current use, and sedative doses
in diazepam equivalents (CLINICAL.md §§1-2, rule version 2).

``diazepam_equivalent_mg = dose_mg x 10 / table_mg``, where ``table_mg`` is the oral dose equal
to 10 mg diazepam in a named table (``intake.instruments.sedatives``). A sedative entry is a
``benzodiazepine`` or ``z_drug``, or an ``other`` entry whose name is a known sedative (etizolam
entered as "other" is still a benzodiazepine). DSM-5 diagnoses by class: every sedative is one
class, each ``other`` entry its own.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from intake.instruments.sedatives import (
    DEFAULT_EQUIVALENCE_TABLE,
    EQUIVALENCE_TABLES,
    equivalence_table,
    generic_name,
    is_brand,
    name_key,
    table_mg,
)

SUBSTANCE_CATEGORIES: tuple[str, ...] = (
    *("benzodiazepine", "z_drug", "opioid", "alcohol", "stimulant", "cannabis", "other"),
)
#: Categories whose names must be known sedatives (a 422 otherwise).
SEDATIVE_CATEGORIES: tuple[str, ...] = ("benzodiazepine", "z_drug")
#: The class every sedative entry belongs to (DSM-5: sedative, hypnotic or anxiolytic).
SEDATIVE_CLASS = "sedative"
#: An entry whose own equivalent is above this needs ``dose_confirmed`` (unit slips).
PLAUSIBLE_MAX_DIAZEPAM_MG = 150
#: Every dose lies strictly between 0 and this (mg per day).
MAX_DOSE_MG = 10000

Tables = Mapping[str, Mapping[str, float]]


class UnknownDrug(ValueError):
    """A sedative name that is neither in the equivalence table nor a known sedative or brand,
    or a known sedative that the table gives no equivalent for."""


def drug_key(drug: Any) -> str:
    """A name as the class rules key it: lower case, surrounding spaces removed."""
    return drug.strip().lower() if isinstance(drug, str) else ""


def is_known_drug(
    drug: Any, table: str = DEFAULT_EQUIVALENCE_TABLE, *, tables: Tables = EQUIVALENCE_TABLES
) -> bool:
    """Whether ``drug`` is a known sedative: in the table, without an equivalent, or a brand."""
    return generic_name(drug, table, tables=tables) is not None


def is_sedative(
    entry: Mapping[str, Any],
    table: str = DEFAULT_EQUIVALENCE_TABLE,
    *,
    tables: Tables = EQUIVALENCE_TABLES,
) -> bool:
    """A benzodiazepine or z-drug entry, or an ``other`` entry naming a known sedative."""
    category = entry.get("category")
    if category in SEDATIVE_CATEGORIES:
        return True
    return category == "other" and is_known_drug(entry.get("substance"), table, tables=tables)


def substance_class(entry: Mapping[str, Any]) -> str:
    """The DSM-5 class of an entry: ``sedative`` for every sedative, the category for opioids,
    alcohol, stimulants and cannabis, and ``other (name)`` for each other substance."""
    if is_sedative(entry):
        return SEDATIVE_CLASS
    category = entry.get("category")
    if category == "other":
        return f"other ({drug_key(entry.get('substance'))})"
    return str(category)


def diazepam_equivalent_mg(
    drug: str,
    dose_mg: float,
    table: str = DEFAULT_EQUIVALENCE_TABLE,
    *,
    tables: Tables = EQUIVALENCE_TABLES,
) -> float:
    """``dose_mg x 10 / table_mg``, the diazepam dose equal to ``dose_mg`` of ``drug`` (a
    generic or a brand). Rounded to 0.001 mg so float noise never crosses a dose step. A name
    without an equivalent in the table raises :class:`UnknownDrug`; a dose that is not a
    finite number >= 0 raises ValueError."""
    generic = generic_name(drug, table, tables=tables)
    mg = table_mg(generic, table, tables=tables) if generic else None
    if mg is None:
        known = ", ".join(equivalence_table(table, tables))
        raise UnknownDrug(f"{drug!r} has no equivalent in the {table} table; known: {known}")
    if not is_dose(dose_mg) or dose_mg < 0:
        raise ValueError(f"dose_mg must be a number of at least 0 (got {dose_mg!r})")
    return round(dose_mg * 10 / mg, 3)


def entry_equivalent(
    entry: Mapping[str, Any],
    table: str = DEFAULT_EQUIVALENCE_TABLE,
    *,
    tables: Tables = EQUIVALENCE_TABLES,
) -> float | None:
    """The diazepam equivalent of one sedative entry's ``daily_dose_mg``; None when the drug
    has no equivalent or the entry no dose."""
    generic = generic_name(entry.get("substance"), table, tables=tables)
    dose = entry.get("daily_dose_mg")
    if generic is None or table_mg(generic, table, tables=tables) is None:
        return None
    if not is_dose(dose) or dose < 0:
        return None
    return diazepam_equivalent_mg(generic, dose, table, tables=tables)


def normalise_substance(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A known sedative is stored as its generic; a brand keeps the name as ``entered_name``
    (CLINICAL.md §2). Other entries are returned unchanged."""
    normalised = dict(entry)
    if not is_sedative(entry):
        return normalised
    generic = generic_name(entry.get("substance"))
    if generic is None:
        return normalised
    entered = entry.get("substance")
    if is_brand(entered):
        normalised["entered_name"] = entered.strip()
    normalised["substance"] = generic
    return normalised


def same_drug(first: Any, second: Any) -> bool:
    """Whether two names stand for the same drug (brands resolved, case and spaces ignored)."""
    return (generic_name(first) or name_key(first)) == (generic_name(second) or name_key(second))


def is_dose(value: Any) -> bool:
    """A finite int or float that is not a bool."""
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier, clamped to that month's last day."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def is_current(substance: Mapping[str, Any], assessed_on: date, *, months: int = 12) -> bool:
    """Current use: no ``last_use`` given, or ``last_use`` on or after the same day ``months``
    months before the assessment (a later date than the assessment also counts)."""
    last_use = substance.get("last_use")
    if last_use is None:
        return True
    if isinstance(last_use, str):
        last_use = date.fromisoformat(last_use)
    return last_use >= months_before(assessed_on, months)
