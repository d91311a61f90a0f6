"""Screening instruments: pure scoring functions over the answers an assessment records.

Each ``score_*`` takes the answers in the shape API.md gives them and returns a frozen result
with ``score``, ``band``, ``positive`` and ``as_dict()``; answers it cannot score raise
:class:`InstrumentInputError`, whose message names the allowed values. :data:`SCREENINGS` maps
the API's screening keys to these functions; ``audit_c`` also takes ``sex=``.

Beside the screenings sit the other structured parts of an intake, scored the same way:
``dsm5`` (use disorder versus dependence), ``substances`` (current use and diazepam
equivalents); ``intake.flags.rules`` says what the findings raise and
``intake.assessments.rules`` composes them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from intake.instruments.audit_c import AuditCCutoffs, AuditCResult, score_audit_c
from intake.instruments.ciwa_b import CiwaBResult, score_ciwa_b
from intake.instruments.cssrs import CssrsResult, score_cssrs
from intake.instruments.dast10 import Dast10Result, score_dast10
from intake.instruments.gad7 import Gad7Result, score_gad7
from intake.instruments.mdq import MdqCutoffs, MdqResult, score_mdq
from intake.instruments.msi_bpd import MsiBpdResult, score_msi_bpd
from intake.instruments.pc_ptsd5 import PcPtsd5Result, score_pc_ptsd5
from intake.instruments.phq9 import Phq9Result, score_phq9
from intake.instruments.scoring import Cutoffs, InstrumentInputError, ScreeningResult
from intake.instruments.sds import SdsResult, score_sds

SCREENINGS: dict[str, Callable[..., ScreeningResult]] = {
    "phq9": score_phq9,
    "gad7": score_gad7,
    "pc_ptsd5": score_pc_ptsd5,
    "mdq": score_mdq,
    "msi_bpd": score_msi_bpd,
    "audit_c": score_audit_c,
    "dast10": score_dast10,
    "sds": score_sds,
    "cssrs_screen": score_cssrs,
    "ciwa_b": score_ciwa_b,
}

#: Screenings whose positive cut-off depends on the client's recorded sex.
SEX_DEPENDENT = frozenset({"audit_c"})


def screen(
    name: str, value: Any, *, sex: str | None = None, cutoffs: Any = None
) -> ScreeningResult:
    """Score one screening by its API key; ``cutoffs`` None means the instrument's defaults.

    An unknown key raises :class:`InstrumentInputError` naming the known ones.
    """
    scorer = SCREENINGS.get(name)
    if scorer is None:
        raise InstrumentInputError(f"unknown screening {name!r}; allowed: {', '.join(SCREENINGS)}")
    kwargs: dict[str, Any] = {}
    if name in SEX_DEPENDENT:
        kwargs["sex"] = sex
    if cutoffs is not None:
        kwargs["cutoffs"] = cutoffs
    return scorer(value, **kwargs)


__all__ = [
    "SCREENINGS",
    "SEX_DEPENDENT",
    "AuditCCutoffs",
    "AuditCResult",
    "CiwaBResult",
    "CssrsResult",
    "Cutoffs",
    "Dast10Result",
    "Gad7Result",
    "InstrumentInputError",
    "MdqCutoffs",
    "MdqResult",
    "MsiBpdResult",
    "PcPtsd5Result",
    "Phq9Result",
    "ScreeningResult",
    "SdsResult",
    "score_audit_c",
    "score_ciwa_b",
    "score_cssrs",
    "score_dast10",
    "score_gad7",
    "score_mdq",
    "score_msi_bpd",
    "score_pc_ptsd5",
    "score_phq9",
    "score_sds",
    "screen",
]
