"""Withdrawal monitoring scales (CLINICAL.md §4): CIWA-B, CIWA-Ar and COWS.

Each scale is a list of item scores, each item with its own maximum; the total falls into a band,
and the bands that need urgent attention mark the result ``severe`` (which raises the urgent
``severe_withdrawal`` flag). An item out of range, a wrong number of items or a non-integer item
is rejected, never clamped or guessed.

- ``ciwa_b`` (benzodiazepines): 20 items 0-4, total 0-80; 0 none, 1-20 mild, 21-40 moderate,
  41-60 severe, 61-80 very_severe.
- ``ciwa_ar`` (alcohol): 9 items 0-7, then orientation 0-4 as the 10th, total 0-67; ≤8 minimal,
  9-15 moderate, ≥16 severe.
- ``cows`` (opioids): 11 items with maxima 4,4,5,5,4,4,5,4,4,4,5, total 0-48; <5 none, 5-12 mild,
  13-24 moderate, 25-36 moderately_severe, >36 severe.

Urgent (``severe``): CIWA-B severe or very_severe (≥41); CIWA-Ar severe (≥16); COWS ≥25.
"""

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "RULE_VERSION",
    "WITHDRAWAL_INSTRUMENTS",
    "WithdrawalInputError",
    "WithdrawalResult",
    "WithdrawalScale",
    "score_withdrawal",
]

#: Version of the §4 defaults; stored with every computed score.
RULE_VERSION = "withdrawal-2025.1"


class WithdrawalInputError(ValueError):
    """Item scores that the instrument does not allow (a 422).

    ``index`` is the 0-based position of the offending item, or None when the whole list (or the
    instrument name) is wrong.
    """

    def __init__(self, message: str, *, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


@dataclass(frozen=True)
class WithdrawalScale:
    """One instrument: the maximum of each item, and bands as (lowest score, band) ascending."""

    name: str
    item_maxima: tuple[int, ...]
    bands: tuple[tuple[int, str], ...]
    severe_from: int  #: lowest total that raises the urgent ``severe_withdrawal`` flag

    @property
    def max_score(self) -> int:
        return sum(self.item_maxima)

    def describe_items(self) -> str:
        """A human phrase for the allowed items, e.g. "20 items, each 0-4"."""
        maxima = set(self.item_maxima)
        if len(maxima) == 1:
            return f"{len(self.item_maxima)} items, each 0-{self.item_maxima[0]}"
        ranges = ", ".join(f"0-{m}" for m in self.item_maxima)
        return f"{len(self.item_maxima)} items with ranges {ranges}"

    def band_for(self, score: int) -> str:
        """The band whose lower bound is the highest one not above ``score``."""
        band = self.bands[0][1]
        for lowest, name in self.bands:
            if score >= lowest:
                band = name
        return band


WITHDRAWAL_INSTRUMENTS: dict[str, WithdrawalScale] = {
    "ciwa_b": WithdrawalScale(
        name="ciwa_b",
        item_maxima=(4,) * 20,
        bands=((0, "none"), (1, "mild"), (21, "moderate"), (41, "severe"), (61, "very_severe")),
        severe_from=41,
    ),
    "ciwa_ar": WithdrawalScale(
        name="ciwa_ar",
        item_maxima=(7,) * 9 + (4,),  # the 10th item is orientation/clouding of sensorium, 0-4
        bands=((0, "minimal"), (9, "moderate"), (16, "severe")),
        severe_from=16,
    ),
    "cows": WithdrawalScale(
        name="cows",
        item_maxima=(4, 4, 5, 5, 4, 4, 5, 4, 4, 4, 5),
        bands=(
            (0, "none"),
            (5, "mild"),
            (13, "moderate"),
            (25, "moderately_severe"),
            (37, "severe"),
        ),
        severe_from=25,
    ),
}


@dataclass(frozen=True)
class WithdrawalResult:
    """A scored observation: total, its band, and whether it needs the urgent flag."""

    instrument: str
    score: int
    band: str
    severe: bool
    rule_version: str = RULE_VERSION


def score_withdrawal(instrument: str, items: Sequence[int]) -> WithdrawalResult:
    """Score one observation on ``instrument`` (``ciwa_b``, ``ciwa_ar`` or ``cows``).

    The score is the sum of the items; ``band`` and ``severe`` follow CLINICAL.md §4. Raises
    WithdrawalInputError for an unknown instrument, a wrong number of items, or an item that is not
    an integer (booleans included) or lies outside its range.
    """
    scale = _scale(instrument)
    _check_items(scale, items)
    score = sum(items)
    return WithdrawalResult(
        instrument=scale.name,
        score=score,
        band=scale.band_for(score),
        severe=score >= scale.severe_from,
    )


def _scale(instrument: str) -> WithdrawalScale:
    try:
        return WITHDRAWAL_INSTRUMENTS[instrument]
    except (KeyError, TypeError):
        allowed = ", ".join(WITHDRAWAL_INSTRUMENTS)
        raise WithdrawalInputError(
            f"Unknown withdrawal instrument {instrument!r}; allowed: {allowed}."
        ) from None


def _check_items(scale: WithdrawalScale, items: Sequence[int]) -> None:
    expected = scale.describe_items()
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise WithdrawalInputError(f"{scale.name} needs a list of {expected}.")
    if len(items) != len(scale.item_maxima):
        raise WithdrawalInputError(f"{scale.name} needs {expected}; got {len(items)} item(s).")
    for index, (value, maximum) in enumerate(zip(items, scale.item_maxima, strict=True)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
            raise WithdrawalInputError(
                f"{scale.name} item {index + 1} (index {index}) is {value!r}; it must be an "
                f"integer 0-{maximum} ({expected}).",
                index=index,
            )
