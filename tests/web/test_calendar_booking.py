"""Booking from the calendar: the live conflict check (the booking service's own check, run
without saving) says who or what clashes and when; the submit books through the service, a
409 shows the same conflicts in words, and a refused booking saves nothing."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from cases.episodes.models import Case
from core.clock import centre_today
from core.extensions import db
from intake.clients.models import Client
from scheduling.sessions.models import SessionSeries, TherapySession
from tests.factories import make_case, make_user
from tests.web.test_calendar_support import at, make_room, make_session, said_day


def _count(app, model=TherapySession):
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def _named(case_id, first, last):
    client = db.session.get(Client, db.session.get(Case, case_id).client_id)
    client.first_name, client.last_name = first, last


def _world(app, me_id):
    """My two cases (one already booked at 10:00 next week in room Birch), and a free room."""
    with app.app_context():
        booked, free = make_case(me_id), make_case(me_id)
        _named(booked, "Robin", "Ashdown")
        birch, oak = make_room("Birch", 8), make_room("Oak", 8)
        day = centre_today() + timedelta(days=7)
        existing = make_session(me_id, [booked], at(app, day, 10), room_id=birch)[0]
        db.session.commit()
    return {"booked": booked, "free": free, "birch": birch, "oak": oak, "day": day, "id": existing}


def _group(w, me_id, **changes):
    form = {
        "type": "group",
        "facilitator_id": str(me_id),
        "room_id": str(w["birch"]),
        "day": w["day"].isoformat(),
        "start_time": "10:30",
        "duration_minutes": "60",
        "capacity": "6",
        "case_ids": [str(w["booked"]), str(w["free"])],
        "repeat": "weekly",
        "recurrence.count": "4",
    }
    form.update(changes)
    return form


def test_the_form_offers_only_my_bookable_cases(app, sign_in):
    me = sign_in("counsellor")
    with app.app_context():
        mine, theirs = make_case(me.user_id), make_case(make_user("counsellor"))
        waiting = make_case(me.user_id, status="waitlisted")
        db.session.commit()
    html = me.get("/calendar/book").get_data(as_text=True)
    assert f'value="{mine}"' in html
    assert f'id="f-case-{theirs}"' not in html and f'id="f-case-{waiting}"' not in html
    assert 'hx-post="/calendar/conflicts"' in html


def test_the_conflict_check_names_the_room_facilitator_and_client_and_saves_nothing(app, sign_in):
    me = sign_in("counsellor", name="Casey Counsellor")
    w = _world(app, me.user_id)
    before = _count(app)

    answer = me.htmx("POST", "/calendar/conflicts", _group(w, me.user_id))

    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    clash = f"the CBT session on {said_day(app, w['day'])} at 10:00-11:00."
    assert f"Room Birch is already booked for {clash}" in html
    assert f"Casey Counsellor is already facilitating {clash}" in html
    assert f"RA is already booked into {clash}" in html  # initials: my own client
    assert "Robin" not in html and f"session {w['id']}" not in html  # no name, no id
    assert _count(app) == before


def test_the_check_is_clear_once_time_and_room_change(app, sign_in):
    me = sign_in("counsellor")
    w = _world(app, me.user_id)
    answer = me.htmx(
        "POST",
        "/calendar/conflicts",
        _group(w, me.user_id, room_id=str(w["oak"]), start_time="11:00"),
    )
    assert 'id="conflict-clear"' in answer.get_data(as_text=True)


def test_an_incomplete_form_says_what_is_missing(app, sign_in):
    me = sign_in("counsellor")
    w = _world(app, me.user_id)
    answer = me.htmx(
        "POST", "/calendar/conflicts", _group(w, me.user_id, start_time="", capacity="")
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'id="conflict-pending"' in html and "start time" in html


def test_a_clashing_booking_is_a_409_in_words_and_saves_nothing(app, sign_in):
    me = sign_in("counsellor")
    w = _world(app, me.user_id)
    before, series = _count(app), _count(app, SessionSeries)

    answer = me.post("/calendar/book", _group(w, me.user_id))

    html = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert "Room Birch is already booked" in html and "nothing has been saved" in html
    assert 'value="10:30"' in html  # the form keeps what was typed
    assert _count(app) == before and _count(app, SessionSeries) == series


def test_a_weekly_group_is_booked_once_clear(app, sign_in):
    me = sign_in("counsellor")
    w = _world(app, me.user_id)

    answer = me.post(
        "/calendar/book", _group(w, me.user_id, room_id=str(w["oak"]), start_time="11:00")
    )

    assert answer.status_code == 303
    with app.app_context():
        found = (
            db.session.execute(sa.select(TherapySession).where(TherapySession.room_id == w["oak"]))
            .scalars()
            .all()
        )
        assert len(found) == 4 and len({s.series_id for s in found}) == 1
        assert {p.case_id for p in found[0].participants} == {w["booked"], w["free"]}
    assert answer.headers["Location"].startswith(f"/sessions/{found[0].id}")
    page = me.get(answer.headers["Location"]).get_data(as_text=True)
    assert "The session was booked." in page and "Robin Ashdown" in page


def test_bad_input_is_a_422_naming_the_field(app, sign_in):
    me = sign_in("counsellor")
    w = _world(app, me.user_id)
    cases = [
        ({"duration_minutes": "0"}, "duration_minutes"),
        ({"day": "2026-02-31"}, "day"),
        ({"type": "séance"}, "type"),
        ({"capacity": "1"}, "capacity"),
        ({"type": "family", "case_ids": [str(w["free"])], "repeat": "none"}, "family_members"),
        ({"duration_minutes": "1500"}, "duration_minutes"),
        ({"recurrence.count": "", "recurrence.until": ""}, "recurrence"),
    ]
    before = _count(app)
    for change, field in cases:
        answer = me.post("/calendar/book", _group(w, me.user_id, **change))
        assert answer.status_code == 422, (change, answer.status_code)
        assert f'href="#f-{field}' in answer.get_data(as_text=True), change
    assert _count(app) == before


def test_another_caseloads_case_is_no_such_case(app, sign_in):
    me = sign_in("counsellor")
    w = _world(app, me.user_id)
    with app.app_context():
        theirs = make_case(make_user("counsellor"))
        db.session.commit()
    answer = me.post(
        "/calendar/book", _group(w, me.user_id, case_ids=[str(theirs)], room_id=str(w["oak"]))
    )
    assert answer.status_code == 422
    assert "No such case." in answer.get_data(as_text=True)


def test_a_manager_may_not_book(sign_in):
    manager = sign_in("manager")
    assert manager.get("/calendar/book").status_code == 403
    assert manager.post("/calendar/conflicts", {}).status_code == 403
