"""Bands and cut-offs written from CLINICAL.md's tables (§3, and §4 for CIWA-B) as inclusive
score ranges, not copied from the implementation, and answer builders shared by the
screening-instrument tests (test_instruments_*.py).
"""

from __future__ import annotations

# CLINICAL.md §3 / §4: (lowest, highest, band) per band, and the positive cut-off.
PHQ9_BANDS = [
    (0, 4, "minimal"),
    (5, 9, "mild"),
    (10, 14, "moderate"),
    (15, 19, "moderately_severe"),
    (20, 27, "severe"),
]
GAD7_BANDS = [(0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 21, "severe")]
DAST10_BANDS = [
    (0, 0, "none"),
    (1, 2, "low"),
    (3, 5, "moderate"),
    (6, 8, "substantial"),
    (9, 10, "severe"),
]
CIWA_B_BANDS = [
    (0, 0, "none"),
    (1, 20, "mild"),
    (21, 40, "moderate"),
    (41, 60, "severe"),
    (61, 80, "very_severe"),
]
PHQ9_POSITIVE, GAD7_POSITIVE, DAST10_POSITIVE = 10, 10, 3
CIWA_B_SEVERE = {"severe", "very_severe"}
SDS_POSITIVE, MSI_BPD_POSITIVE, PC_PTSD5_POSITIVE, MDQ_MIN_YES = 7, 7, 3, 7
ALL_SEXES = ["male", "female", "intersex", "unknown", None]


def int_items(score: int, count: int, item_max: int) -> list[int]:
    """``count`` items, each 0..item_max, summing to ``score`` (filled from the front)."""
    assert 0 <= score <= count * item_max
    items = []
    for _ in range(count):
        item = min(item_max, score)
        items.append(item)
        score -= item
    return items


def yes_items(score: int, count: int) -> list[bool]:
    return [i < score for i in range(count)]


def dast_answers(score: int) -> list[bool]:
    """DAST-10 answers worth ``score``: item 3 answered yes scores 0, no scores 1."""
    if score == 0:
        return [False, False, True, *[False] * 7]
    others = [i < score - 1 for i in range(9)]  # item 3 "no" gives the last point
    return [*others[:2], False, *others[2:]]


def band_edges(bands):
    """Both ends of every band, with the band they belong to."""
    return sorted({(lo, name) for lo, _, name in bands} | {(hi, name) for _, hi, name in bands})


def cssrs(*yes: str, q6_recent: bool | None = None) -> dict:
    answers = {f"q{i}": f"q{i}" in yes for i in range(1, 7)}
    if q6_recent is not None:
        answers["q6_recent"] = q6_recent
    return answers
