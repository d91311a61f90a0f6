"""The intake rule set (CLINICAL.md, rule version 2): every threshold and table the intake
rules use, as configuration with CLINICAL.md's values as defaults, and what "current use"
means. Results record the ``version`` of the set that produced them; results computed under
version 1 (labelled "2026.11-1") stay as they were."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from intake.assessments.placement import PlacementRules
from intake.flags.rules import FlagRules
from intake.instruments import (
    Cutoffs,
    audit_c,
    ciwa_b,
    dast10,
    gad7,
    mdq,
    msi_bpd,
    pc_ptsd5,
    phq9,
    sds,
)
from intake.instruments import dsm5 as _dsm5
from intake.instruments.sedatives import (
    DEFAULT_EQUIVALENCE_TABLE,
    EQUIVALENCE_TABLES,
    equivalence_table,
)
from intake.instruments.substances import PLAUSIBLE_MAX_DIAZEPAM_MG, SEDATIVE_CLASS
from intake.instruments.substances import is_current as _is_current

#: The clinical rule version every new result records.
RULE_VERSION = "2"
_SCREENING_MODULES = (phq9, gad7, pc_ptsd5, mdq, msi_bpd, audit_c, dast10, sds, ciwa_b)


@dataclass(frozen=True)
class RuleSet:
    """Every threshold and table the intake rules use, with CLINICAL.md's defaults.

    A centre that changes any value should also change ``version``, which results record.
    """

    version: str = RULE_VERSION
    equivalence_tables: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: EQUIVALENCE_TABLES
    )
    equivalence_table: str = DEFAULT_EQUIVALENCE_TABLE
    sud_cutoffs: Cutoffs = _dsm5.DEFAULT_CUTOFFS
    #: "Current" use: no last use recorded, or last use within this many months.
    current_use_months: int = 12
    screening_cutoffs: Mapping[str, Any] = field(
        default_factory=lambda: MappingProxyType(
            {module.NAME: module.DEFAULT_CUTOFFS for module in _SCREENING_MODULES}
        )
    )
    #: Classes whose withdrawal causes seizures: with a complicated history they set a floor.
    seizure_withdrawal_classes: tuple[str, ...] = (SEDATIVE_CLASS, "alcohol")
    #: A sedative entry whose own equivalent is above this needs ``dose_confirmed``.
    plausible_max_diazepam_mg: float = PLAUSIBLE_MAX_DIAZEPAM_MG
    flags: FlagRules = field(default_factory=FlagRules)
    placement: PlacementRules = field(default_factory=PlacementRules)

    def __post_init__(self) -> None:
        equivalence_table(self.equivalence_table, self.equivalence_tables)


DEFAULT_RULES = RuleSet()


def is_current(
    substance: Mapping[str, Any], assessed_on: date, *, rules: RuleSet = DEFAULT_RULES
) -> bool:
    """Current use: no ``last_use``, or ``last_use`` within the 12 months before the assessment
    (on or after the same calendar day 12 months earlier)."""
    return _is_current(substance, assessed_on, months=rules.current_use_months)


def current_entries(
    substances: Iterable[Any], assessed_on: date | None, rules: RuleSet = DEFAULT_RULES
) -> list[Mapping[str, Any]]:
    """The entries in current use (every entry when ``assessed_on`` is None)."""
    entries = [s for s in substances if isinstance(s, Mapping)]
    return [s for s in entries if assessed_on is None or is_current(s, assessed_on, rules=rules)]
