"""Conflict sentences in words (`web.calendar_conflicts`): a clashing session said by its type
and time, never by its id; staff and rooms by name; a client by initials when the caller may
see them, "another client" otherwise; and one query for all the conflicts, however many."""

from __future__ import annotations

from datetime import timedelta

from auth.models import User
from cases.episodes.models import Case
from core.clock import centre_today
from core.extensions import db
from intake.clients.models import Client
from scheduling.sessions.models import TherapySession
from tests.factories import make_case, make_user, statements
from tests.web.test_calendar_support import at, make_room, make_session, said_day
from web.calendar_conflicts import described


def _named(case_id, first, last):
    client = db.session.get(Client, db.session.get(Case, case_id).client_id)
    client.first_name, client.last_name = first, last
    return client.id


def test_adding_a_client_booked_elsewhere_names_them_by_initials(app, sign_in):
    me = sign_in("counsellor")
    with app.app_context():
        day = centre_today() + timedelta(days=7)
        mine, robin = make_case(me.user_id), make_case(me.user_id)
        _named(robin, "Robin", "Ashdown")
        other = make_user("clinician")
        group = make_session(
            me.user_id,
            [mine],
            at(app, day, 10),
            room_id=make_room("Birch"),
            kind="group",
            capacity=6,
        )[0]
        elsewhere = make_session(other, [robin], at(app, day, 9, 30), kind="individual")[0]
        db.session.commit()
    answer = me.post(f"/sessions/{group}/participants", {"case_id": str(robin)})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409
    clash = f"the individual session on {said_day(app, day)} at 09:30-10:30."
    assert f"RA is already booked into {clash}" in html
    assert f"session {elsewhere}" not in html and "A client you chose" not in html


def test_a_client_the_caller_may_not_see_is_another_client(app):
    """The sentences for a counsellor whose booking meets a client off their caseload (and a
    clinician, who sees every client)."""
    with app.app_context():
        counsellor, clinician = make_user("counsellor"), make_user("clinician")
        day = centre_today() + timedelta(days=7)
        theirs = make_case(make_user("counsellor"))
        client_id = _named(theirs, "Kim", "Barlow")
        sid = make_session(clinician, [theirs], at(app, day, 14), kind="motivational_interviewing")[
            0
        ]
        conflict = {"kind": "client", "session_id": sid, "starts_at": "", "message": "x"}

        def said(user_id: int) -> list[str]:
            actor = db.session.get(User, user_id)
            kw = {"facilitator": None, "room": None, "client_ids": {client_id}}
            return described([conflict], actor=actor, **kw)

        when = f"the motivational interviewing session on {said_day(app, day)} at 14:00-15:00."
        assert said(counsellor) == [f"Another client is already booked into {when}"]
        assert said(clinician) == [f"KB is already booked into {when}"]
        db.session.rollback()


def _week_of_clashes(app, me_id: int, weeks: int, hour: int):
    """My weekly CBT series of `weeks` sessions from next week at `hour`, in a room of its
    own, one client; and the form of a weekly group that clashes with each of them."""
    with app.app_context():
        case_id = make_case(me_id)
        room = make_room(f"Birch{weeks}")
        day = centre_today() + timedelta(days=7)
        recurrence = {"frequency": "weekly", "count": weeks}
        make_session(me_id, [case_id], at(app, day, hour), room_id=room, recurrence=recurrence)
        db.session.commit()
    return {
        "type": "group",
        "facilitator_id": str(me_id),
        "room_id": str(room),
        "day": day.isoformat(),
        "start_time": f"{hour}:00",
        "duration_minutes": "60",
        "capacity": "6",
        "case_ids": [str(case_id)],
        "repeat": "weekly",
        "recurrence.count": str(weeks),
    }


def test_the_conflict_check_costs_the_same_however_many_conflicts(app, sign_in):
    me = sign_in("counsellor", name="Casey Counsellor")
    few_form = _week_of_clashes(app, me.user_id, 1, hour=10)
    many_form = _week_of_clashes(app, me.user_id, 6, hour=14)
    me.htmx("POST", "/calendar/conflicts", few_form)  # warm up
    with statements(app) as few:
        one = me.htmx("POST", "/calendar/conflicts", few_form).get_data(as_text=True)
    with statements(app) as many:
        six = me.htmx("POST", "/calendar/conflicts", many_form).get_data(as_text=True)
    assert one.count("<li>") == 3 and six.count("<li>") == 3 * 6
    assert len(many) == len(few), "\n".join(many)
    described_in = [s for s in many if "therapy_sessions" in s and "LEFT OUTER JOIN" in s]
    assert len(described_in) == 1, "\n".join(many)
    with app.app_context():
        ids = [s.id for s in db.session.query(TherapySession.id)]
    assert not any(f"session {sid}" in six for sid in ids)
