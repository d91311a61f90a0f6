"""GET /api/v1/me/work: each person's work queue, every kind of item, caseload-filtered,
audited, in a pinned number of queries."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from core.audit import AuditEvent
from core.clock import centre_today, now
from core.extensions import db
from tests.factories import make_case, make_client, open_new_case, statements
from tests.work import scenario


def work(api):
    answer = api.get("/api/v1/me/work")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["items"]


def kinds(items):
    return [item["kind"] for item in items]


def test_done_when_a_counsellors_queue_shows_a_follow_up_an_old_draft_and_a_severe_score(
    app, clock, clinician, counsellor
):
    case = open_new_case(app, clinician, counsellor.user_id)
    written = counsellor.post(
        f"/api/v1/cases/{case['id']}/notes", json={"kind": "progress", "body": {"text": "Ok."}}
    )
    assert written.status_code == 201, written.get_json()
    clock.after(timedelta(hours=25))
    counsellor.sign_in_again()
    with app.app_context():
        follow_up_id = scenario.follow_up(case["id"], counsellor.user_id)
        score_id = scenario.score(case["id"], hours_ago=5)
        db.session.commit()

    items = work(counsellor)
    assert sorted(kinds(items)) == ["follow_up_due", "note_unsigned", "withdrawal_check_due"]
    by_kind = {item["kind"]: item for item in items}
    note = by_kind["note_unsigned"]
    assert note["case_id"] == case["id"] and note["client_id"] == case["client_id"]
    assert note["link"] == f"/cases/{case['id']}#note-{written.get_json()['id']}"
    assert note["overdue"] is True
    check = by_kind["withdrawal_check_due"]
    assert check["link"] == f"/cases/{case['id']}#withdrawal" and check["overdue"] is True
    due = by_kind["follow_up_due"]
    assert due["link"] == f"/cases/{case['id']}#follow-ups" and due["overdue"] is False
    with app.app_context():
        shown = db.session.execute(
            sa.select(AuditEvent.record_type, AuditEvent.record_id, AuditEvent.client_id).where(
                AuditEvent.action == "work.list", AuditEvent.actor_id == counsellor.user_id
            )
        ).all()
    assert sorted(shown) == sorted(
        [
            ("note", written.get_json()["id"], case["client_id"]),
            ("follow_up", follow_up_id, case["client_id"]),
            ("withdrawal_score", score_id, case["client_id"]),
        ]
    )


def test_drafts_and_scores_are_listed_only_once_their_time_has_come(app, clock, counsellor):
    with app.app_context():
        fresh_case = make_case(counsellor.user_id)
        moderate_case = make_case(counsellor.user_id)
        scenario.note(fresh_case, counsellor.user_id, now() - timedelta(hours=23))
        scenario.score(fresh_case, hours_ago=3.5)  # severe, not yet 4 hours
        scenario.score(moderate_case, hours_ago=7, band="moderate", severe=False, total=30)
        db.session.commit()
    assert work(counsellor) == []
    clock.after(timedelta(hours=1, minutes=30))
    counsellor.sign_in_again()
    assert sorted(kinds(work(counsellor))) == [
        "note_unsigned",
        "withdrawal_check_due",
        "withdrawal_check_due",
    ]


def test_only_the_latest_score_of_a_case_counts(app, counsellor):
    with app.app_context():
        case_id = make_case(counsellor.user_id)
        scenario.score(case_id, hours_ago=6)  # severe, then a mild one since
        scenario.score(case_id, hours_ago=5, band="mild", severe=False, total=10)
        db.session.commit()
    assert work(counsellor) == []


def _one_of_every_other_kind(app, counsellor, clinician, noon):
    """A case with a plan review past due, two consents (one expiring within 14 days), three
    sessions, a draft taper and an urgent flag: (case id, client id)."""
    today = noon.date()
    with app.app_context():
        case_id = make_case(counsellor.user_id)
        client_id = scenario.case_of(case_id).client_id
        scenario.plan(case_id, today + timedelta(days=5), today - timedelta(days=2))
        scenario.consent(client_id, clinician.user_id, today + timedelta(days=14))
        scenario.consent(client_id, clinician.user_id, today + timedelta(days=15))  # not yet
        scenario.session(counsellor.user_id, noon + timedelta(hours=2))
        scenario.session(
            counsellor.user_id, noon - timedelta(hours=30), case_id=case_id, attendance="late"
        )
        scenario.session(  # absent: no note needed
            counsellor.user_id, noon - timedelta(hours=3), case_id=case_id, attendance="absent"
        )
        scenario.taper(case_id, clinician.user_id)
        scenario.urgent_flag(client_id)
        db.session.commit()
    return case_id, client_id


def test_every_other_kind(app, clock, clinician, counsellor):
    noon = clock.set_today("2026-12-02")
    counsellor.sign_in_again()
    clinician.sign_in_again()
    today = noon.date()
    _case_id, client_id = _one_of_every_other_kind(app, counsellor, clinician, noon)

    mine = work(counsellor)
    assert kinds(mine) == [
        "flag_unacknowledged",
        "session_today",  # the absent client's, this morning, is over
        "session_without_note",
        "plan_review_due",
        "consent_expiring",
    ]
    by_kind = {item["kind"]: item for item in mine}
    assert by_kind["plan_review_due"]["overdue"] is True
    assert by_kind["plan_review_due"]["due_at"].startswith((today - timedelta(days=2)).isoformat())
    assert by_kind["session_without_note"]["overdue"] is True
    assert by_kind["consent_expiring"]["link"] == f"/clients/{client_id}"
    assert by_kind["flag_unacknowledged"]["link"] == f"/clients/{client_id}#flags"

    theirs = kinds(work(clinician))
    # the clinician approves tapers, sees every urgent flag and records withdrawal scores;
    # plan reviews and sessions are the counsellor's, the consent the clinician recorded.
    assert sorted(theirs) == ["consent_expiring", "flag_unacknowledged", "taper_to_approve"]


def test_a_note_written_after_the_session_clears_it(app, counsellor):
    with app.app_context():
        case_id = make_case(counsellor.user_id)
        scenario.session(
            counsellor.user_id, now() - timedelta(hours=3), case_id=case_id, attendance="attended"
        )
        db.session.commit()
    assert kinds(work(counsellor)) == ["session_without_note"]
    with app.app_context():
        scenario.note(case_id, counsellor.user_id)
        db.session.commit()
    assert work(counsellor) == []


def test_another_caseload_is_not_shown(app, login_as, counsellor):
    other = login_as("counsellor")
    with app.app_context():
        case_id = make_case(counsellor.user_id)
        client_id = scenario.case_of(case_id).client_id
        scenario.score(case_id, hours_ago=5)
        scenario.urgent_flag(client_id)
        scenario.plan(case_id, centre_today())
        # a follow-up wrongly assigned to `other` on a client they do not see
        scenario.follow_up(case_id, other.user_id)
        scenario.urgent_flag(make_client())  # nobody's caseload
        db.session.commit()
    assert sorted(kinds(work(counsellor))) == [
        "flag_unacknowledged",
        "plan_review_due",
        "withdrawal_check_due",
    ]
    assert work(other) == []


def test_roles_without_such_work_get_an_empty_queue(login_as):
    for role in ("admin", "manager", "intake"):
        assert work(login_as(role)) == []


def test_the_queue_costs_the_same_number_of_queries_for_one_item_as_for_many(
    app, clinician, counsellor
):
    def fill(n):
        with app.app_context():
            for _ in range(n):
                case_id = make_case(counsellor.user_id)
                client_id = scenario.case_of(case_id).client_id
                scenario.note(case_id, counsellor.user_id, now() - timedelta(days=2))
                scenario.follow_up(case_id, counsellor.user_id)
                scenario.score(case_id, hours_ago=5)
                scenario.plan(case_id, centre_today())
                scenario.consent(client_id, clinician.user_id, centre_today())
                scenario.urgent_flag(client_id)
                scenario.session(
                    counsellor.user_id,
                    now() - timedelta(hours=2),
                    case_id=case_id,
                    attendance="attended",
                )
            db.session.commit()

    def count():
        with statements(app) as seen:
            items = work(counsellor)
        return len(items), len(seen)

    fill(1)
    one, queries = count()
    fill(4)
    many, queries_for_many = count()
    assert (one, many) == (7, 35)
    assert queries_for_many == queries
