"""The calendar's week view: my week by default, any facilitator's or room's week, previous
and next weeks by date, clients as the caller may see them (audited), bad input a 422 naming
the field, and a statement count that does not grow with the history."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.clock import centre_today
from core.extensions import db
from intake.clients.models import Client
from tests.factories import make_case, make_user, statements
from tests.web.test_calendar_support import at, make_room, make_session, monday_of


def _client_of(case_id):
    from cases.episodes.models import Case

    case = db.session.get(Case, case_id)
    return db.session.get(Client, case.client_id)


def _setup(app, me_id):
    """Two sessions of mine this week (one in a room), one of another counsellor's."""
    with app.app_context():
        other = make_user("counsellor")
        mine, theirs = make_case(me_id), make_case(other)
        room = make_room("Birch", 8)
        day = centre_today() + timedelta(days=1)
        if monday_of(day) != monday_of(centre_today()):
            day = centre_today()
        first = make_session(me_id, [mine], at(app, day, 9), room_id=room)[0]
        second = make_session(me_id, [mine], at(app, day, 11))[0]
        foreign = make_session(other, [theirs], at(app, day, 13), room_id=room)[0]
        client = _client_of(mine)
        initials = (client.first_name[0] + client.last_name[0]).upper()
        db.session.commit()
    return {"room": room, "other": other, "ids": (first, second, foreign), "initials": initials}


def test_my_week_shows_my_sessions_with_my_clients_initials(app, sign_in):
    me = sign_in("counsellor")
    made = _setup(app, me.user_id)
    first, second, foreign = made["ids"]

    page = me.get("/calendar")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'id="session-{first}"' in html and f'id="session-{second}"' in html
    assert f'id="session-{foreign}"' not in html  # neither mine nor my client's
    assert made["initials"] in html and "(my week)" in html
    assert "Birch" in html
    with app.app_context():
        shown = db.session.execute(
            sa.select(AuditEvent.record_id).where(
                AuditEvent.actor_id == me.user_id, AuditEvent.action == "session.list"
            )
        ).scalars()
        assert set(shown) == {first, second}


def test_a_rooms_week_and_another_facilitators_week(app, sign_in):
    clinician = sign_in("clinician")
    me = sign_in("counsellor")
    made = _setup(app, me.user_id)
    first, second, foreign = made["ids"]

    room_week = clinician.get(f"/calendar?room={made['room']}&staff=").get_data(as_text=True)
    theirs = clinician.get(f"/calendar?staff={made['other']}").get_data(as_text=True)

    assert f'id="session-{first}"' in room_week and f'id="session-{foreign}"' in room_week
    assert f'id="session-{second}"' not in room_week  # no room
    assert f'id="session-{foreign}"' in theirs and f'id="session-{first}"' not in theirs
    # a counsellor asking for another's week sees only what the API's listing allows
    assert f'id="session-{foreign}"' not in me.get(f"/calendar?staff={made['other']}").get_data(
        as_text=True
    )


def test_a_counsellor_sees_only_their_clients_in_a_shared_group(app, sign_in):
    me = sign_in("counsellor")
    with app.app_context():
        clinician = make_user("clinician")
        other = make_user("counsellor")
        mine, theirs = make_case(me.user_id), make_case(other)
        start = at(app, centre_today(), 23, 0)
        group = make_session(
            clinician, [mine, theirs], start, kind="group", capacity=6, facilitator_id=clinician
        )[0]
        hidden = _client_of(theirs)
        hidden.first_name, hidden.last_name = "Quinn", "Zephyr"
        db.session.commit()

    html = me.get("/calendar?staff=").get_data(as_text=True)

    session = html.split(f'id="session-{group}"')[1].split("</li>")[0]
    assert "+1 other" in session
    assert "QZ" not in html and "Zephyr" not in html


def test_previous_and_next_weeks_keep_the_choice(app, sign_in):
    me = sign_in("clinician")
    html = me.get(f"/calendar?week=2026-12-09&staff={me.user_id}").get_data(as_text=True)
    assert "week of Mon 07 Dec 2026" in html
    assert f"week=2026-11-30&amp;staff={me.user_id}" in html
    assert f"week=2026-12-14&amp;staff={me.user_id}" in html


def test_bad_week_or_picker_is_a_422_naming_the_field(sign_in):
    me = sign_in("counsellor")
    for query, field in [("week=2026-13-01", "week"), ("staff=abc", "staff"), ("room=-1", "room")]:
        page = me.get(f"/calendar?{query}")
        assert page.status_code == 422, query
        assert field in page.get_data(as_text=True)
    assert me.get("/calendar?week=9999-01-01").status_code == 422


#: the test's savepoint pair, the sign-in checks (credential, user), the week's sessions and
#: their participants, the caseload and emergency grants (counsellors), the audit insert,
#: the initials, the facilitator and room pickers.
WEEK_STATEMENTS = {"counsellor": 10, "clinician": 9}


@pytest.mark.parametrize("role", ["counsellor", "clinician"])
def test_the_week_view_statement_count_does_not_grow_with_history(app, sign_in, role):
    me = sign_in(role)
    _setup(app, me.user_id)
    me.get("/calendar")
    with statements(app) as few:
        assert me.get("/calendar").status_code == 200
    with app.app_context():
        case_id = make_case(me.user_id)
        for weeks in range(1, 13):
            day = centre_today() - timedelta(weeks=weeks)
            make_session(me.user_id, [case_id], at(app, day, 15))
        db.session.commit()
    with statements(app) as many:
        assert me.get("/calendar").status_code == 200
    assert len(many) == len(few), "\n".join(many)
    assert len(few) == WEEK_STATEMENTS[role], "\n".join(few)
