"""Helpers for the intake assessment page tests (screen 4, through the Flask test client):
a step's form read as a browser would post it, the sections' form fields, starting an
assessment and filling every step, and the `client_id` fixture."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from core.extensions import db
from intake.assessments.models import Assessment
from tests.factories import make_client

CRITERIA = (
    *("larger_longer", "cut_down", "time_spent", "craving", "role_failure", "social_problems"),
    *("activities_reduced", "hazardous_use", "physical_psych_problems", "tolerance", "withdrawal"),
)
DIMENSIONS = (
    *("withdrawal", "biomedical", "emotional_behavioural", "readiness", "relapse_potential"),
    "recovery_environment",
)
PHQ9 = [2, 2, 1, 1, 2, 1, 2, 1, 0]


def text_of(answer) -> str:
    return html.unescape(answer.get_data(as_text=True))


def words(answer) -> str:
    """The page's text as read: tags dropped, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", text_of(answer)).split())


def version_in(answer) -> str:
    found = re.search(r'name="version" value="([^"]+)"', answer.get_data(as_text=True))
    assert found, "the form carries the version it was rendered from"
    return html.unescape(found.group(1))


class FormReader(HTMLParser):
    """What a browser would post from the page's step form, as it was rendered: hidden
    inputs, filled fields, checked boxes and radios, selected options, textareas."""

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[tuple[str, str]] = []
        self.in_form = False
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "/steps/" in (a.get("action") or ""):
            self.in_form = True
        if not self.in_form or not a.get("name"):
            return
        kind = a.get("type", "text")
        if tag == "input" and kind in ("checkbox", "radio"):
            if "checked" in a:
                self.pairs.append((a["name"], a.get("value", "on")))
        elif tag == "input" and kind != "submit":
            self.pairs.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self.select = a["name"]
            self.pairs.append((a["name"], ""))
        elif tag == "textarea":
            self.textarea = a["name"]
            self.pairs.append((a["name"], ""))

    def handle_starttag_option(self, a):
        if self.select and "selected" in a:
            self.pairs[-1] = (self.select, a.get("value", ""))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self.textarea:
            self.pairs[-1] = (self.textarea, self.pairs[-1][1] + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def page_form(answer, changes: dict) -> dict[str, list[str]]:
    """The page's form as posted, with `changes` replacing the named fields' values."""
    reader = FormReader()
    original = reader.handle_starttag

    def starttag(tag, attrs):
        if tag == "option":
            reader.handle_starttag_option(dict(attrs))
        original(tag, attrs)

    reader.handle_starttag = starttag
    reader.feed(answer.get_data(as_text=True))
    posted: dict[str, list[str]] = {}
    for name, value in reader.pairs:
        posted.setdefault(name, []).append(html.unescape(value))
    for name, value in changes.items():
        posted[name] = list(value) if isinstance(value, list) else [value]
    return posted


def step_url(assessment_id: int, step: str) -> str:
    return f"/assessments/{assessment_id}/steps/{step}"


def save(browser, assessment_id: int, step: str, data: dict, go: str = "next"):
    """Open the step, then post its form as a browser would, with `data` filled in."""
    page = browser.get(step_url(assessment_id, step))
    assert page.status_code == 200, text_of(page)[:500]
    return browser.post(step_url(assessment_id, step), page_form(page, {"go": go, **data}))


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def dsm5_form(primary: str, supervised: bool, met: set[str]) -> dict:
    form = {"dsm5.primary_substance": primary, "dsm5.medically_supervised": yes_no(supervised)}
    form |= {f"dsm5.criteria.{key}": yes_no(key in met) for key in CRITERIA}
    return form


def ratings_form(**ratings: int) -> dict:
    return {f"dimensions.{key}.rating": str(ratings.get(key, 1)) for key in DIMENSIONS}


def lorazepam_row(row: int = 0, **extra) -> dict:
    p = f"substances.{row}."
    return {
        "rows": "3",
        p + "substance": "Ativan",
        p + "category": "benzodiazepine",
        p + "daily_dose_mg": "2",
        p + "prescribed": ["", "yes"],
        p + "taken_as_prescribed": ["", "yes"],
        **extra,
    }


@pytest.fixture(name="client_id")
def client_id_fixture(app):
    """A new client (female) to assess."""
    with app.app_context():
        cid = make_client(sex="female")
        db.session.commit()
    return cid


def start(browser, client_id: int) -> int:
    answer = browser.post(f"/clients/{client_id}/assessments")
    assert answer.status_code == 303
    found = re.fullmatch(r"/assessments/(\d+)/steps/substances", answer.headers["Location"])
    assert found, answer.headers["Location"]
    return int(found.group(1))


def stored(app, assessment_id: int) -> Assessment:
    with app.app_context():
        return db.session.get(Assessment, assessment_id)


JOURNEY = {
    "dsm5": dsm5_form("lorazepam", True, {"tolerance", "withdrawal"}),
    "screenings": {f"screenings.phq9.{n}": str(v) for n, v in enumerate(PHQ9)},
    "history": {
        "withdrawal_history.seizures": "no",
        "withdrawal_history.delirium": "no",
        "psychiatric_history": ["", "anxiety"],
    },
    "risk": {"risk_factors.trauma": ["", "yes"]},
    "dimensions": ratings_form(),
    "goals": {"goals.ideas": "Come off slowly", "goals.what_health_looks_like": "Working"},
}


def fill_every_step(app, browser, aid: int) -> Assessment:
    """Prescribed lorazepam (entered as Ativan), tolerance and withdrawal only: each step
    saved with "Save and continue", each leading to the next and the last to the review."""
    saved = save(browser, aid, "substances", lorazepam_row())
    assert saved.status_code == 303 and saved.headers["Location"] == step_url(aid, "dsm5")
    for step, data in JOURNEY.items():
        saved = save(browser, aid, step, data)
        assert saved.status_code == 303, (step, text_of(saved)[:300])
    assert saved.headers["Location"] == f"/assessments/{aid}/submit"
    return stored(app, aid)


def live(browser, aid: int, name: str, form: dict) -> str:
    return words(browser.htmx("POST", f"/assessments/{aid}/scores/{name}", form))
