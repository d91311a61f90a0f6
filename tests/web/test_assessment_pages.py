"""Screen 4 through the Flask test client: the intake assessment as a stepped form (each step
saved as a draft with the version it was rendered from), the live diazepam equivalent and
instrument scores, submit with what is missing, and the results page."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from core.extensions import db
from intake.assessments.models import Assessment, AssessmentStatus
from intake.instruments import score_audit_c, score_dast10, score_phq9
from tests.factories import add_to_caseload, make_client

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


@pytest.fixture
def client_id(app):
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


def test_every_step_saves_its_section_as_the_api_stores_it(sign_in, app, client_id):
    draft = fill_every_step(app, sign_in("intake"), start(sign_in("intake"), client_id))
    assert draft.substances == [
        {
            "substance": "lorazepam",
            "entered_name": "Ativan",
            "category": "benzodiazepine",
            "daily_dose_mg": 2.0,
            "prescribed": True,
            "taken_as_prescribed": True,
            "dose_confirmed": False,
        }
    ]  # fmt: skip  (and the blank rows are not saved)
    assert draft.dsm5["criteria"]["tolerance"] is True
    assert draft.dsm5["criteria"]["craving"] is False
    assert draft.dsm5["medically_supervised"] is True
    assert draft.screenings == {"phq9": PHQ9}
    assert draft.psychiatric_history == ["anxiety"]
    assert draft.withdrawal_history == {"seizures": False, "delirium": False}
    assert draft.risk_factors["trauma"] is True and draft.risk_factors["easy_access"] is False
    assert draft.pregnancy is None
    assert draft.dimensions["readiness"] == {"rating": 1}
    assert draft.goals == {"ideas": "Come off slowly", "what_health_looks_like": "Working"}


def test_the_whole_journey_dependence_without_addiction(sign_in, app, client_id):
    intake = sign_in("intake")
    aid = start(intake, client_id)
    fill_every_step(app, intake, aid)
    review = intake.get(f"/assessments/{aid}/submit")
    assert "Every required section is complete" in text_of(review)
    submitted = intake.post(f"/assessments/{aid}/submit", {"version": version_in(review)})
    assert submitted.status_code == 303
    assert submitted.headers["Location"] == f"/assessments/{aid}"

    results = intake.get(f"/assessments/{aid}")
    assert results.status_code == 200
    text = words(results)
    assert "Physical dependence, not addiction" in text
    assert "Not counted: tolerance, withdrawal" in text
    assert "Total diazepam equivalent: 20 mg per day" in text
    assert "Level 1: outpatient (outpatient)" in text
    assert "needs at least level 1" in text  # the rationale, sentence by sentence
    assert "depression" in text and "anxiety" in text  # flags raised
    assert "Place this client" not in text  # intake may not place
    assert stored(app, aid).status is AssessmentStatus.SUBMITTED
    # A submitted assessment's steps lead to its results.
    assert intake.get(step_url(aid, "dsm5")).headers["Location"] == f"/assessments/{aid}"


def test_a_use_disorder_reads_as_addiction_and_a_clinician_may_place(sign_in, app, client_id):
    clinician = sign_in("clinician")
    aid = start(clinician, client_id)
    row = lorazepam_row(
        1, **{"substances.1.prescribed": [""], "substances.1.taken_as_prescribed": [""]}
    )
    assert save(clinician, aid, "substances", row).status_code == 303
    assert stored(app, aid).substances[0]["substance"] == "lorazepam"  # row 1 was the filled one
    met = {"tolerance", "withdrawal", "craving", "cut_down"}
    assert save(clinician, aid, "dsm5", dsm5_form("Ativan", False, met)).status_code == 303
    assert save(clinician, aid, "dimensions", ratings_form(relapse_potential=3)).status_code == 303
    review = clinician.get(f"/assessments/{aid}/submit")
    assert (
        clinician.post(f"/assessments/{aid}/submit", {"version": version_in(review)}).status_code
        == 303
    )
    results = clinician.get(f"/assessments/{aid}")
    text = words(results)
    assert "A moderate substance use disorder (addiction)" in text
    assert "4 of the 11 DSM-5 criteria count" in text
    assert "There is also physical dependence" in text
    assert "Level 2.5: partial hospitalisation" in text
    assert "Relapse or continued-use potential" in text  # the driving dimension
    assert f'href="/assessments/{aid}/placement"' in text_of(results)


def test_a_stale_save_reloads_with_a_message_and_changes_nothing(sign_in, app, client_id):
    intake = sign_in("intake")
    aid = start(intake, client_id)
    opened = intake.get(step_url(aid, "goals"))
    old_version = version_in(opened)
    other = sign_in("intake")
    assert save(other, aid, "goals", {"goals.ideas": "Theirs"}).status_code == 303

    stale = intake.post(
        step_url(aid, "goals"), {"version": old_version, "go": "next", "goals.ideas": "Mine"}
    )
    assert stale.status_code == 412
    text = text_of(stale)
    assert 'id="stale-notice"' in text
    assert "changed by someone else" in text.lower() and "re-enter your change" in text
    assert "Theirs" in text  # reloaded with their version
    assert version_in(stale) != old_version
    assert stored(app, aid).goals == {"ideas": "Theirs"}


def test_a_concurrent_write_caught_at_flush_also_reloads(sign_in, app, client_id, monkeypatch):
    from sqlalchemy.orm.exc import StaleDataError

    from intake.assessments import service

    intake = sign_in("intake")
    aid = start(intake, client_id)

    def lost_race(*_args, **_kw):
        raise StaleDataError("UPDATE statement on table 'assessments' matched 0 rows")

    monkeypatch.setattr(service, "update_assessment", lost_race)
    answer = save(intake, aid, "goals", {"goals.ideas": "Mine"})
    assert answer.status_code == 412
    assert 'id="stale-notice"' in text_of(answer)


def test_back_saves_and_goes_to_the_step_before(sign_in, app, client_id):
    intake = sign_in("intake")
    aid = start(intake, client_id)
    answer = save(intake, aid, "dimensions", ratings_form(readiness=2), go="back")
    assert answer.status_code == 303 and answer.headers["Location"] == step_url(aid, "risk")
    assert stored(app, aid).dimensions["readiness"] == {"rating": 2}
    page = intake.get(step_url(aid, "dimensions")).get_data(as_text=True)
    assert re.search(r'name="dimensions.readiness.rating" value="2" checked', page)


def test_submit_lists_what_is_missing_with_links_to_the_steps(sign_in, app, client_id):
    intake = sign_in("intake")
    aid = start(intake, client_id)
    assert save(intake, aid, "substances", lorazepam_row()).status_code == 303
    partial = {"dsm5.primary_substance": "lorazepam", "dsm5.criteria.craving": "yes"}
    assert save(intake, aid, "dsm5", partial).status_code == 303

    refused = intake.post(f"/assessments/{aid}/submit")
    assert refused.status_code == 422
    text = text_of(refused)
    assert 'id="submit-refused"' in text
    assert f'href="/assessments/{aid}/steps/dsm5#f-dsm5.medically_supervised"' in text
    assert f'href="/assessments/{aid}/steps/dsm5#f-dsm5.criteria.tolerance"' in text
    assert f'href="/assessments/{aid}/steps/dimensions#f-dimensions"' in text
    assert 'steps/dsm5#f-dsm5.criteria.craving"' not in text  # answered
    assert stored(app, aid).status is AssessmentStatus.DRAFT
    # A draft opened by its link resumes at its first step with answers missing.
    assert intake.get(f"/assessments/{aid}").headers["Location"] == step_url(aid, "dsm5")


def test_a_rule_broken_at_submit_names_the_field(sign_in, app, client_id):
    intake = sign_in("intake")
    aid = start(intake, client_id)
    row = lorazepam_row(**{"substances.0.daily_dose_mg": ""})
    assert save(intake, aid, "substances", row).status_code == 303
    assert save(intake, aid, "dsm5", dsm5_form("lorazepam", False, set())).status_code == 303
    assert save(intake, aid, "dimensions", ratings_form()).status_code == 303
    refused = intake.post(f"/assessments/{aid}/submit")
    assert refused.status_code == 422
    text = text_of(refused)
    assert 'steps/substances#f-substances.0.daily_dose_mg"' in text
    assert "Required for a current benzodiazepine or z-drug." in text


def test_schema_errors_show_beside_the_row_they_came_from(sign_in, app, client_id):
    intake = sign_in("intake")
    aid = start(intake, client_id)
    bad = {"rows": "3", "substances.2.substance": "Xanx", "substances.2.category": "benzodiazepine"}
    answer = save(intake, aid, "substances", bad)
    assert answer.status_code == 422
    text = text_of(answer)
    assert 'id="substances.2.substance-error"' in text
    assert "Not a known benzodiazepine or z-drug" in text
    assert 'value="Xanx"' in text  # what was typed is kept
    assert stored(app, aid).substances is None


def test_add_another_row_saves_and_shows_one_more(sign_in, app, client_id):
    intake = sign_in("intake")
    aid = start(intake, client_id)
    answer = save(intake, aid, "substances", lorazepam_row(), go="more")
    assert answer.status_code == 303
    page = intake.get(answer.headers["Location"])
    assert 'name="substances.2.substance"' in page.get_data(as_text=True)
    assert 'value="Ativan"' in page.get_data(as_text=True)
    assert len(stored(app, aid).substances) == 1


def test_a_partly_answered_instrument_is_not_saved(sign_in, app, client_id):
    intake = sign_in("intake")
    aid = start(intake, client_id)
    answer = save(intake, aid, "screenings", {"screenings.gad7.0": "2", "screenings.gad7.1": "1"})
    assert answer.status_code == 422
    assert "5 of 7 answers are missing" in text_of(answer)
    assert stored(app, aid).screenings is None


def test_the_equivalent_fragment_for_a_brand_equals_the_apis(sign_in, login_as, app, client_id):
    intake = sign_in("intake")
    fragment = intake.htmx("GET", "/assessments/equivalent", {"name": "Xanax", "dose_mg": "2"})
    assert fragment.status_code == 200
    text = text_of(fragment)
    assert "<html" not in text
    shown = float(re.search(r"≈ ([\d.]+) mg diazepam", text).group(1))
    assert "alprazolam" in text

    api = login_as("intake")
    draft = api.post(f"/api/v1/clients/{client_id}/assessments", json={})
    sections = {
        "substances": [
            {"substance": "Xanax", "category": "benzodiazepine", "daily_dose_mg": 2,
             "prescribed": False, "taken_as_prescribed": False}
        ],
        "dsm5": {"primary_substance": "alprazolam", "medically_supervised": False,
                 "criteria": dict.fromkeys(CRITERIA, False)},
        "dimensions": {key: {"rating": 0} for key in DIMENSIONS},
    }  # fmt: skip
    headers = {"If-Match": draft.headers["ETag"]}
    assert (
        api.patch(
            f"/api/v1/assessments/{draft.get_json()['id']}", json=sections, headers=headers
        ).status_code
        == 200
    )
    results = api.post(f"/api/v1/assessments/{draft.get_json()['id']}/submit").get_json()["results"]
    assert shown == results["diazepam_equivalent_mg_per_day"] == 40


def test_the_equivalent_fragment_for_a_row_and_without_an_equivalent(sign_in):
    intake = sign_in("intake")
    row = intake.htmx(
        "GET",
        "/assessments/equivalent",
        {"row": "1", "substances.1.substance": "klonopin", "substances.1.daily_dose_mg": "1"},
    )
    assert "≈ 20 mg diazepam" in text_of(row)
    etizolam = intake.htmx("GET", "/assessments/equivalent", {"name": "etizolam", "dose_mg": "1"})
    assert "no single published equivalent" in text_of(etizolam)
    unknown = intake.htmx(
        "GET", "/assessments/equivalent", {"name": "Xanx", "category": "benzodiazepine"}
    )
    assert "Not a known benzodiazepine or z-drug name" in text_of(unknown)
    assert (
        text_of(
            intake.htmx("GET", "/assessments/equivalent", {"name": "heroin", "category": "opioid"})
        ).strip()
        == ""
    )


def test_the_live_score_fragment_equals_the_instruments_scoring(sign_in, client_id):
    intake = sign_in("intake")
    aid = start(intake, client_id)
    answers = [3, 3, 2, 2, 2, 1, 1, 1, 1]
    form = {f"screenings.phq9.{n}": str(v) for n, v in enumerate(answers)}
    fragment = intake.htmx("POST", f"/assessments/{aid}/scores/phq9", form)
    assert fragment.status_code == 200
    expected = score_phq9(answers)
    text = " ".join(text_of(fragment).split())
    assert f"Score {expected.score} · {expected.band.replace('_', ' ')}" in text
    assert "positive screen" in text and "Item 9 is above 0" in text


def live(browser, aid: int, name: str, form: dict) -> str:
    return words(browser.htmx("POST", f"/assessments/{aid}/scores/{name}", form))


def test_the_live_score_while_answering_and_the_sex_specific_cut_off(sign_in, app):
    with app.app_context():
        male = make_client(sex="male")
        db.session.commit()
    intake = sign_in("intake")
    aid = start(intake, male)
    partial = {"screenings.dast10.0": "yes", "screenings.dast10.2": "no"}
    text = " ".join(
        text_of(intake.htmx("POST", f"/assessments/{aid}/scores/dast10", partial)).split()
    )
    low = score_dast10([True, False, False] + [False] * 7).score
    high = score_dast10([True, True, False] + [True] * 7).score
    assert f"2 of 10 answered · score so far {low} to {high}" in text
    audit = {"screenings.audit_c.0": "1", "screenings.audit_c.1": "1", "screenings.audit_c.2": "1"}
    text = " ".join(
        text_of(intake.htmx("POST", f"/assessments/{aid}/scores/audit_c", audit)).split()
    )
    expected = score_audit_c([1, 1, 1], sex="male")
    assert f"Score {expected.score}" in text and "negative screen (cut-off 4)" in text
    cssrs = {"screenings.cssrs_screen.q1": "yes", "screenings.cssrs_screen.q2": "yes"}
    text = live(intake, aid, "cssrs_screen", cssrs)
    assert "Still to answer: q3, q4, q5, q6." in text


def test_a_counsellor_gets_404_for_another_caseloads_assessment(sign_in, app):
    counsellor = sign_in("counsellor")
    with app.app_context():
        mine, theirs = make_client(), make_client()
        add_to_caseload(counsellor.user_id, mine)
        db.session.commit()
    clinician = sign_in("clinician")
    their_assessment = start(clinician, theirs)
    my_assessment = start(counsellor, mine)
    assert counsellor.get(step_url(my_assessment, "substances")).status_code == 200
    missing = counsellor.get("/assessments/999999")
    for url in (f"/assessments/{their_assessment}", step_url(their_assessment, "goals")):
        other = counsellor.get(url)
        assert other.status_code == 404, url
        assert other.get_data() == missing.get_data()
    posted = counsellor.post(step_url(their_assessment, "goals"), {"goals.ideas": "x"})
    assert posted.status_code == 404
    score = counsellor.htmx("POST", f"/assessments/{their_assessment}/scores/phq9", {})
    assert score.status_code == 404
    assert counsellor.post(f"/clients/{theirs}/assessments").status_code == 404


def test_roles_are_the_apis(sign_in, app, client_id):
    intake = sign_in("intake")
    aid = start(intake, client_id)
    manager = sign_in("manager")
    assert manager.post(f"/clients/{client_id}/assessments").status_code == 403
    assert manager.get(step_url(aid, "substances")).status_code == 403
    draft = manager.get(f"/assessments/{aid}")  # may read: a draft says it is in progress
    assert draft.status_code == 200 and "still being filled in" in text_of(draft)
    assert sign_in("admin").get(f"/assessments/{aid}").status_code == 403


def test_a_post_without_the_csrf_token_is_refused(sign_in, app, client_id):
    intake = sign_in("intake")
    aid = start(intake, client_id)
    page = intake.get(step_url(aid, "goals"))
    refused = intake.http.post(
        step_url(aid, "goals"), data={"version": version_in(page), "goals.ideas": "x"}
    )
    assert refused.status_code == 403
    assert intake.http.post(f"/clients/{client_id}/assessments").status_code == 403
    assert intake.http.post(f"/assessments/{aid}/scores/phq9", data={}).status_code == 403
    assert stored(app, aid).goals is None


def test_every_step_page_labels_its_controls_and_has_no_client_data_in_the_title(
    sign_in, app, client_id
):
    with app.app_context():
        named = make_client(first_name="Zebedee", last_name="Quill")
        db.session.commit()
    intake = sign_in("intake")
    aid = start(intake, named)
    for step in ("substances", "dsm5", "screenings", "history", "risk", "dimensions", "goals"):
        page = intake.get(step_url(aid, step))
        text = page.get_data(as_text=True)
        assert page.status_code == 200, step
        title = re.search(r"<title>(.*?)</title>", text, re.S).group(1)
        assert "Zebedee" not in title and "Quill" not in title
        assert "<script>" not in text and "hx-on" not in text
        ids = set(re.findall(r'<label for="([^"]+)"', text))
        for control in re.findall(r"<(?:input|select|textarea)\b[^>]*>", text):
            if 'type="hidden"' in control:
                continue
            control_id = re.search(r'id="([^"]+)"', control)
            assert control_id and control_id.group(1) in ids, (step, control)
        assert 'aria-current="step"' in text
