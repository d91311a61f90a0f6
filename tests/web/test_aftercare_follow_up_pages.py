"""Screen 10, the follow-up list and the follow-up page, through the Flask test client: the
list's filters (open, overdue, due, completed; mine or all; bad filters a 422 naming the
field), pagination and a query count constant in its rows; the outcome form (a relapse
recorded and the re-engagement recommendation shown, with the later episode that names the
case; errors beside the fields, nothing saved; a second recording refused); the last
follow-up ending a counsellor's access; caseload filtering and roles."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from aftercare.follow_ups.models import FollowUp, FollowUpOutcome
from aftercare.plans.models import AftercarePlan
from cases.episodes.models import Case
from core.audit import AuditEvent
from core.clock import centre_today, centre_zone
from core.extensions import db
from intake.clients.models import Client
from intake.flags.models import Flag
from tests.factories import make_case, make_submitted_assessment, statements
from tests.web.test_aftercare_pages import discharge, save


@pytest.fixture
def counsellor(sign_in):
    return sign_in("counsellor", name="Cass Counsellor")


@pytest.fixture
def clinician(sign_in):
    return sign_in("clinician")


@pytest.fixture
def discharged(app, counsellor, clinician):
    """A case with an agreed plan discharged as completed 10 days ago: its 7-day follow-up
    is overdue, the 30- and 90-day ones due."""
    with app.app_context():
        case_id = make_case(counsellor.user_id)
        db.session.commit()
    assert save(counsellor, case_id).status_code == 303
    assert discharge(app, clinician, case_id, days_ago=10).status_code == 303
    return case_id


def follow_ups_of(app, case_id: int) -> dict[int, FollowUp]:
    with app.app_context():
        rows = db.session.scalars(sa.select(FollowUp).where(FollowUp.case_id == case_id))
        return {f.offset_days: f for f in rows}


def listed(browser, query: str = "", status: int = 200) -> str:
    answer = browser.get(f"/follow-ups{query}")
    assert answer.status_code == status, answer.get_data(as_text=True)[:800]
    return answer.get_data(as_text=True)


def local_now(app, **delta) -> str:
    with app.app_context():
        moment = datetime.now(UTC).astimezone(centre_zone()) + timedelta(**delta)
    return moment.strftime("%Y-%m-%dT%H:%M")


def record(app, browser, follow_up_id: int, outcome: str = "abstinent", **fields):
    body = {"contacted_at": local_now(app), "outcome": outcome, "notes": "Phoned; doing well."}
    return browser.post(f"/follow-ups/{follow_up_id}/complete", {**body, **fields})


def test_the_list_filters_by_status_and_whose(app, sign_in, counsellor, discharged):
    due = follow_ups_of(app, discharged)
    text = listed(counsellor)  # default: open, mine
    for days in (7, 30, 90):
        assert f'href="/follow-ups/{due[days].id}"' in text
    assert '<span class="badge urgent">overdue</span>' in text and "Cass Counsellor" in text
    overdue = listed(counsellor, "?status=overdue&whose=mine")
    assert f"/follow-ups/{due[7].id}" in overdue and f"/follow-ups/{due[30].id}" not in overdue
    assert f"/follow-ups/{due[7].id}" not in listed(counsellor, "?status=due")
    assert "No follow-ups match." in listed(counsellor, "?status=completed")
    assert "No follow-ups match." in listed(sign_in("counsellor"), "?whose=all")  # caseload
    manager = sign_in("manager")
    everyone = listed(manager)
    assert f"/follow-ups/{due[90].id}" in everyone and "Assigned to me" not in everyone
    assert "record the outcome" not in everyone


def test_bad_filters_are_a_422_naming_the_field(app, sign_in, counsellor):
    text = listed(counsellor, "?status=soon", 422)
    assert 'id="fu-status-error"' in text and "Choose one of the offered statuses." in text
    assert 'id="fu-page-error"' not in text
    assert "Not a valid integer." in listed(counsellor, "?page=two", 422)
    assert 'id="fu-whose-error"' in listed(sign_in("manager"), "?whose=mine", 422)


def _more_follow_ups(app, counsellor_id: int, cases: int) -> None:
    with app.app_context():
        for _ in range(cases):
            case = db.session.get(Case, make_case(counsellor_id))
            for days in (7, 30, 90):
                db.session.add(
                    FollowUp(
                        case_id=case.id,
                        client_id=case.client_id,
                        offset_days=days,
                        due_on=centre_today() + timedelta(days=days),
                        assigned_to_id=counsellor_id,
                    )
                )
        db.session.commit()


def test_the_list_is_paginated_and_its_query_count_constant_in_its_rows(app, sign_in, counsellor):
    other = sign_in("counsellor", name="Other Counsellor")
    _more_follow_ups(app, counsellor.user_id, 1)
    listed(counsellor)  # warm up
    with statements(app) as few:
        text = listed(counsellor, "?whose=all")
    assert text.count('<tr id="follow-up-') == 3
    _more_follow_ups(app, counsellor.user_id, 7)
    _more_follow_ups(app, other.user_id, 1)  # another caseload: never listed
    with statements(app) as many:
        text = listed(counsellor, "?whose=all")
    assert text.count('<tr id="follow-up-') == 24 and "Other Counsellor" not in text
    assert len(many) == len(few), "\n".join(many)
    assert len(few) == 7, len(few)  # pinned: the same on SQLite and PostgreSQL
    _more_follow_ups(app, counsellor.user_id, 1)
    first = listed(counsellor)
    assert "page 1 of 2" in first and "Next page" in first
    second = listed(counsellor, "?status=open&whose=mine&page=2")
    assert second.count('<tr id="follow-up-') == 2 and "Previous page" in second


def test_a_relapse_is_recorded_and_re_engagement_recommended(
    app, counsellor, clinician, discharged
):
    seven = follow_ups_of(app, discharged)[7]
    page = counsellor.get(f"/follow-ups/{seven.id}").get_data(as_text=True)
    assert 'id="outcome-form"' in page and 'id="re-engagement"' not in page
    done = record(app, counsellor, seven.id, "relapse", notes="Drinking daily again.")
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/follow-ups/{seven.id}")
    with app.app_context():
        stored = db.session.get(FollowUp, seven.id)
        assert (stored.outcome, stored.completed_by_id) == (
            FollowUpOutcome.RELAPSE,
            counsellor.user_id,
        )
        case = db.session.get(Case, discharged)
        assert case.re_engagement_recommended
        flags = db.session.scalars(sa.select(Flag.type).where(Flag.client_id == case.client_id))
        assert "relapse" in list(flags)
        client_id = case.client_id
    page = counsellor.get(f"/follow-ups/{seven.id}").get_data(as_text=True)
    assert "Relapse: back to the old pattern" in page and "Drinking daily again." in page
    assert 'id="re-engagement"' in page and f'href="/clients/{client_id}"' in page
    assert 'id="outcome-form"' not in page
    plan_page = counsellor.get(f"/cases/{discharged}/aftercare").get_data(as_text=True)
    assert 'id="re-engagement"' in plan_page


def test_a_new_episode_after_the_relapse_is_linked_both_ways(
    app, counsellor, clinician, discharged
):
    seven = follow_ups_of(app, discharged)[7]
    assert record(app, counsellor, seven.id, "relapse").status_code == 303
    with app.app_context():
        client_id = db.session.get(Case, discharged).client_id
        assessment_id = make_submitted_assessment(client_id, recommended_level="2.1")
        db.session.commit()
    placed = clinician.post(
        f"/assessments/{assessment_id}/placement",
        {
            "level": "2.1",
            "primary_counsellor_id": counsellor.user_id,
            "previous_case_id": discharged,
        },
    )
    assert placed.status_code in (302, 303), placed.get_data(as_text=True)[:800]
    with app.app_context():
        later = db.session.scalar(sa.select(Case.id).where(Case.previous_case_id == discharged))
    page = counsellor.get(f"/follow-ups/{seven.id}").get_data(as_text=True)
    assert f'href="/cases/{later}">case {later}</a>' in page
    newer = counsellor.get(f"/cases/{later}/aftercare").get_data(as_text=True)
    assert 'id="previous-episode"' in newer and f'href="/cases/{discharged}"' in newer


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"notes": ""}, "notes", "Missing data for required field."),
        ({"outcome": "better"}, "outcome", "Must be one of"),
        ({"contacted_at": "soon"}, "contacted_at", "Not a valid datetime."),
        ({"contacted_at": "FUTURE"}, "contacted_at", "The contact time is in the future."),
        ({"contacted_at": "EARLY"}, "contacted_at", "before the discharge date"),
    ],
)
def test_outcome_errors_are_beside_the_field_and_nothing_is_saved(
    app, counsellor, discharged, fields, field, message
):
    seven = follow_ups_of(app, discharged)[7]
    if fields.get("contacted_at") == "FUTURE":
        fields = {"contacted_at": local_now(app, days=1)}
    elif fields.get("contacted_at") == "EARLY":
        fields = {"contacted_at": local_now(app, days=-12)}
    refused = record(app, counsellor, seven.id, **fields)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    found = re.search(rf'<p class="error" id="of-{field}-error">(.*?)</p>', text)
    assert found and message in html.unescape(found.group(1))
    assert "Phoned; doing well." in text or field == "notes"  # the form keeps what was typed
    assert follow_ups_of(app, discharged)[7].completed_at is None


def test_a_second_recording_is_refused(app, sign_in, counsellor, discharged):
    seven = follow_ups_of(app, discharged)[7]
    opened = sign_in("clinician")
    assert record(app, counsellor, seven.id).status_code == 303
    again = record(app, opened, seven.id, "relapse")
    assert again.status_code == 409 and "already completed" in again.get_data(as_text=True)
    assert follow_ups_of(app, discharged)[7].outcome is FollowUpOutcome.ABSTINENT


def test_the_last_follow_up_ends_the_counsellors_access(app, counsellor, discharged):
    due = follow_ups_of(app, discharged)
    for days in (7, 30):
        assert record(app, counsellor, due[days].id).status_code == 303
    last = record(app, counsellor, due[90].id, "lapse")
    assert last.status_code == 200
    text = last.get_data(as_text=True)
    assert 'id="aftercare-ended"' in text and "Lapse: a single slip" in text
    assert counsellor.get(f"/follow-ups/{due[90].id}").status_code == 404
    assert f"/follow-ups/{due[90].id}" not in listed(counsellor, "?status=any")


def test_another_caseload_and_the_roles(app, sign_in, discharged):
    seven = follow_ups_of(app, discharged)[7]
    stranger = sign_in("counsellor")
    other, missing = stranger.get(f"/follow-ups/{seven.id}"), stranger.get("/follow-ups/999999")
    assert (
        other.status_code == missing.status_code == 404 and other.get_data() == missing.get_data()
    )
    assert record(app, stranger, seven.id).status_code == 404
    manager = sign_in("manager")
    page = manager.get(f"/follow-ups/{seven.id}").get_data(as_text=True)
    assert "Not recorded yet." in page and 'id="outcome-form"' not in page
    assert record(app, manager, seven.id).status_code == 403
    assert sign_in("intake").get("/follow-ups").status_code == 403
    assert follow_ups_of(app, discharged)[7].completed_at is None


def _contacts(app, case_id: int, count: int) -> None:
    """Give the case's plan `count` support contacts (its stored content, directly)."""
    with app.app_context():
        stmt = sa.select(AftercarePlan).where(AftercarePlan.case_id == case_id)
        plan = db.session.scalars(stmt).one()
        people = [
            {"name": f"Friend {n}", "relationship": "friend", "phone": f"0{n}"}
            for n in range(count)
        ]
        plan.content = {**plan.content, "support_contacts": people}
        db.session.commit()


def test_the_follow_up_page_says_who_to_call(app, counsellor, discharged):
    seven = follow_ups_of(app, discharged)[7]
    with app.app_context():
        client_id = db.session.get(Case, discharged).client_id
        db.session.get(Client, client_id).phone = "+1 555 0199"
        db.session.commit()
    page = counsellor.get(f"/follow-ups/{seven.id}").get_data(as_text=True)
    call = page[page.index('id="contacts"') : page.index("</section>", page.index('id="contacts"'))]
    assert 'id="client-phone">+1 555 0199<' in call
    assert "<li>Sam Reyes (sponsor), +1 555 0100</li>" in call
    assert 'id="crisis-line">988<' in call and "agreed with the client (version 1)" in call
    with app.app_context():
        reads = db.session.scalars(
            sa.select(AuditEvent.action).where(
                AuditEvent.actor_id == counsellor.user_id, AuditEvent.client_id == client_id
            )
        ).all()
    assert "aftercare_plan.read" in reads


#: The follow-up page's statements: session and user, the follow-up, the case, the plan (the
#: contacts to call), the staff names, the client, the later episodes, their audit inserts
#: and the savepoints. The same on SQLite and PostgreSQL, however many contacts the plan has.
FOLLOW_UP_STATEMENTS = 13


def test_the_follow_up_page_query_count_is_pinned(app, counsellor, discharged):
    seven = follow_ups_of(app, discharged)[7]
    counsellor.get(f"/follow-ups/{seven.id}")  # warm up
    with statements(app) as seen:
        assert counsellor.get(f"/follow-ups/{seven.id}").status_code == 200
    assert len(seen) == FOLLOW_UP_STATEMENTS, "\n".join(seen)
    _contacts(app, discharged, 6)
    with statements(app) as more:
        page = counsellor.get(f"/follow-ups/{seven.id}").get_data(as_text=True)
    assert page.count("(friend), 0") == 6 and "<li>Friend 5 (friend), 05</li>" in page
    assert len(more) == FOLLOW_UP_STATEMENTS, "\n".join(more)
