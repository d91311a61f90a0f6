"""Manager reports: numbers match a hand count on a small fixture; CSV export; the number
of queries does not grow with the data."""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from aftercare.follow_ups.models import FollowUp, FollowUpOutcome
from cases.episodes.models import Case
from core.extensions import db
from intake.flags.models import Flag, FlagSeverity
from scheduling.sessions.models import (
    Attendance,
    SessionStatus,
)
from tests.factories import make_bed, make_case, make_group_session, make_user

AS_OF = date(2030, 6, 10)
MIDNIGHT = datetime.combine(AS_OF, time.min, tzinfo=UTC)


def flag(client_id, type_, category, severity):
    db.session.add(
        Flag(
            client_id=client_id,
            type=type_,
            category=category,
            severity=severity,
            source_kind="manual",
        )
    )


def build_centre():
    """Counsellor A: admitted (bed), active (dual diagnosis, urgent flag), waitlisted, and a
    discharged case with one overdue and one future follow-up. Counsellor B: one active case."""
    a = make_user("counsellor", name="Alice A")
    b = make_user("counsellor", name="Bob B")
    admitted, active, waitlisted, discharged, b_case = _cases(a, b)
    _flags(active, discharged)
    _discharge_with_follow_ups(discharged, a)
    _sessions(a, admitted, active, waitlisted)
    db.session.flush()
    return {"a": a, "b": b, "cases": (admitted, active, waitlisted, discharged, b_case)}


def _cases(a, b):
    """A's admitted (in the one occupied bed), active, waitlisted and discharged cases, and
    B's active case; a second bed stays free."""
    bed = make_bed()
    make_bed()  # a free bed
    admitted = make_case(a, level="3.7", status="admitted")
    db.session.get(Case, admitted).bed_id = bed
    db.session.get(Case, admitted).setting = "inpatient"
    active = make_case(a, level="1")
    waitlisted = make_case(a, level="3.5", status="waitlisted")
    discharged = make_case(a, level="2.1", status="discharged")
    b_case = make_case(b, level="1")
    return admitted, active, waitlisted, discharged, b_case


def _flags(active, discharged):
    """The active client: dual diagnosis and an urgent flag; the discharged one: urgent too."""
    active_client = db.session.get(Case, active).client_id
    flag(active_client, "depression", "psychiatric", FlagSeverity.WARNING)
    flag(active_client, "suicide_risk", "safety", FlagSeverity.URGENT)
    flag(db.session.get(Case, discharged).client_id, "self_harm", "safety", FlagSeverity.URGENT)


def _discharge_with_follow_ups(discharged, a):
    """Discharged 20 days before AS_OF, with follow-ups overdue, done and still to come."""
    gone = db.session.get(Case, discharged)
    gone.discharge_date = AS_OF - timedelta(days=20)
    gone.discharge_reason = "completed"
    for due, done in [
        (AS_OF - timedelta(days=5), False),
        (AS_OF - timedelta(days=13), True),
        (AS_OF + timedelta(days=3), False),
    ]:
        db.session.add(
            FollowUp(
                case_id=discharged,
                client_id=gone.client_id,
                offset_days=7,
                due_on=due,
                assigned_to_id=a,
                completed_at=MIDNIGHT if done else None,
                contacted_at=MIDNIGHT - timedelta(days=14) if done else None,
                outcome=FollowUpOutcome.ABSTINENT if done else None,
            )
        )


def _sessions(a, admitted, active, waitlisted):
    """A's sessions: in and out of the coming 7 days, cancelled, and past with attendance."""
    make_group_session(a, MIDNIGHT + timedelta(days=1), participants=[(active, None)])
    make_group_session(a, MIDNIGHT + timedelta(days=6, hours=23))
    make_group_session(a, MIDNIGHT + timedelta(days=2), status=SessionStatus.CANCELLED)
    make_group_session(a, MIDNIGHT + timedelta(days=7))  # outside the 7-day window
    make_group_session(
        a,
        MIDNIGHT - timedelta(days=10),
        participants=[
            (active, Attendance.ATTENDED),
            (admitted, Attendance.ABSENT),
            (waitlisted, Attendance.LATE),
        ],
    )
    make_group_session(a, MIDNIGHT - timedelta(days=31), participants=[(active, Attendance.ABSENT)])
    make_group_session(a, MIDNIGHT - timedelta(days=3), participants=[(active, Attendance.EXCUSED)])


@pytest.fixture
def centre(app):
    with app.app_context():
        ids = build_centre()
        db.session.commit()
    return ids


def test_caseload_matches_hand_count(manager, centre):
    response = manager.get("/api/v1/reports/caseload", query_string={"as_of": AS_OF.isoformat()})
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["as_of"] == AS_OF.isoformat()
    assert report["totals"] == {
        "open_cases": 4,
        "inpatient": 1,
        "outpatient": 2,
        "waitlisted": 1,
        "dual_diagnosis": 1,
        "urgent_flags": 1,
        "overdue_follow_ups": 1,
    }
    assert report["beds"] == {"total": 2, "occupied": 1}
    assert report["by_level"]["1"] == 2 and report["by_level"]["3.7"] == 1
    assert report["by_level"]["3.5"] == 1 and report["by_level"]["4"] == 0
    rows = {row["name"]: row for row in report["by_counsellor"]}
    assert rows["Alice A"] == {
        "staff_id": centre["a"],
        "name": "Alice A",
        "open_cases": 3,
        "inpatient": 1,
        "outpatient": 1,
        "dual_diagnosis": 1,
        "sessions_next_7_days": 2,
        "attendance_rate_30_days": round(2 / 3, 4),
        "overdue_follow_ups": 1,
        "urgent_flags": 1,
    }
    assert rows["Bob B"]["open_cases"] == 1
    assert rows["Bob B"]["attendance_rate_30_days"] is None


def test_caseload_csv_opens_as_a_spreadsheet(manager, centre):
    response = manager.get(
        "/api/v1/reports/caseload", query_string={"as_of": AS_OF.isoformat(), "format": "csv"}
    )
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    names = [row["name"] for row in rows]
    assert "Alice A" in names and "Bob B" in names
    assert rows[names.index("Alice A")]["open_cases"] == "3"
    by_accept = manager.get("/api/v1/reports/caseload", headers={"Accept": "text/csv"})
    assert by_accept.mimetype == "text/csv"


def test_reports_are_for_managers_only(login_as):
    for role in ("intake", "counsellor", "clinician", "admin"):
        assert login_as(role).get("/api/v1/reports/caseload").status_code == 403
    assert login_as("manager").get("/api/v1/reports/caseload?as_of=tomorrow").status_code == 422


@contextmanager
def count_queries():
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


def test_query_count_does_not_grow_with_data(app, manager, centre):
    def queries():
        with app.app_context(), count_queries() as statements:
            assert manager.get("/api/v1/reports/caseload").status_code == 200
            assert manager.get("/api/v1/reports/outcomes").status_code == 200
        return len(statements)

    before = queries()
    with app.app_context():
        build_centre()
        build_centre()
        db.session.commit()
    assert queries() == before


def test_outcomes_report(manager, centre, app):
    with app.app_context():
        case = db.session.get(Case, centre["cases"][3])
        case.opened_at = datetime(2030, 4, 1, tzinfo=UTC)
        case.admitted_at = None
        case.level = "3.5"  # a residential stay: the follow-up rates (FUI) count it
        db.session.commit()
    response = manager.get(
        "/api/v1/reports/outcomes", query_string={"from": "2030-05-01", "to": AS_OF.isoformat()}
    )
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["discharges"] == {
        "total": 1,
        "completed": 1,
        "against_advice": 0,
        "transferred": 0,
        "administrative": 0,
    }
    assert report["completion_rate"] == 1.0
    assert (
        report["average_length_of_stay_days"]
        == (AS_OF - timedelta(days=20) - date(2030, 4, 1)).days
    )
    # contact 14 days before as_of = 6 days after discharge: within 7 and within 30
    assert report["follow_up_7_day_rate"] == 1.0 and report["follow_up_30_day_rate"] == 1.0
    assert report["relapse_within_90_days_rate"] == 0.0
    empty = manager.get(
        "/api/v1/reports/outcomes", query_string={"from": "2020-01-01", "to": "2020-02-01"}
    )
    assert empty.get_json()["completion_rate"] is None
    assert (
        manager.get(
            "/api/v1/reports/outcomes", query_string={"from": "2030-02-01", "to": "2030-01-01"}
        ).status_code
        == 422
    )


def test_outpatient_discharge_has_no_follow_up_rate(manager, centre):
    """The centre's one discharge left intensive outpatient care (2.1): FUI counts only
    high-intensity discharges (CLINICAL.md §7), so there is nothing to count."""
    report = manager.get(
        "/api/v1/reports/outcomes", query_string={"from": "2030-05-01", "to": AS_OF.isoformat()}
    ).get_json()
    assert report["discharges"]["total"] == 1 and report["completion_rate"] == 1.0
    assert report["follow_up_7_day_rate"] is None
    assert report["follow_up_30_day_rate"] is None
