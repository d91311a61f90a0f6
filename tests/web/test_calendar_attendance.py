"""Attendance for a whole session on one screen: every participant the caller may see with
attended / late / absent / excused and one submit, through `record_attendance` (not before
the session has started; corrections allowed; another caseload's client never shown)."""

from __future__ import annotations

from datetime import timedelta

from core.clock import now
from core.extensions import db
from scheduling.sessions.models import Attendance, TherapySession
from tests.factories import make_case, make_user, statements
from tests.web.test_calendar_support import make_session


def _group(app, me_id, *, started=True, extra_cases=0, hours_ago=0):
    """A group I facilitate (started half an hour ago, or starting tomorrow) with two of my
    cases and one of another counsellor's."""
    with app.app_context():
        clinician = make_user("clinician")
        mine = [make_case(me_id), make_case(me_id)]
        mine += [make_case(me_id) for _ in range(extra_cases)]
        theirs = make_case(make_user("counsellor"))
        start = (
            now() - timedelta(minutes=30, hours=hours_ago) if started else now() + timedelta(days=1)
        )
        sid = make_session(
            clinician,
            [*mine, theirs],
            start,
            kind="group",
            capacity=12,
            facilitator_id=me_id,
        )[0]
        db.session.commit()
    return sid, mine, theirs


def _attendance(app, sid):
    with app.app_context():
        session = db.session.get(TherapySession, sid)
        return {p.case_id: p.attendance for p in session.participants}


def test_the_screen_lists_my_clients_only_and_saves_them_in_one_submit(app, sign_in):
    me = sign_in("counsellor")
    sid, (a, b), theirs = _group(app, me.user_id)

    html = me.get(f"/sessions/{sid}/attendance").get_data(as_text=True)
    assert f'name="status.{a}"' in html and f'name="status.{b}"' in html
    assert f'name="status.{theirs}"' not in html and "+1 other" in html

    answer = me.post(
        f"/sessions/{sid}/attendance", {f"status.{a}": "late", f"status.{b}": "excused"}
    )

    assert answer.status_code == 303
    assert _attendance(app, sid) == {a: Attendance.LATE, b: Attendance.EXCUSED, theirs: None}
    again = me.get(f"/sessions/{sid}/attendance").get_data(as_text=True)
    assert 'value="late" checked' in again
    corrected = me.post(f"/sessions/{sid}/attendance", {f"status.{a}": "attended"})
    assert corrected.status_code == 303
    assert _attendance(app, sid)[a] is Attendance.ATTENDED


def test_before_the_session_starts_attendance_is_refused(app, sign_in):
    me = sign_in("counsellor")
    sid, (a, _b), _ = _group(app, me.user_id, started=False)
    answer = me.post(f"/sessions/{sid}/attendance", {f"status.{a}": "attended"})
    assert answer.status_code == 409
    assert "once the session has started" in answer.get_data(as_text=True)
    assert _attendance(app, sid)[a] is None


def test_nothing_marked_or_a_bad_status_or_a_hidden_case_is_a_422(app, sign_in):
    me = sign_in("counsellor")
    sid, (a, _b), theirs = _group(app, me.user_id)
    nothing = me.post(f"/sessions/{sid}/attendance", {})
    assert nothing.status_code == 422 and "Mark at least one" in nothing.get_data(as_text=True)
    assert me.post(f"/sessions/{sid}/attendance", {f"status.{a}": "asleep"}).status_code == 422
    hidden = me.post(f"/sessions/{sid}/attendance", {f"status.{theirs}": "absent"})
    assert hidden.status_code == 422 and "No such case." in hidden.get_data(as_text=True)
    assert set(_attendance(app, sid).values()) == {None}


def test_a_manager_may_not_take_attendance(app, sign_in):
    manager = sign_in("manager")
    assert manager.get("/sessions/999999/attendance").status_code == 403


#: savepoints, sign-in, the session and its participants, the caseload and grants, the
#: audit insert, client names, rooms.
ATTENDANCE_STATEMENTS = 9


def test_the_attendance_screen_statement_count_does_not_grow_with_participants(app, sign_in):
    me = sign_in("counsellor")
    few_id, _, _ = _group(app, me.user_id)
    many_id, _, _ = _group(app, me.user_id, extra_cases=5, hours_ago=3)
    me.get(f"/sessions/{few_id}/attendance")
    with statements(app) as few:
        me.get(f"/sessions/{few_id}/attendance")
    with statements(app) as many:
        html = me.get(f"/sessions/{many_id}/attendance").get_data(as_text=True)
    assert html.count('<fieldset class="attendance"') == 7
    assert len(many) == len(few) == ATTENDANCE_STATEMENTS, "\n".join(many)
