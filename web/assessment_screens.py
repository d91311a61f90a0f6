"""The screening instruments of the assessment form (screen 4): how each is asked (item
wording as short prompts, the answers each item takes), how its posted answers become the
API's shape, and the live score, always computed by the instrument's own scoring function.

Item fields are named ``screenings.<instrument>.<n>`` (and ``screenings.pc_ptsd5.items.<n>``,
``screenings.mdq.items.<n>``, ``screenings.cssrs_screen.q1`` ...). An item left blank is not
answered: an instrument with every item blank is left out, one partly answered cannot be
saved (the API stores only whole instruments) and says how many answers it still needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from intake.assessments import rules
from intake.instruments import InstrumentInputError, ciwa_b, mdq
from intake.instruments.cssrs import ALWAYS_ASKED, ASKED_AFTER_Q2, missing_answers
from intake.instruments.partial import LIST_INSTRUMENTS, PartialScore, score_partial

Errors = dict[str, list[str]]
_YES, _NO = ("yes", "true", "on", "1"), ("no", "false", "0")

_FREQ = (
    "0 · not at all",
    "1 · several days",
    "2 · more than half the days",
    "3 · nearly every day",
)
_SDS = ("0 · never or almost never", "1 · sometimes", "2 · often", "3 · always or nearly always")
_SDS_STOP = ("0 · not difficult", "1 · quite difficult", "2 · very difficult", "3 · impossible")
_CIWA = ("0 · not at all", "1 · mildly", "2 · moderately", "3 · quite a bit", "4 · very much")


@dataclass(frozen=True)
class Instrument:
    key: str
    title: str
    #: one prompt per item; each item's answer labels (None: yes/no).
    items: tuple[str, ...]
    answers: tuple[tuple[str, ...] | None, ...]
    hint: str = ""

    @property
    def yes_no(self) -> bool:
        return self.answers[0] is None

    def choices(self, item: int) -> list[tuple[str, str]]:
        """The (value, label) answers of one item."""
        labels = self.answers[item]
        if labels is None:
            return [("yes", "Yes"), ("no", "No")]
        return [(str(value), label) for value, label in enumerate(labels)]


def _same(answers: tuple[str, ...] | None, count: int) -> tuple[tuple[str, ...] | None, ...]:
    return (answers,) * count


PHQ9 = (
    *("Little interest or pleasure in doing things", "Feeling down, depressed or hopeless"),
    "Trouble falling or staying asleep, or sleeping too much",
    *("Feeling tired or having little energy", "Poor appetite or overeating"),
    "Feeling bad about yourself, or that you are a failure or have let people down",
    "Trouble concentrating on things",
    "Moving or speaking noticeably slowly, or being fidgety or restless",
    "Thoughts that you would be better off dead, or of hurting yourself",
)
GAD7 = (
    *("Feeling nervous, anxious or on edge", "Not being able to stop or control worrying"),
    *("Worrying too much about different things", "Trouble relaxing"),
    *("Being so restless that it is hard to sit still", "Becoming easily annoyed or irritable"),
    "Feeling afraid as if something awful might happen",
)
AUDIT_C = (
    "How often do you have a drink containing alcohol?",
    "How many standard drinks on a typical day when you drink?",
    "How often do you have six or more drinks on one occasion?",
)
AUDIT_C_ANSWERS = (
    ("0 · never", "1 · monthly or less", "2 · 2-4 times a month", "3 · 2-3 times a week",
     "4 · 4 or more times a week"),
    ("0 · 1 or 2", "1 · 3 or 4", "2 · 5 or 6", "3 · 7 to 9", "4 · 10 or more"),
    ("0 · never", "1 · less than monthly", "2 · monthly", "3 · weekly",
     "4 · daily or almost daily"),
)  # fmt: skip
SDS = (
    "Did you think your use of tranquillisers was out of control?",
    "Did the prospect of missing a dose make you anxious or worried?",
    "Did you worry about your use of tranquillisers?",
    "Did you wish you could stop?",
    "How difficult would you find it to stop or go without?",
)
DAST10 = (
    "Used drugs other than those required for medical reasons",
    *("Used more than one drug at a time", "Always able to stop using drugs when you want to"),
    "Had blackouts or flashbacks as a result of drug use",
    "Felt bad or guilty about your drug use",
    "Family complained about your involvement with drugs",
    "Neglected your family because of your use of drugs",
    "Engaged in illegal activities to obtain drugs",
    "Experienced withdrawal symptoms when you stopped taking drugs",
    "Had medical problems as a result of drug use (memory loss, hepatitis, convulsions, bleeding)",
)  # fmt: skip
MSI_BPD = (
    "Closest relationships troubled by a lot of arguments or repeated breakups",
    "Deliberately hurt yourself physically, or made a suicide attempt",
    "At least two other problems with impulsivity (eating binges, spending sprees, ...)",
    *("Been extremely moody", "Felt very angry a lot of the time"),
    *("Often been distrustful of other people", "Frequently felt unreal, or things unreal"),
    *("Chronically felt empty", "Often felt you had no idea of who you are"),
    "Made desperate efforts to avoid feeling abandoned or being abandoned",
)
PC_PTSD5 = (
    "Had nightmares about it, or thought about it when you did not want to",
    "Tried hard not to think about it, or avoided situations that remind you of it",
    "Been constantly on guard, watchful or easily startled",
    "Felt numb or detached from people, activities or your surroundings",
    "Felt guilty or unable to stop blaming yourself or others",
)
MDQ = (
    "Felt so good or hyper that others thought you were not your normal self",
    *("So irritable that you shouted at people or started fights", "Much more self-confident"),
    *("Much less sleep than usual and did not really miss it", "Much more talkative, faster"),
    *("Thoughts raced through your head", "So easily distracted you had trouble concentrating"),
    *("Much more energy than usual", "Much more active or did many more things than usual"),
    *("Much more social or outgoing than usual", "Much more interested in sex than usual"),
    "Did things that were unusual, excessive, foolish or risky",
    "Spending money got you or your family into trouble",
)
CSSRS = {
    "q1": "Wished you were dead, or could go to sleep and not wake up",
    "q2": "Had any actual thoughts of killing yourself",
    "q3": "Thought about how you might do this (ask when q2 is yes)",
    "q4": "Had any intention of acting on these thoughts (ask when q2 is yes)",
    "q5": "Worked out the details of how, and intend to carry it out (ask when q2 is yes)",
    "q6": "Ever done, started or prepared to do anything to end your life",
    "q6_recent": "Was that within the past 3 months? (ask when q6 is yes)",
}
MDQ_PROBLEMS = tuple((p, p) for p in mdq.PROBLEM_LEVELS)

LISTS: tuple[Instrument, ...] = (
    Instrument("phq9", "PHQ-9 · depression, past 2 weeks", PHQ9, _same(_FREQ, 9)),
    Instrument("gad7", "GAD-7 · anxiety, past 2 weeks", GAD7, _same(_FREQ, 7)),
    Instrument("audit_c", "AUDIT-C · alcohol", AUDIT_C, AUDIT_C_ANSWERS),
    Instrument("dast10", "DAST-10 · drug use, past 12 months", DAST10, _same(None, 10)),
    Instrument(
        "sds", "SDS · benzodiazepine dependence, past 12 months", SDS,
        (*_same(_SDS, 4), _SDS_STOP),
    ),
    Instrument("msi_bpd", "MSI-BPD · borderline personality", MSI_BPD, _same(None, 10)),
    Instrument(
        "ciwa_b", "CIWA-B · benzodiazepine withdrawal",
        tuple(n.replace("_", " ").replace("observed ", "observed: ").capitalize()
              for n in ciwa_b.ITEM_NAMES),
        _same(_CIWA, ciwa_b.ITEM_COUNT), hint="For monitoring, not for dosing.",
    ),
)  # fmt: skip
BY_KEY = {instrument.key: instrument for instrument in LISTS}
TITLES = {
    **{i.key: i.title for i in LISTS},
    "pc_ptsd5": "PC-PTSD-5 · post-traumatic stress, past month",
    "mdq": "MDQ · mood disorder (bipolar)",
    "cssrs_screen": "C-SSRS screen · suicide risk, past month",
}
#: the API's screening keys, in its order.
SCREENING_KEYS = (
    *("phq9", "gad7", "pc_ptsd5", "mdq", "msi_bpd", "audit_c", "dast10", "sds", "cssrs_screen"),
    "ciwa_b",
)


def _answer(raw: str | None, yes_no: bool) -> Any:
    """A posted answer: None when blank; a bool or an int; the raw text when unreadable."""
    text = (raw or "").strip().lower()
    if not text:
        return None
    if yes_no:
        return True if text in _YES else False if text in _NO else text
    return int(text) if text.isdigit() else text


def _items(form: Mapping[str, Any], prefix: str, count: int, yes_no: bool) -> list[Any]:
    return [_answer(form.get(f"{prefix}.{n}"), yes_no) for n in range(count)]


def _whole(name: str, answers: list[Any], errors: Errors) -> list[Any] | None:
    """The items when all or none are answered; otherwise an error naming how many are open."""
    open_items = sum(answer is None for answer in answers)
    if open_items == len(answers):
        return None
    if open_items:
        errors[f"screenings.{name}"] = [
            f"{open_items} of {len(answers)} answers are missing: answer every item, "
            "or leave them all blank to skip this instrument."
        ]
        return None
    return answers


def _pc_ptsd5(form: Mapping[str, Any], errors: Errors) -> dict[str, Any] | None:
    exposed = _answer(form.get("screenings.pc_ptsd5.trauma_exposure"), True)
    items = _items(form, "screenings.pc_ptsd5.items", 5, True)
    if exposed is None and all(i is None for i in items):
        return None
    if exposed is False:  # the five items are not asked without a traumatic event
        return {"trauma_exposure": False}
    whole = _whole("pc_ptsd5", [exposed, *items], errors)
    return {"trauma_exposure": exposed, "items": items} if whole else None


def _mdq(form: Mapping[str, Any], errors: Errors) -> dict[str, Any] | None:
    items = _items(form, "screenings.mdq.items", mdq.ITEM_COUNT, True)
    same = _answer(form.get("screenings.mdq.same_period"), True)
    problem = (form.get("screenings.mdq.problem") or "").strip() or None
    if not _whole("mdq", [*items, same, problem], errors):
        return None
    return {"items": items, "same_period": same, "problem": problem}


def _cssrs(form: Mapping[str, Any]) -> dict[str, Any] | None:
    keys = (*ALWAYS_ASKED, *ASKED_AFTER_Q2, "q6_recent")
    answers = {k: _answer(form.get(f"screenings.cssrs_screen.{k}"), True) for k in keys}
    given = {key: value for key, value in answers.items() if value is not None}
    return given or None


def instrument_value(name: str, form: Mapping[str, Any], errors: Errors) -> Any:
    """One instrument's answers in the API's shape (None when not answered at all)."""
    if name == "pc_ptsd5":
        return _pc_ptsd5(form, errors)
    if name == "mdq":
        return _mdq(form, errors)
    if name == "cssrs_screen":
        return _cssrs(form)
    instrument = BY_KEY[name]
    answers = _items(form, f"screenings.{name}", len(instrument.items), instrument.yes_no)
    return _whole(name, answers, errors)


def screenings_from(form: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
    """Every instrument answered on the form (a partly answered one adds to `errors`)."""
    values = {name: instrument_value(name, form, errors) for name in SCREENING_KEYS}
    return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class LiveScore:
    """What the live region says about one instrument."""

    title: str
    result: Any = None  # a ScreeningResult when complete
    partial: PartialScore | None = None
    waiting: str = ""  # what is still needed, in words
    problem: str = ""  # an answer the instrument cannot score


def _scorer(name: str, sex: str | None) -> Any:
    return lambda value: rules.score_screenings({name: value}, sex=sex)[name]


def live_score(name: str, form: Mapping[str, Any], sex: str | None) -> LiveScore:
    """The instrument's result from the answers posted so far, by its own scoring function
    (the one submit uses); a list instrument partly answered gets the range it can reach."""
    title = TITLES[name]
    try:
        if name in LIST_INSTRUMENTS:
            count, choices = LIST_INSTRUMENTS[name]
            answers = _items(form, f"screenings.{name}", count, BY_KEY[name].yes_no)
            partial = score_partial(answers, choices, _scorer(name, sex))
            return LiveScore(title, partial.lowest if partial.complete else None, partial)
        value = instrument_value(name, form, {})
        if name == "cssrs_screen" and (value is None or missing_answers(value)):
            open_keys = ", ".join(missing_answers(value or {}))
            return LiveScore(title, waiting=f"Still to answer: {open_keys}.")
        if value is None:
            return LiveScore(title, waiting="Answer every item to see the result.")
        return LiveScore(title, _scorer(name, sex)(value))
    except InstrumentInputError as problem:
        return LiveScore(title, problem=str(problem))
