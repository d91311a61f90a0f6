"""What every screening instrument shares: answer validation, cut-offs and the result shape.

Answers arrive as plain JSON-like data. Validation is strict because a mistyped answer changes
a clinical score: integer items must be real ints (``True`` is not 1), yes/no items must be real
booleans (1 is not ``True``), and the item count must match the instrument exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any


class InstrumentInputError(ValueError):
    """Answers that an instrument cannot score; the message names the allowed values."""


def int_items(instrument: str, items: Any, count: int, low: int, high: int) -> tuple[int, ...]:
    """Return ``items`` as a tuple when it is exactly ``count`` ints, each ``low``-``high``."""
    rule = f"{instrument} needs exactly {count} items, each {low}-{high}"
    values = _item_list(rule, items, count)
    for position, value in enumerate(values, start=1):
        if type(value) is not int or not low <= value <= high:
            raise InstrumentInputError(f"{rule} (item {position} is {value!r})")
    return values


def bool_items(instrument: str, items: Any, count: int) -> tuple[bool, ...]:
    """Return ``items`` when it is exactly ``count`` yes/no answers (JSON booleans)."""
    rule = f"{instrument} needs exactly {count} items, each true or false"
    values = _item_list(rule, items, count)
    for position, value in enumerate(values, start=1):
        if type(value) is not bool:
            raise InstrumentInputError(f"{rule} (item {position} is {value!r})")
    return values


def answer_fields(
    instrument: str, value: Any, required: Sequence[str], optional: Sequence[str] = ()
) -> Mapping[str, Any]:
    """Return ``value`` when it is an object with every required key and no unknown key."""
    allowed = (*required, *optional)
    shape = f"{instrument} needs an object with keys {', '.join(allowed)}"
    if not isinstance(value, Mapping):
        raise InstrumentInputError(f"{shape} (got {type(value).__name__})")
    missing = [key for key in required if key not in value]
    unknown = sorted(str(key) for key in value if key not in allowed)
    if missing:
        raise InstrumentInputError(f"{shape} (missing {', '.join(missing)})")
    if unknown:
        raise InstrumentInputError(f"{shape} (unknown {', '.join(unknown)})")
    return value


def yes_no(instrument: str, field: str, value: Any) -> bool:
    """Return ``value`` when it is a JSON boolean."""
    if type(value) is not bool:
        raise InstrumentInputError(f"{instrument}.{field} must be true or false (got {value!r})")
    return value


def one_of(instrument: str, field: str, value: Any, allowed: Sequence[str]) -> str:
    """Return ``value`` when it is one of ``allowed``."""
    if not isinstance(value, str) or value not in allowed:
        raise InstrumentInputError(
            f"{instrument}.{field} must be one of {', '.join(allowed)} (got {value!r})"
        )
    return value


def _item_list(rule: str, items: Any, count: int) -> tuple[Any, ...]:
    if not isinstance(items, list | tuple):
        raise InstrumentInputError(f"{rule} (got {type(items).__name__}, not a list)")
    if len(items) != count:
        raise InstrumentInputError(f"{rule} (got {len(items)} items)")
    return tuple(items)


@dataclass(frozen=True)
class Cutoffs:
    """An instrument's configurable thresholds.

    ``bands`` holds ``(lowest score, band name)`` pairs in ascending order, starting at the
    instrument's minimum score; a score belongs to the last band whose lowest score it reaches.
    ``positive_min`` is the lowest score that counts as a positive screen.
    """

    positive_min: int
    bands: tuple[tuple[int, str], ...] = ()

    def __post_init__(self) -> None:
        floors = [floor for floor, _ in self.bands]
        if floors != sorted(set(floors)):
            raise ValueError("band floors must be strictly ascending")

    def band_for(self, score: int) -> str | None:
        """The name of the band holding ``score``, or None for an instrument without bands."""
        name = None
        for floor, band in self.bands:
            if score >= floor:
                name = band
        return name

    def is_positive(self, score: int) -> bool:
        """A screen is positive at or above ``positive_min``."""
        return score >= self.positive_min


@dataclass(frozen=True)
class ScreeningResult:
    """A scored screening: the total (None for a categorical screen), its band, and whether
    it is positive (positive screens raise the instrument's flag)."""

    score: int | None
    band: str | None
    positive: bool

    def as_dict(self) -> dict[str, Any]:
        """The result as it appears in an assessment's ``results.screenings``."""
        return asdict(self)
