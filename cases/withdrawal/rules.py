"""Withdrawal monitoring scales (CLINICAL.md §4, rule version 2): CIWA-B, CIWA-Ar and COWS.

Each scale is a list of named items, each taking only its own published values; the total
falls into a band. A result is ``severe`` (it raises the urgent ``severe_withdrawal`` flag)
when the band needs urgent attention **or** when an item is a warning sign of complicated
withdrawal, whatever the total. An item not among its values, a wrong number of items or a
non-integer item is rejected, never clamped or guessed.

- ``ciwa_b`` (benzodiazepines): 20 items 0-4, total 0-80; 0 none, 1-20 mild, 21-40 moderate,
  41-60 severe, 61-80 very_severe. Urgent: severe or very_severe (≥41).
- ``ciwa_ar`` (alcohol): nausea_vomiting, tremor, paroxysmal_sweats, anxiety, agitation,
  tactile_disturbances, auditory_disturbances, visual_disturbances, headache (each 0-7), then
  orientation (0-4); total 0-67; ≤8 minimal, 9-15 moderate, ≥16 severe. Urgent: severe (≥16),
  or a warning sign: tactile, auditory or visual disturbances ≥4 (moderately severe
  hallucinations or worse) or orientation ≥3 (ASAM 2020: delirium and hallucinosis define
  complicated withdrawal). The band still follows the total.
- ``cows`` (opioids, Wesson & Ling 2003): resting_pulse 0,1,2,4; sweating 0-4; restlessness
  0,1,3,5; pupil_size 0,1,2,5; bone_joint_aches 0,1,2,4; runny_nose_tearing 0,1,2,4; gi_upset
  0,1,2,3,5; tremor 0,1,2,4; yawning 0,1,2,4; anxiety_irritability 0,1,2,4; gooseflesh 0,3,5;
  total 0-48; <5 none, 5-12 mild, 13-24 moderate, 25-36 moderately_severe, >36 severe.
  Urgent: ≥25.

**Rising fast**: a total higher than the case's previous score on the same scale by 10 or more
(CIWA-B, COWS) or 8 or more (CIWA-Ar), the previous one observed at most 24 hours earlier
(`rising_fast`). A severe score that is rising fast says so on the flag and re-alerts.

Every value here is a dataclass field with these defaults, so a centre can change them (and
should then change the ``rule_version`` its results record)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from intake.assessments.rule_set import RULE_VERSION
from intake.instruments import ciwa_b

__all__ = [
    "RULE_VERSION",
    "WARNING_SIGNS_NOTE",
    "WITHDRAWAL_INSTRUMENTS",
    "Observation",
    "WithdrawalInputError",
    "WithdrawalItem",
    "WithdrawalResult",
    "WithdrawalScale",
    "rising_fast",
    "rising_fast_note",
    "score_withdrawal",
    "warning_signs_note",
]

# RULE_VERSION is the project's clinical rule version (CLINICAL.md, rule version 2), which
# every new score records; scores computed under version 1 keep "withdrawal-2025.1".

#: What the flag says when a CIWA-Ar item is a sign of complicated withdrawal (ASAM 2020).
WARNING_SIGNS_NOTE = "possible withdrawal delirium or hallucinosis: medical review now"


class WithdrawalInputError(ValueError):
    """Item scores that the instrument does not allow (a 422).

    ``index`` is the 0-based position of the offending item and ``item`` its name, or both
    None when the whole list (or the instrument name) is wrong.
    """

    def __init__(self, message: str, *, index: int | None = None, item: str | None = None):
        super().__init__(message)
        self.index = index
        self.item = item


@dataclass(frozen=True)
class WithdrawalItem:
    """One item of a scale: its name and the values it may take, ascending from 0."""

    name: str
    values: tuple[int, ...]

    @property
    def maximum(self) -> int:
        return self.values[-1]

    def describe_values(self) -> str:
        """The allowed values in words: "0-4" for a run of whole numbers, else "0, 1, 2 or 4"."""
        if self.values == tuple(range(self.maximum + 1)):
            return f"0-{self.maximum}"
        return ", ".join(str(v) for v in self.values[:-1]) + f" or {self.maximum}"


def _items(maxima: Mapping[str, int]) -> tuple[WithdrawalItem, ...]:
    """Items that take every whole number from 0 to their maximum."""
    return tuple(WithdrawalItem(name, tuple(range(top + 1))) for name, top in maxima.items())


@dataclass(frozen=True)
class WithdrawalScale:
    """One instrument: its items in order, bands as (lowest score, band) ascending, the total
    that needs the urgent flag, items that need it whatever the total, and "rising fast"."""

    name: str
    label: str  #: as clinicians write it, e.g. "CIWA-B"
    items: tuple[WithdrawalItem, ...]
    bands: tuple[tuple[int, str], ...]
    severe_from: int  #: lowest total that raises the urgent ``severe_withdrawal`` flag
    #: (item name, lowest value): an item at or above it raises the flag whatever the total.
    warning_signs: tuple[tuple[str, int], ...] = ()
    #: a rise in total of at least this much since the previous score is "rising fast" ...
    rising_fast_by: int = 10
    #: ... when the previous score was observed at most this long before.
    rising_fast_within: timedelta = timedelta(hours=24)

    def __post_init__(self) -> None:
        names = [item.name for item in self.items]
        unknown = [name for name, _ in self.warning_signs if name not in names]
        if unknown or len(set(names)) != len(names):
            raise ValueError(f"{self.name}: duplicate or unknown item names {unknown}")
        for item in self.items:
            if not item.values or item.values[0] != 0 or list(item.values) != sorted(item.values):
                raise ValueError(f"{self.name}.{item.name}: values must ascend from 0")

    @property
    def item_maxima(self) -> tuple[int, ...]:
        return tuple(item.maximum for item in self.items)

    @property
    def max_score(self) -> int:
        return sum(self.item_maxima)

    def describe_items(self) -> str:
        """A human phrase for the allowed items, e.g. "20 items, each 0-4"."""
        described = [item.describe_values() for item in self.items]
        if len(set(described)) == 1:
            return f"{len(self.items)} items, each {described[0]}"
        pairs = ", ".join(f"{i.name} {d}" for i, d in zip(self.items, described, strict=True))
        return f"{len(self.items)} items ({pairs})"

    def band_for(self, score: int) -> str:
        """The band whose lower bound is the highest one not above ``score``."""
        band = self.bands[0][1]
        for lowest, name in self.bands:
            if score >= lowest:
                band = name
        return band

    def signs_in(self, items: Sequence[int]) -> tuple[str, ...]:
        """The names of the items that are warning signs, in the scale's order."""
        lowest = dict(self.warning_signs)
        return tuple(
            item.name
            for item, value in zip(self.items, items, strict=True)
            if item.name in lowest and value >= lowest[item.name]
        )


#: CIWA-B is defined once, with the intake instrument (item names, range, bands, cut-off).
CIWA_B_ITEMS = _items(dict.fromkeys(ciwa_b.ITEM_NAMES, ciwa_b.ITEM_MAX))

CIWA_AR_ITEMS = _items(
    {
        **dict.fromkeys(
            (
                "nausea_vomiting",
                "tremor",
                "paroxysmal_sweats",
                "anxiety",
                "agitation",
                "tactile_disturbances",
                "auditory_disturbances",
                "visual_disturbances",
                "headache",
            ),
            7,
        ),
        "orientation": 4,  # orientation and clouding of sensorium
    }
)

COWS_ITEMS = (
    WithdrawalItem("resting_pulse", (0, 1, 2, 4)),
    WithdrawalItem("sweating", (0, 1, 2, 3, 4)),
    WithdrawalItem("restlessness", (0, 1, 3, 5)),
    WithdrawalItem("pupil_size", (0, 1, 2, 5)),
    WithdrawalItem("bone_joint_aches", (0, 1, 2, 4)),
    WithdrawalItem("runny_nose_tearing", (0, 1, 2, 4)),
    WithdrawalItem("gi_upset", (0, 1, 2, 3, 5)),
    WithdrawalItem("tremor", (0, 1, 2, 4)),
    WithdrawalItem("yawning", (0, 1, 2, 4)),
    WithdrawalItem("anxiety_irritability", (0, 1, 2, 4)),
    WithdrawalItem("gooseflesh", (0, 3, 5)),
)

WITHDRAWAL_INSTRUMENTS: dict[str, WithdrawalScale] = {
    "ciwa_b": WithdrawalScale(
        name="ciwa_b",
        label="CIWA-B",
        items=CIWA_B_ITEMS,
        bands=ciwa_b.DEFAULT_CUTOFFS.bands,
        severe_from=ciwa_b.DEFAULT_CUTOFFS.positive_min,
        rising_fast_by=10,
    ),
    "ciwa_ar": WithdrawalScale(
        name="ciwa_ar",
        label="CIWA-Ar",
        items=CIWA_AR_ITEMS,
        bands=((0, "minimal"), (9, "moderate"), (16, "severe")),
        severe_from=16,
        warning_signs=(
            ("tactile_disturbances", 4),
            ("auditory_disturbances", 4),
            ("visual_disturbances", 4),
            ("orientation", 3),
        ),
        rising_fast_by=8,
    ),
    "cows": WithdrawalScale(
        name="cows",
        label="COWS",
        items=COWS_ITEMS,
        bands=(
            (0, "none"),
            (5, "mild"),
            (13, "moderate"),
            (25, "moderately_severe"),
            (37, "severe"),
        ),
        severe_from=25,
        rising_fast_by=10,
    ),
}


@dataclass(frozen=True)
class WithdrawalResult:
    """A scored observation: total, its band, its warning signs (item names), and whether it
    raises the urgent ``severe_withdrawal`` flag (an urgent band or any warning sign)."""

    instrument: str
    score: int
    band: str
    severe: bool
    warning_signs: tuple[str, ...] = ()
    rule_version: str = RULE_VERSION


@dataclass(frozen=True)
class Observation:
    """A total on a scale and when it was observed (timezone-aware)."""

    score: int
    observed_at: datetime


def score_withdrawal(
    instrument: str,
    items: Sequence[int],
    *,
    scales: Mapping[str, WithdrawalScale] = WITHDRAWAL_INSTRUMENTS,
) -> WithdrawalResult:
    """Score one observation on ``instrument`` (``ciwa_b``, ``ciwa_ar`` or ``cows``).

    The score is the sum of the items and ``band`` follows it; ``severe`` is an urgent band
    or any warning sign (CLINICAL.md §4). Raises WithdrawalInputError for an unknown
    instrument, a wrong number of items, or an item that is not an integer (booleans
    included) or not among its allowed values.
    """
    scale = _scale(instrument, scales)
    _check_items(scale, items)
    score = sum(items)
    signs = scale.signs_in(items)
    return WithdrawalResult(
        instrument=scale.name,
        score=score,
        band=scale.band_for(score),
        severe=score >= scale.severe_from or bool(signs),
        warning_signs=signs,
    )


def rising_fast(
    instrument: str,
    previous: Observation | None,
    current: Observation,
    *,
    scales: Mapping[str, WithdrawalScale] = WITHDRAWAL_INSTRUMENTS,
) -> bool:
    """Whether ``current`` is "rising fast" against ``previous`` (the case's latest score on
    the same scale observed before it): higher by at least the scale's ``rising_fast_by``
    (10 for CIWA-B and COWS, 8 for CIWA-Ar), with ``previous`` observed at most
    ``rising_fast_within`` (24 hours) earlier. No previous score: not rising fast."""
    scale = _scale(instrument, scales)
    if previous is None or previous.observed_at >= current.observed_at:
        return False
    within = current.observed_at - previous.observed_at <= scale.rising_fast_within
    return within and current.score - previous.score >= scale.rising_fast_by


def rising_fast_note(
    instrument: str,
    previous: Observation,
    current: Observation,
    *,
    scales: Mapping[str, WithdrawalScale] = WITHDRAWAL_INSTRUMENTS,
) -> str:
    """The flag's words for a rise, e.g. "CIWA-B rising fast: 41 → 72 within 24 h"."""
    scale = _scale(instrument, scales)
    hours = scale.rising_fast_within / timedelta(hours=1)
    return f"{scale.label} rising fast: {previous.score} → {current.score} within {hours:g} h"


def warning_signs_note(
    instrument: str,
    items: Sequence[int],
    *,
    scales: Mapping[str, WithdrawalScale] = WITHDRAWAL_INSTRUMENTS,
) -> str | None:
    """The flag's words for warning signs, naming each with its value and maximum, e.g.
    "Warning signs visual disturbances 4/7, orientation 4/4 — possible withdrawal delirium
    or hallucinosis: medical review now"; None without any."""
    scale = _scale(instrument, scales)
    signs = set(scale.signs_in(items))
    found = [
        f"{item.name.replace('_', ' ')} {value}/{item.maximum}"
        for item, value in zip(scale.items, items, strict=True)
        if item.name in signs
    ]
    return f"Warning signs {', '.join(found)} — {WARNING_SIGNS_NOTE}" if found else None


def _scale(instrument: str, scales: Mapping[str, WithdrawalScale]) -> WithdrawalScale:
    try:
        return scales[instrument]
    except (KeyError, TypeError):
        allowed = ", ".join(scales)
        raise WithdrawalInputError(
            f"Unknown withdrawal instrument {instrument!r}; allowed: {allowed}."
        ) from None


def _check_items(scale: WithdrawalScale, items: Sequence[int]) -> None:
    """Shape first (a list of the right length), then each item against its own values."""
    expected = scale.describe_items()
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise WithdrawalInputError(f"{scale.name} needs a list of {expected}.")
    if len(items) != len(scale.items):
        raise WithdrawalInputError(f"{scale.name} needs {expected}; got {len(items)} item(s).")
    for index, (value, item) in enumerate(zip(items, scale.items, strict=True)):
        if isinstance(value, bool) or not isinstance(value, int) or value not in item.values:
            raise WithdrawalInputError(
                f"{scale.name} item {index + 1} ({item.name}, index {index}) is {value!r}; "
                f"allowed values: {item.describe_values()}.",
                index=index,
                item=item.name,
            )
