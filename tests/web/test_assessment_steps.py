"""Screen 4 through the Flask test client: the intake assessment as a stepped form, each step
saved as a draft with the version it was rendered from (a stale save reloads), its
errors beside the fields, and every step page's labels and title."""

from __future__ import annotations

import re

from core.extensions import db
from tests.factories import make_client
from tests.web.assessment_helpers import (
    PHQ9,
    client_id_fixture,  # noqa: F401 (fixture)
    fill_every_step,
    lorazepam_row,
    ratings_form,
    save,
    start,
    step_url,
    stored,
    text_of,
    version_in,
)


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
