"""My day renders the signed-in person's work queue, grouped by kind, with links to the pages
the work is done on (ids only, never a name), and their unread reminders."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from core.audit import AuditEvent
from core.clock import now
from core.extensions import db
from intake.clients.models import Client
from tests.factories import make_case, make_user
from tests.work import scenario
from work import tasks


def sections(html: str) -> list[str]:
    return re.findall(r'<section class="card[^"]*" id="work-([a-z-]+)"', html)


def test_a_counsellors_day_groups_the_queue_by_kind(app, sign_in):
    me = sign_in("counsellor")
    with app.app_context():
        case_id = make_case(me.user_id)
        client = scenario.case_of(case_id).client_id
        follow_up = scenario.follow_up(case_id, me.user_id)
        note = scenario.note(case_id, me.user_id, now() - timedelta(hours=30))
        scenario.note(case_id, me.user_id, now() - timedelta(hours=2))  # too fresh to list
        score = scenario.score(case_id, hours_ago=5)
        first_name = db.session.get(Client, client).first_name
        db.session.commit()

    page = me.get("/")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert sections(html) == ["withdrawal-check-due", "note-unsigned", "follow-up-due"]
    assert f'href="/cases/{case_id}#withdrawal"' in html
    assert f'href="/cases/{case_id}#note-{note}"' in html
    assert f'href="/cases/{case_id}#follow-ups"' in html
    assert "CIWA-B re-check" in html and "7-day follow-up" in html
    assert "Notes to sign (1)" in html
    assert "3 things to do, 2 overdue." in html
    assert first_name not in html  # ids only
    with app.app_context():
        shown = set(
            db.session.execute(
                sa.select(AuditEvent.record_type, AuditEvent.record_id).where(
                    AuditEvent.actor_id == me.user_id, AuditEvent.action == "work.list"
                )
            ).all()
        )
    assert shown == {("follow_up", follow_up), ("note", note), ("withdrawal_score", score)}


def test_unread_reminders_are_listed_with_their_links(app, sign_in):
    me = sign_in("counsellor")
    with app.app_context():
        case_id = make_case(me.user_id)
        scenario.follow_up(case_id, me.user_id)
        db.session.commit()
        tasks.sweep()

    html = me.get("/").get_data(as_text=True)

    reminders = html.split('id="reminders"')[1]
    assert "Unread reminders (1)" in reminders
    assert f'href="/cases/{case_id}#follow-ups">A follow-up due</a>' in reminders


def test_an_empty_queue_says_so_and_another_caseload_stays_out(app, sign_in):
    me, other = sign_in("counsellor"), sign_in("counsellor")
    with app.app_context():
        case_id = make_case(other.user_id)
        scenario.follow_up(case_id, other.user_id)
        scenario.score(case_id, hours_ago=6)
        db.session.commit()

    html = me.get("/").get_data(as_text=True)

    assert sections(html) == [] and "Your work queue is empty." in html
    assert sections(other.get("/").get_data(as_text=True)) == [
        "withdrawal-check-due",
        "follow-up-due",
    ]


def test_intake_staff_see_the_start_buttons_and_their_consents(app, sign_in):
    me = sign_in("intake")
    with app.app_context():
        case_id = make_case(make_user("counsellor"))
        client_id = scenario.case_of(case_id).client_id
        scenario.consent(client_id, me.user_id, now().date() + timedelta(days=3))
        db.session.commit()

    html = me.get("/").get_data(as_text=True)

    assert sections(html) == ["consent-expiring"]
    assert f'href="/clients/{client_id}">Consent of client {client_id}' in html
    assert "Register a client" in html
