"""The C-SSRS screen against CLINICAL.md §3: risk from the answers, the skip logic over every
answer combination, and malformed answers."""

from __future__ import annotations

import pytest

from intake.instruments import InstrumentInputError, score_cssrs
from intake.instruments.cssrs import missing_answers
from tests.intake.instruments.instruments_helpers import cssrs

# --- C-SSRS screen ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "risk"),
    [
        (cssrs(), "none"),
        (cssrs(q6_recent=False), "none"),
        (cssrs("q1"), "low"),
        (cssrs("q2"), "low"),
        (cssrs("q1", "q2"), "low"),
        (cssrs("q2", "q3"), "moderate"),
        (cssrs("q1", "q2", "q3"), "moderate"),
        (cssrs("q6", q6_recent=False), "moderate"),
        (cssrs("q6", q6_recent=True), "high"),
        (cssrs("q2", "q4"), "high"),
        (cssrs("q2", "q5"), "high"),
        (cssrs("q1", "q2", "q3", "q4", "q5"), "high"),
        (cssrs("q2", "q3", "q6", q6_recent=False), "moderate"),
        (cssrs("q2", "q6", q6_recent=True), "high"),
        # skip logic: q3-q5 are only asked after a yes to q2, and ignored otherwise
        (cssrs("q3"), "none"),
        (cssrs("q1", "q4", "q5"), "low"),
    ],
)
def test_cssrs_risk(answers, risk):
    result = score_cssrs(answers)
    assert result.risk == risk
    assert result.positive is (risk != "none")
    assert result.as_dict()["risk"] == risk


def _reference_cssrs(a: dict) -> str:
    """CLINICAL.md §3 written out independently: high, moderate, low, none."""
    asked = a["q2"]
    if (asked and (a["q4"] or a["q5"])) or (a["q6"] and a.get("q6_recent")):
        return "high"
    if (asked and a["q3"]) or a["q6"]:
        return "moderate"
    return "low" if a["q1"] or a["q2"] else "none"


@pytest.mark.parametrize("bits", range(2**6))
@pytest.mark.parametrize("recent", [None, False, True])
def test_cssrs_every_answer_combination_follows_the_skip_logic(bits, recent):
    answers = {f"q{i}": bool(bits >> (i - 1) & 1) for i in range(1, 7)}
    if recent is not None:
        answers["q6_recent"] = recent
    if (answers["q6"] and recent is None) or (recent and not answers["q6"]):
        with pytest.raises(InstrumentInputError):
            score_cssrs(answers)
        return
    assert score_cssrs(answers).risk == _reference_cssrs(answers)


@pytest.mark.parametrize(
    ("answers", "missing"),
    [
        ({"q1": True, "q2": True, "q6": False}, ["q3", "q4", "q5"]),
        ({"q1": True, "q2": True, "q3": False, "q6": False}, ["q4", "q5"]),
        ({"q1": False, "q2": False, "q6": True}, ["q6_recent"]),
        ({"q2": False}, ["q1", "q6"]),
        ({}, ["q1", "q2", "q6"]),
        ({"q1": False, "q2": False, "q6": False}, []),
    ],
)
def test_cssrs_missing_answers_follow_the_skip_logic(answers, missing):
    assert missing_answers(answers) == missing
    if missing:
        with pytest.raises(InstrumentInputError, match=missing[0]):
            score_cssrs(answers)


@pytest.mark.parametrize(
    "answers",
    [
        cssrs("q6"),  # behaviour without saying when
        cssrs(q6_recent=True),  # recent behaviour that never happened
        {"q1": True},
        {**cssrs(), "q1": 1},
        {**cssrs(), "q7": True},
        [True] * 6,
    ],
)
def test_cssrs_rejects_malformed_answers(answers):
    with pytest.raises(InstrumentInputError):
        score_cssrs(answers)
