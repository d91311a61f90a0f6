"""Screens 1, 2, 3 and 5 through the Flask test client: sign-in, my day, search, register
with the duplicate warning, the client page and its flag actions."""

from __future__ import annotations

import re

from core.audit import AuditEvent
from core.extensions import db
from tests.factories import add_to_caseload, make_client


def test_pages_need_a_signed_in_session(client):
    answer = client.get("/clients")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/sign-in?next=/clients")


def test_a_wrong_password_is_refused_on_the_form(client, app):
    from tests.factories import make_user

    with app.app_context():
        make_user("intake", email="form@test.centre")
        db.session.commit()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="signin_token" value="([^"]+)"', page).group(1)
    answer = client.post(
        "/sign-in",
        data={"email": "form@test.centre", "password": "wrong-password-1", "signin_token": token},
    )
    assert answer.status_code == 401
    assert "Invalid email or password" in answer.get_data(as_text=True)


def test_sign_in_without_the_form_token_is_refused(client):
    answer = client.post("/sign-in", data={"email": "a@b.c", "password": "x"})
    assert answer.status_code == 400


def test_my_day_renders_for_every_role(sign_in):
    for role in ("intake", "counsellor", "clinician", "manager", "admin"):
        page = sign_in(role).get("/")
        assert page.status_code == 200, role
        assert page.headers["Cache-Control"] == "no-store"
        assert "script-src 'self';" in page.headers["Content-Security-Policy"]


def test_register_then_duplicate_warning_then_override(sign_in):
    intake = sign_in("intake")
    person = {"first_name": "Ann", "last_name": "Lee", "date_of_birth": "1980-01-02"}
    created = intake.post("/clients/new", person)
    assert created.status_code == 303
    again = intake.post("/clients/new", person)
    assert again.status_code == 409 and 'id="duplicate-warning"' in again.get_data(as_text=True)
    no_reason = intake.post("/clients/new", {**person, "allow_duplicate": "true"})
    assert no_reason.status_code == 422
    assert "Give a reason" in no_reason.get_data(as_text=True)
    anyway = intake.post(
        "/clients/new", {**person, "allow_duplicate": "true", "duplicate_reason": "Twin"}
    )
    assert anyway.status_code == 303


def test_form_errors_name_the_field(sign_in):
    answer = sign_in("intake").post("/clients/new", {"last_name": "Lee"})
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert 'id="first_name-error"' in text and 'id="date_of_birth-error"' in text


def test_a_form_post_without_the_csrf_token_is_refused(sign_in):
    intake = sign_in("intake")
    answer = intake.http.post("/clients/new", data={"first_name": "A", "last_name": "B"})
    assert answer.status_code == 403


def test_search_posts_the_words_and_shows_matches(sign_in, app):
    with app.app_context():
        make_client(first_name="Zebedee", last_name="Quill")
        db.session.commit()
    intake = sign_in("intake")
    found = intake.htmx("POST", "/clients/search", {"q": "zebed"})
    assert found.status_code == 200
    text = found.get_data(as_text=True)
    assert "Quill, Zebedee" in text and "<html" not in text


def test_one_or_two_characters_are_not_searched_and_the_page_says_why(sign_in, app):
    with app.app_context():
        make_client(first_name="Zebedee", last_name="Qu")
        db.session.commit()
    intake = sign_in("intake")
    short = intake.htmx("POST", "/clients/search", {"q": "qu"}).get_data(as_text=True)
    assert "Type at least 3 characters" in short and "Qu, Zebedee" not in short
    found = intake.htmx("POST", "/clients/search", {"q": "zeb"}).get_data(as_text=True)
    assert "Qu, Zebedee" in found and "Type at least" not in found


def test_a_counsellor_cannot_open_another_caseloads_client(sign_in, app):
    counsellor = sign_in("counsellor")
    with app.app_context():
        mine, theirs = make_client(), make_client()
        add_to_caseload(counsellor.user_id, mine)
        db.session.commit()
    assert counsellor.get(f"/clients/{mine}").status_code == 200
    other = counsellor.get(f"/clients/{theirs}")
    missing = counsellor.get("/clients/999999")
    assert other.status_code == missing.status_code == 404
    assert other.get_data() == missing.get_data()


def test_the_client_page_is_audited(sign_in, app):
    clinician = sign_in("clinician")
    with app.app_context():
        cid = make_client()
        db.session.commit()
    assert clinician.get(f"/clients/{cid}").status_code == 200
    with app.app_context():
        actions = db.session.scalars(
            db.select(AuditEvent.action).where(
                AuditEvent.client_id == cid, AuditEvent.actor_id == clinician.user_id
            )
        ).all()
    assert "client.read" in actions


def test_raise_acknowledge_and_resolve_a_flag(sign_in, app):
    clinician = sign_in("clinician")
    with app.app_context():
        cid = make_client()
        db.session.commit()
    raised = clinician.post(
        f"/clients/{cid}/flags", {"type": "suicide_risk", "severity": "urgent", "note": "Said so"}
    )
    assert raised.status_code == 303
    page = clinician.get(f"/clients/{cid}").get_data(as_text=True)
    flag_id = int(re.search(r'id="flag-(\d+)"', page).group(1))
    assert clinician.post(f"/flags/{flag_id}/acknowledge").status_code == 303
    assert "acknowledged" in clinician.get(f"/clients/{cid}").get_data(as_text=True)
    refused = clinician.post(f"/flags/{flag_id}/resolve", {})
    assert refused.status_code == 422
    assert clinician.post(f"/flags/{flag_id}/resolve", {"reason": "Safe now"}).status_code == 303
