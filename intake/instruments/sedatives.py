"""Benzodiazepines and z-drugs by name (CLINICAL.md §2, rule version 2): the diazepam
equivalence tables, the known sedatives without a single published equivalent, and brand
names.

A name is matched ignoring case and spaces (``"X anax"`` is Xanax). A brand is stored as its
generic with the name as entered. A known sedative without an equivalent (etizolam, midazolam,
the designer benzodiazepines) counts in every class rule but adds nothing to a total, which is
then a lower bound. Any other name is not a guess: callers answer it with a 422 that lists
:func:`accepted_names`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

#: Ashton (2007): oral mg equal to 10 mg diazepam. The last five are Ashton's single
#: published values, added in rule version 2.
_ASHTON: dict[str, float] = {
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
    "clobazam": 20.0,
    "flunitrazepam": 1.0,
    "quazepam": 20.0,
    "zaleplon": 20.0,
    "eszopiclone": 3.0,
}
#: VA/DoD SUD CPG 2021 as printed beside Ashton in the 2025 Joint Guideline's Table 7; every
#: other drug as Ashton.
_VA_DOD: dict[str, float] = {
    **_ASHTON,
    "alprazolam": 1.0,
    "clonazepam": 1.0,
    "lorazepam": 2.0,
    "oxazepam": 30.0,
    "temazepam": 15.0,
    "triazolam": 0.25,
    "quazepam": 10.0,
}
EQUIVALENCE_TABLES: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {"ashton": MappingProxyType(_ASHTON), "va_dod": MappingProxyType(_VA_DOD)}
)
DEFAULT_EQUIVALENCE_TABLE = "ashton"

#: Sedatives recognised without a single published equivalent: they count in every class
#: rule (supervision, polysubstance, respiratory depression, seizure floor) but add nothing
#: to a diazepam-equivalent total.
NO_EQUIVALENT_SEDATIVES: tuple[str, ...] = (
    *("bromazepam", "estazolam", "flurazepam", "ketazolam", "loprazolam", "lormetazepam"),
    *("midazolam", "etizolam", "phenazepam", "flualprazolam", "flubromazolam", "clonazolam"),
    *("bromazolam", "diclazepam"),
)

#: Brand name -> generic.
BRAND_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "xanax": "alprazolam",
        "valium": "diazepam",
        "ativan": "lorazepam",
        "klonopin": "clonazepam",
        "rivotril": "clonazepam",
        "restoril": "temazepam",
        "halcion": "triazolam",
        "librium": "chlordiazepoxide",
        "tranxene": "clorazepate",
        "serax": "oxazepam",
        "mogadon": "nitrazepam",
        "ambien": "zolpidem",
        "stilnoct": "zolpidem",
        "imovane": "zopiclone",
        "zimovane": "zopiclone",
        "lunesta": "eszopiclone",
        "sonata": "zaleplon",
        "frisium": "clobazam",
        "onfi": "clobazam",
        "rohypnol": "flunitrazepam",
    }
)


def name_key(name: Any) -> str:
    """A name as the tables match it: lower case, every space removed ("" for a non-string)."""
    return "".join(name.split()).lower() if isinstance(name, str) else ""


def equivalence_table(
    table: str, tables: Mapping[str, Mapping[str, float]] = EQUIVALENCE_TABLES
) -> Mapping[str, float]:
    """The named table; an unknown name raises ValueError naming the known ones."""
    try:
        return tables[table]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown equivalence table {table!r}; allowed: {', '.join(tables)}"
        ) from None


def generic_name(
    name: Any,
    table: str = DEFAULT_EQUIVALENCE_TABLE,
    *,
    tables: Mapping[str, Mapping[str, float]] = EQUIVALENCE_TABLES,
) -> str | None:
    """The generic a sedative name stands for (a table drug, a known sedative without an
    equivalent, or a brand of either), or None when the name is not a known sedative."""
    key = name_key(name)
    key = BRAND_NAMES.get(key, key)
    if key in equivalence_table(table, tables) or key in NO_EQUIVALENT_SEDATIVES:
        return key
    return None


def is_brand(name: Any) -> bool:
    """Whether ``name`` is one of the brand names (any case, spaces ignored)."""
    return name_key(name) in BRAND_NAMES


def table_mg(
    generic: str,
    table: str = DEFAULT_EQUIVALENCE_TABLE,
    *,
    tables: Mapping[str, Mapping[str, float]] = EQUIVALENCE_TABLES,
) -> float | None:
    """The oral mg equal to 10 mg diazepam in ``table``; None for a sedative without one."""
    return equivalence_table(table, tables).get(generic)


def accepted_names(
    table: str = DEFAULT_EQUIVALENCE_TABLE,
    *,
    tables: Mapping[str, Mapping[str, float]] = EQUIVALENCE_TABLES,
) -> list[str]:
    """Every name a benzodiazepine or z-drug entry may carry, generics then brands."""
    generics = [*equivalence_table(table, tables), *NO_EQUIVALENT_SEDATIVES]
    return sorted(generics) + sorted(BRAND_NAMES)
