"""Live scoring of a list instrument while it is being filled in (pure).

A screening scores only when every item is answered. While some are still open, the answers
given so far bound the result: the lowest and the highest result any completion could reach.
Both are computed by the instrument's own scoring function (so reversed items, such as DAST-10
item 3, and every cut-off are the instrument's), choosing for each open item the answer that
lowers or raises the total most. That is exact for these instruments, whose totals add up one
contribution per item. When both bounds share a band (or a positive/negative screen), that
part of the result is already settled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from intake.instruments import audit_c, ciwa_b, dast10, gad7, msi_bpd, phq9, sds
from intake.instruments.scoring import ScreeningResult

_YES_NO = (False, True)

#: Instruments answered as a list of items: the item count and the answers each item takes.
LIST_INSTRUMENTS: Mapping[str, tuple[int, tuple[Any, ...]]] = MappingProxyType(
    {
        phq9.NAME: (phq9.ITEM_COUNT, tuple(range(phq9.ITEM_MAX + 1))),
        gad7.NAME: (gad7.ITEM_COUNT, tuple(range(gad7.ITEM_MAX + 1))),
        audit_c.NAME: (audit_c.ITEM_COUNT, tuple(range(audit_c.ITEM_MAX + 1))),
        sds.NAME: (sds.ITEM_COUNT, tuple(range(sds.ITEM_MAX + 1))),
        ciwa_b.NAME: (ciwa_b.ITEM_COUNT, tuple(range(ciwa_b.ITEM_MAX + 1))),
        msi_bpd.NAME: (msi_bpd.ITEM_COUNT, _YES_NO),
        dast10.NAME: (dast10.ITEM_COUNT, _YES_NO),
    }
)

Scorer = Callable[[list[Any]], ScreeningResult]


@dataclass(frozen=True)
class PartialScore:
    """The answers so far (``answered`` of ``items``) and the lowest and highest results a
    completion can reach; equal when every item is answered."""

    answered: int
    items: int
    lowest: ScreeningResult
    highest: ScreeningResult

    @property
    def complete(self) -> bool:
        return self.answered == self.items

    @property
    def band(self) -> str | None:
        """The band when every completion shares it, else None."""
        return self.lowest.band if self.lowest.band == self.highest.band else None

    @property
    def positive(self) -> bool | None:
        """True or False once settled by the answers so far, None while still open."""
        if self.lowest.positive == self.highest.positive:
            return self.lowest.positive
        return None


def score_partial(answers: Sequence[Any], choices: Sequence[Any], score: Scorer) -> PartialScore:
    """Bound the result of a list instrument whose unanswered items are None. ``choices`` are
    the answers an item takes; ``score`` is the instrument's scoring function (it raises
    ``InstrumentInputError`` for an answer it does not accept)."""
    open_items = [index for index, answer in enumerate(answers) if answer is None]
    base = [choices[0] if answer is None else answer for answer in answers]
    low, high = list(base), list(base)
    for index in open_items:
        totals = [(_total(score, base, index, choice), choice) for choice in choices]
        low[index] = min(totals, key=lambda pair: pair[0])[1]
        high[index] = max(totals, key=lambda pair: pair[0])[1]
    return PartialScore(
        answered=len(answers) - len(open_items),
        items=len(answers),
        lowest=score(low),
        highest=score(high),
    )


def _total(score: Scorer, base: list[Any], index: int, choice: Any) -> int:
    trial = list(base)
    trial[index] = choice
    return score(trial).score or 0
