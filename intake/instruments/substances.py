"""The substance-use table of an intake: categories, current use, and benzodiazepine doses in
diazepam equivalents (CLINICAL.md §2).

``diazepam_equivalent_mg = dose_mg x 10 / table_mg``, where ``table_mg`` is the oral dose equal
to 10 mg diazepam in a named table. Tables disagree, so each is named data and results name the
table used. A benzodiazepine or z-drug not in the table is an error, never a guess.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping
from datetime import date
from typing import Any

SUBSTANCE_CATEGORIES: tuple[str, ...] = (
    *("benzodiazepine", "z_drug", "opioid", "alcohol", "stimulant", "cannabis", "other"),
)
#: Categories counted in diazepam equivalents, whose names must be in the table.
SEDATIVE_CATEGORIES: tuple[str, ...] = ("benzodiazepine", "z_drug")

#: Ashton (2007): oral mg equal to 10 mg diazepam.
_ASHTON = {
    "alprazolam": 0.5,
    "chlordiazepoxide": 25.0,
    "clonazepam": 0.5,
    "clorazepate": 15.0,
    "diazepam": 10.0,
    "lorazepam": 1.0,
    "oxazepam": 20.0,
    "temazepam": 20.0,
    "triazolam": 0.5,
    "nitrazepam": 10.0,
    "zolpidem": 20.0,
    "zopiclone": 15.0,
}
EQUIVALENCE_TABLES: dict[str, dict[str, float]] = {
    "ashton": _ASHTON,
    "va_dod": {**_ASHTON, "alprazolam": 1.0, "clonazepam": 1.0, "lorazepam": 2.0},
}
DEFAULT_EQUIVALENCE_TABLE = "ashton"


class UnknownDrug(ValueError):
    """A benzodiazepine or z-drug name that the equivalence table does not hold."""


def drug_key(drug: Any) -> str:
    """A drug name as tables key it: lower case, surrounding spaces removed."""
    return drug.strip().lower() if isinstance(drug, str) else ""


def equivalence_table(
    table: str, tables: Mapping[str, Mapping[str, float]] = EQUIVALENCE_TABLES
) -> Mapping[str, float]:
    """The named table; an unknown name raises ValueError naming the known ones."""
    try:
        return tables[table]
    except KeyError:
        raise ValueError(
            f"unknown equivalence table {table!r}; allowed: {', '.join(tables)}"
        ) from None


def is_known_drug(
    drug: Any,
    table: str = DEFAULT_EQUIVALENCE_TABLE,
    *,
    tables: Mapping[str, Mapping[str, float]] = EQUIVALENCE_TABLES,
) -> bool:
    """Whether ``drug`` (any case, surrounding spaces ignored) is in the named table."""
    return drug_key(drug) in equivalence_table(table, tables)


def diazepam_equivalent_mg(
    drug: str,
    dose_mg: float,
    table: str = DEFAULT_EQUIVALENCE_TABLE,
    *,
    tables: Mapping[str, Mapping[str, float]] = EQUIVALENCE_TABLES,
) -> float:
    """``dose_mg x 10 / table_mg``, the diazepam dose equal to ``dose_mg`` of ``drug``.

    Rounded to 0.001 mg so float noise never crosses a dose step. A name not in the table
    raises :class:`UnknownDrug`; a dose that is not a finite number >= 0 raises ValueError.
    """
    entries = equivalence_table(table, tables)
    if drug_key(drug) not in entries:
        known = ", ".join(entries)
        raise UnknownDrug(f"{drug!r} is not in the {table} equivalence table; known: {known}")
    if not is_dose(dose_mg) or dose_mg < 0:
        raise ValueError(f"dose_mg must be a number of at least 0 (got {dose_mg!r})")
    return round(dose_mg * 10 / entries[drug_key(drug)], 3)


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
