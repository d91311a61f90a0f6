"""The session page: details and participants as the caller may see them (audited), and
its forms — move (this occurrence or the following ones), cancel (a reason required), add
and withdraw a client — through the services, refusals beside the form, nothing changed."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import sqlalchemy as sa

from cases.episodes.models import Case
from core.audit import AuditEvent
from core.clock import centre_today
from core.extensions import db
from intake.clients.models import Client
from scheduling.sessions.models import SessionStatus, TherapySession
from tests.factories import make_case, make_user, statements
from tests.web.test_calendar_support import at, make_room, make_session, said_day


def _named(case_id, first, last):
    client = db.session.get(Client, db.session.get(Case, case_id).client_id)
    client.first_name, client.last_name = first, last


def _series(app, me_id, count=3, **extra):
    """A weekly CBT series of mine from next week (room Birch), and its case."""
    with app.app_context():
        case_id = make_case(me_id)
        _named(case_id, "Robin", "Ashdown")
        room = make_room("Birch", 8)
        day = centre_today() + timedelta(days=7)
        recurrence = {"frequency": "weekly", "count": count}
        ids = make_session(
            me_id, [case_id], at(app, day, 10), room_id=room, recurrence=recurrence, **extra
        )
        db.session.commit()
    return {"ids": ids, "case": case_id, "room": room, "day": day}


def _session(app, session_id):
    with app.app_context():
        session = db.session.get(TherapySession, session_id)
        db.session.expunge(session)
        return session


def _version(browser, session_id):
    html = browser.get(f"/sessions/{session_id}").get_data(as_text=True)
    return unescape(html.split('name="version" value="')[1].split('"')[0])


def test_the_page_shows_details_and_my_client_and_audits_them(app, sign_in):
    me = sign_in("counsellor")
    s = _series(app, me.user_id)
    page = me.get(f"/sessions/{s['ids'][0]}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<title>Session" in html and "Robin" not in html.split("</title>")[0]
    assert "Robin Ashdown" in html and "Birch" in html
    with app.app_context():
        rows = db.session.execute(
            sa.select(AuditEvent.record_id).where(
                AuditEvent.actor_id == me.user_id, AuditEvent.action == "session.read"
            )
        ).scalars()
        assert s["ids"][0] in set(rows)


def test_the_heading_says_type_and_local_time_and_the_series_in_words(app, sign_in):
    me = sign_in("counsellor")
    s = _series(app, me.user_id, count=3)
    with app.app_context():
        db.session.get(TherapySession, s["ids"][2]).status = SessionStatus.CANCELLED
        db.session.commit()
    html = me.get(f"/sessions/{s['ids'][1]}").get_data(as_text=True)
    second, third = s["day"] + timedelta(days=7), s["day"] + timedelta(days=14)
    heading = html[html.index("<h1>") : html.index("</h1>")]
    assert f"CBT session, {second.strftime('%a %d %b %Y')} 10:00" in heading
    assert f"<small>session {s['ids'][1]}</small>" in heading
    assert "session session" not in heading
    series = html[html.index('id="series"') : html.index("</dd>", html.index('id="series"'))]
    first_day, last_day = s["day"].strftime("%a %d %b %Y"), third.strftime("%a %d %b %Y")
    assert f"Weekly, 3 sessions from {first_day} to {last_day} (1 cancelled)" in series


def test_another_caseloads_session_is_the_404_page(app, sign_in):
    me = sign_in("counsellor")
    with app.app_context():
        other = make_user("counsellor")
        theirs = make_session(other, [make_case(other)], at(app, centre_today(), 9))[0]
        db.session.commit()
    assert me.get(f"/sessions/{theirs}").status_code == 404
    assert me.get("/sessions/999999").status_code == 404
    assert me.post(f"/sessions/{theirs}/cancel", {"reason": "x"}).status_code == 404


def test_move_one_occurrence_to_a_free_slot(app, sign_in):
    me = sign_in("counsellor")
    s = _series(app, me.user_id)
    first, second = s["ids"][0], s["ids"][1]
    form = {
        "version": _version(me, first),
        "day": s["day"].isoformat(),
        "start_time": "15:30",
        "duration_minutes": "45",
        "room_id": "",
        "scope": "occurrence",
    }
    answer = me.post(f"/sessions/{first}/move", form)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:2000]
    moved, untouched = _session(app, first), _session(app, second)
    assert moved.starts_at == at(app, s["day"], 15, 30) and moved.room_id is None
    assert (moved.ends_at - moved.starts_at) == timedelta(minutes=45)
    assert untouched.starts_at == at(app, s["day"] + timedelta(days=7), 10)


def test_move_this_and_following_keeps_the_wall_clock_time(app, sign_in):
    me = sign_in("counsellor")
    s = _series(app, me.user_id, count=3)
    first, second, third = s["ids"]
    form = {
        "version": _version(me, second),
        "day": (s["day"] + timedelta(days=8)).isoformat(),
        "start_time": "09:00",
        "duration_minutes": "60",
        "room_id": str(s["room"]),
        "scope": "following",
    }
    assert me.post(f"/sessions/{second}/move", form).status_code == 303
    assert _session(app, first).starts_at == at(app, s["day"], 10)
    assert _session(app, second).starts_at == at(app, s["day"] + timedelta(days=8), 9)
    assert _session(app, third).starts_at == at(app, s["day"] + timedelta(days=15), 9)


def test_a_move_into_a_clash_is_a_409_in_words_and_changes_nothing(app, sign_in):
    me = sign_in("counsellor")
    s = _series(app, me.user_id)
    with app.app_context():
        other = make_user("clinician")
        make_session(other, [make_case(other)], at(app, s["day"], 15), room_id=s["room"])
        db.session.commit()
    form = {
        "version": _version(me, s["ids"][0]),
        "day": s["day"].isoformat(),
        "start_time": "15:00",
        "duration_minutes": "60",
        "room_id": str(s["room"]),
    }
    answer = me.post(f"/sessions/{s['ids'][0]}/move", form)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409
    clash = f"the CBT session on {said_day(app, s['day'])} at 15:00-16:00."
    assert f"Room Birch is already booked for {clash}" in html and "nothing was changed" in html
    assert _session(app, s["ids"][0]).starts_at == at(app, s["day"], 10)


def test_a_stale_move_is_a_412_and_bad_times_a_422(app, sign_in):
    me = sign_in("counsellor")
    s = _series(app, me.user_id)
    form = {"version": '"stale"', "day": s["day"].isoformat(), "start_time": "12:00"}
    form["duration_minutes"] = "60"
    assert me.post(f"/sessions/{s['ids'][0]}/move", form).status_code == 412
    form["version"] = _version(me, s["ids"][0])
    bad = me.post(f"/sessions/{s['ids'][0]}/move", {**form, "start_time": "25:00"})
    assert bad.status_code == 422 and 'href="#m-start_time"' in bad.get_data(as_text=True)


def test_a_counsellor_may_not_move_a_clinicians_session(app, sign_in):
    me = sign_in("counsellor")
    with app.app_context():
        clinician = make_user("clinician")
        mine = make_case(me.user_id)
        day = centre_today() + timedelta(days=3)
        sid = make_session(clinician, [mine], at(app, day, 9), facilitator_id=clinician)[0]
        db.session.commit()
    form = {"version": _version(me, sid), "day": day.isoformat(), "start_time": "11:00"}
    assert me.post(f"/sessions/{sid}/move", {**form, "duration_minutes": "60"}).status_code == 403


def test_cancel_needs_a_reason_then_cancels_the_rest_of_the_series(app, sign_in):
    me = sign_in("counsellor")
    s = _series(app, me.user_id)
    first, second, third = s["ids"]
    refused = me.post(f"/sessions/{second}/cancel", {"reason": "", "scope": "following"})
    assert refused.status_code == 422 and 'href="#c-reason"' in refused.get_data(as_text=True)
    assert _session(app, second).status is SessionStatus.SCHEDULED

    answer = me.post(f"/sessions/{second}/cancel", {"reason": "Room works", "scope": "following"})

    assert answer.status_code == 303
    statuses = [_session(app, i).status for i in (first, second, third)]
    assert statuses == [SessionStatus.SCHEDULED, SessionStatus.CANCELLED, SessionStatus.CANCELLED]
    assert "Room works" in me.get(f"/sessions/{second}").get_data(as_text=True)


def test_add_to_the_following_and_withdraw_from_one(app, sign_in):
    me = sign_in("clinician")
    with app.app_context():
        first_case, second_case = make_case(me.user_id), make_case(me.user_id)
        day = centre_today() + timedelta(days=7)
        recurrence = {"frequency": "weekly", "count": 3}
        ids = make_session(
            me.user_id,
            [first_case],
            at(app, day, 10),
            kind="group",
            capacity=4,
            recurrence=recurrence,
        )
        db.session.commit()
    added = me.post(
        f"/sessions/{ids[1]}/participants", {"case_id": str(second_case), "scope": "following"}
    )
    assert added.status_code == 303
    with app.app_context():
        booked = [{p.case_id for p in db.session.get(TherapySession, i).participants} for i in ids]
    assert booked == [{first_case}, {first_case, second_case}, {first_case, second_case}]
    gone = me.post(
        f"/sessions/{ids[2]}/participants/{second_case}/withdraw", {"scope": "occurrence"}
    )
    assert gone.status_code == 303
    with app.app_context():
        assert {p.case_id for p in db.session.get(TherapySession, ids[2]).participants} == {
            first_case
        }
    again = me.post(f"/sessions/{ids[2]}/participants/{second_case}/withdraw", {})
    assert again.status_code == 409
    assert "not booked" in again.get_data(as_text=True)
    assert me.post(f"/sessions/{ids[0]}/participants", {"case_id": "x"}).status_code == 422


#: savepoints, sign-in, the session and its participants, the caseload and grants, the
#: audit insert, client names, the bookable cases (count, page, audit), rooms, staff names.
SESSION_STATEMENTS = 15


def test_the_session_page_statement_count_does_not_grow_with_its_participants(app, sign_in):
    me = sign_in("counsellor")
    with app.app_context():
        day = centre_today() + timedelta(days=7)
        first = make_case(me.user_id)
        sid = make_session(me.user_id, [first], at(app, day, 10), kind="group", capacity=8)[0]
        db.session.commit()
    me.get(f"/sessions/{sid}")
    with statements(app) as few:
        assert me.get(f"/sessions/{sid}").status_code == 200
    with app.app_context():
        from auth.models import User
        from scheduling.sessions import service

        actor = db.session.get(User, me.user_id)
        session = db.session.get(TherapySession, sid)
        for _ in range(4):
            service.add_participant(session, make_case(me.user_id), "occurrence", actor=actor)
        db.session.commit()
    with statements(app) as many:
        html = me.get(f"/sessions/{sid}").get_data(as_text=True)
    assert html.count('<tr id="participant-') == 5
    assert len(many) == len(few) == SESSION_STATEMENTS, "\n".join(many)


def _move_form(browser, session_id, day, start_time, room_id):
    return {
        "version": _version(browser, session_id),
        "day": day.isoformat(),
        "start_time": start_time,
        "duration_minutes": "60",
        "room_id": str(room_id),
        "scope": "following",
    }


def test_moving_the_following_a_week_later_moves_each_into_the_next_ones_slot(app, sign_in):
    me = sign_in("counsellor")
    s = _series(app, me.user_id, count=3)
    form = _move_form(me, s["ids"][0], s["day"] + timedelta(days=7), "10:00", s["room"])
    assert me.post(f"/sessions/{s['ids'][0]}/move", form).status_code == 303
    starts = [_session(app, i).starts_at for i in s["ids"]]
    assert starts == [at(app, s["day"] + timedelta(days=7 * n), 10) for n in (1, 2, 3)]


def test_a_clash_of_a_later_occurrence_refuses_the_whole_move(app, sign_in):
    me = sign_in("counsellor")
    s = _series(app, me.user_id, count=3)
    with app.app_context():
        other = make_user("clinician")
        late = s["day"] + timedelta(days=14)
        make_session(other, [make_case(other)], at(app, late, 16), room_id=s["room"])
        db.session.commit()
    form = _move_form(me, s["ids"][1], s["day"] + timedelta(days=7), "16:00", s["room"])
    answer = me.post(f"/sessions/{s['ids'][1]}/move", form)
    assert answer.status_code == 409
    clash = f"Room Birch is already booked for the CBT session on {said_day(app, late)} at 16:00"
    assert clash in answer.get_data(as_text=True)
    starts = [_session(app, i).starts_at for i in s["ids"]]
    assert starts == [at(app, s["day"] + timedelta(days=7 * n), 10) for n in (0, 1, 2)]
