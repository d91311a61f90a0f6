"""The manager dashboard (screen 11): its numbers are the caseload and outcomes reports' —
parsed from the page and compared with the JSON the API answers for the same dates, through
the same signed-in test client; the counsellor table sorts server-side by each column; bad
dates are a 422 page naming the field (and read nothing); the CSV link downloads the report;
the number of SQL statements is pinned and does not grow with the data."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from aftercare.follow_ups.models import FollowUp, FollowUpOutcome
from cases.episodes.models import Case
from core.audit import AuditEvent
from core.extensions import db
from intake.flags.models import Flag, FlagSeverity
from scheduling.sessions.models import Attendance
from tests.factories import make_bed, make_case, make_group_session, make_user, statements
from tests.web.dashboard_helpers import cell, counsellor_rows, dashboard, text_of, totals

AS_OF = date(2030, 6, 10)
MIDNIGHT = datetime.combine(AS_OF, time.min, tzinfo=UTC)
PERIOD = {"from": "2030-03-01", "to": AS_OF.isoformat()}


# --- data --------------------------------------------------------------------------------------


def _flag(client_id: int, type_: str, category: str, severity: FlagSeverity) -> None:
    db.session.add(
        Flag(client_id=client_id, type=type_, category=category, severity=severity, source_kind="m")
    )


def _discharge(case_id: int, counsellor: int, reason: str, level: str, contact: int | None):
    """Discharged 20 days before AS_OF from `level`, reached `contact` days later (a relapse
    when sooner than 10 days), and a follow-up left overdue."""
    case = db.session.get(Case, case_id)
    case.status, case.level = "discharged", level
    case.discharge_date, case.discharge_reason = AS_OF - timedelta(days=20), reason
    whose = {"case_id": case_id, "client_id": case.client_id, "assigned_to_id": counsellor}
    db.session.add(FollowUp(**whose, offset_days=7, due_on=AS_OF - timedelta(days=2)))
    if contact is None:
        return
    contacted = datetime.combine(case.discharge_date, time(12), tzinfo=UTC)
    contacted += timedelta(days=contact)
    relapse = FollowUpOutcome.RELAPSE if contact < 10 else FollowUpOutcome.ABSTINENT
    db.session.add(
        FollowUp(
            **whose,
            offset_days=30,
            due_on=case.discharge_date,
            completed_at=contacted,
            contacted_at=contacted,
            outcome=relapse,
        )
    )


def build_centre(prefix: str = "") -> dict[str, int]:
    """Three counsellors: A with an admitted case (in a bed), an active dual-diagnosis case
    with an urgent flag, a waitlisted one and a discharge; B with two active cases, sessions
    ahead and two discharges (from 3.7 and outpatient); C with nothing (no attendance to count)."""
    a = make_user("counsellor", name=f"{prefix}Avery Alpha")
    b = make_user("counsellor", name=f"{prefix}Blake Beta")
    c = make_user("counsellor", name=f"{prefix}Casey Gamma")
    bed = make_bed()
    make_bed()
    admitted = make_case(a, level="3.7", status="admitted")
    db.session.get(Case, admitted).bed_id = bed
    active = make_case(a, level="1")
    make_case(a, level="3.5", status="waitlisted")
    b_cases = [make_case(b, level="2.1"), make_case(b, level="1")]
    client = db.session.get(Case, active).client_id
    _flag(client, "depression", "psychiatric", FlagSeverity.WARNING)
    _flag(client, "suicide_risk", "safety", FlagSeverity.URGENT)
    _discharge(make_case(a), a, "completed", "3.5", contact=5)
    _discharge(make_case(b), b, "against_advice", "3.7", contact=20)
    _discharge(make_case(b), b, "transferred", "1", contact=None)
    for day in (1, 2, 3):
        make_group_session(b, MIDNIGHT + timedelta(days=day))
    make_group_session(a, MIDNIGHT - timedelta(days=4), [(active, Attendance.ATTENDED)])
    absent = [(c_, Attendance.ABSENT) for c_ in b_cases[:1]]
    make_group_session(b, MIDNIGHT - timedelta(days=5), absent)
    make_group_session(b, MIDNIGHT - timedelta(days=6), [(b_cases[1], Attendance.LATE)])
    db.session.flush()
    return {"a": a, "b": b, "c": c}


@pytest.fixture
def centre(app):
    with app.app_context():
        ids = build_centre()
        db.session.commit()
    return ids


@pytest.fixture
def manager(sign_in):
    return sign_in("manager")


# --- the numbers are the reports' ------------------------------------------------------------


def test_the_caseload_numbers_equal_the_caseload_report(manager, centre):
    html = dashboard(manager, as_of=AS_OF.isoformat())
    report = manager.http.get("/api/v1/reports/caseload", query_string={"as_of": AS_OF}).json

    assert totals(html) == report["totals"]
    assert report["totals"]["open_cases"] > 0 and report["totals"]["overdue_follow_ups"] > 0
    assert cell(html, "beds-rate") == report["beds"]["occupied"] / report["beds"]["total"]
    beds = re.search(r'id="beds-occupied">(\d+)</span> of <span id="beds-total">(\d+)<', html)
    assert (int(beds.group(1)), int(beds.group(2))) == (
        report["beds"]["occupied"],
        report["beds"]["total"],
    )
    assert counsellor_rows(html) == report["by_counsellor"]
    assert {level: cell(html, f"level-{level}") for level in report["by_level"]} == report[
        "by_level"
    ]


def test_the_outcome_numbers_equal_the_outcomes_report(manager, centre):
    html = dashboard(manager, as_of=AS_OF.isoformat(), **PERIOD)
    report = manager.http.get("/api/v1/reports/outcomes", query_string=PERIOD).json

    assert report["discharges"]["total"] == 3 and report["outpatient_discharges"] == 1
    assert 0 < report["follow_up_7_day_rate"] < report["follow_up_30_day_rate"]
    for reason, count in report["discharges"].items():
        assert cell(html, f"discharge-{reason}") == count, reason
    for key in ("follow_up_7_day_rate", "follow_up_30_day_rate", "relapse_within_90_days_rate"):
        assert cell(html, f"rate-{key}") == report[key], key
    assert cell(html, "outcome-admissions") == report["admissions"]
    assert cell(html, "outcome-completion") == report["completion_rate"]
    assert cell(html, "outcome-stay") == report["average_length_of_stay_days"]
    relapse = report["relapse_within_90_days_rate"]
    assert f'<data value="{relapse}">{relapse * 100:.1f}%</data>' in html  # shown as a percent
    assert 'id="outpatient-discharges">1 outpatient discharge (levels' in html


def test_charts_come_with_tables_and_no_script(manager, centre):
    html = dashboard(manager, as_of=AS_OF.isoformat())
    assert html.count("<svg") == 4
    for table in ("levels-table", "beds-table", "discharges-table", "rates-table"):
        assert f'id="{table}"' in html
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert "Content-Security-Policy" in manager.last.headers


def test_count_charts_have_whole_number_ticks_and_full_labels(manager, centre):
    html = dashboard(manager, as_of=AS_OF.isoformat(), **PERIOD)
    for chart in ("beds", "discharges"):
        svg = re.search(rf'<div id="{chart}">(.*?)</svg>', html, re.S).group(1)
        words = [text_of(t) for t in re.findall(r"<text[^>]*>[^<]*</text>", svg)]
        assert words and not [w for w in words if re.fullmatch(r"\d+\.\d+%?", w)], chart
    assert "Left against advice" in html and "…" not in html


def test_as_of_defaults_to_today_in_the_centre_and_the_period_to_the_90_days_before(
    manager, centre, clock, monkeypatch
):
    monkeypatch.setitem(manager.http.application.config, "CENTRE_TIMEZONE", "Pacific/Kiritimati")
    today = clock.start.astimezone(ZoneInfo("Pacific/Kiritimati")).date()  # UTC+14
    html = dashboard(manager)
    assert f'id="f-as_of" name="as_of" type="date"\n      value="{today.isoformat()}"' in html
    start = (today - timedelta(days=90)).isoformat()
    assert f'id="f-from" name="from" type="date"\n      value="{start}"' in html
    assert f"as of {today.strftime('%d %B %Y')}" in html


def test_reading_the_dashboard_is_audited_with_its_dates_only(app, manager, centre):
    dashboard(manager, as_of=AS_OF.isoformat(), **PERIOD)
    with app.app_context():
        events = db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.detail).where(
                AuditEvent.actor_id == manager.user_id, AuditEvent.action.like("report.%")
            )
        ).all()
    by_action = {action: detail for action, detail in events}
    assert by_action["report.caseload.read"]["as_of"] == AS_OF.isoformat()
    assert by_action["report.outcomes.read"]["from"] == PERIOD["from"]


# --- sorting -----------------------------------------------------------------------------------


def aria_sorts(html: str) -> dict[str, str]:
    heads = re.findall(
        r'<th scope="col"( aria-sort="(\w+)")?[^>]*>\s*<a href="[^"]*" id="sort-(\w+)"', html
    )
    return {column: sort for _, sort, column in heads if sort}


def test_the_table_sorts_by_each_column_in_both_directions(manager, centre):
    default = counsellor_rows(dashboard(manager, as_of=AS_OF.isoformat()))
    assert [r["name"] for r in default] == sorted(r["name"] for r in default)
    for column in ("open_cases", "sessions_next_7_days", "attendance_rate_30_days", "name"):
        for direction in ("asc", "desc"):
            html = dashboard(manager, as_of=AS_OF.isoformat(), sort=column, dir=direction)
            rows = counsellor_rows(html)
            values = [r[column] for r in rows if r[column] is not None]
            assert values == sorted(values, reverse=direction == "desc"), (column, direction)
            missing = [r[column] is None for r in rows]
            assert missing == sorted(missing), "a rate with nothing to count comes last"
            expected = "ascending" if direction == "asc" else "descending"
            assert aria_sorts(html) == {column: expected}
            assert sorted(r["staff_id"] for r in rows) == sorted(r["staff_id"] for r in default)


def test_a_heading_links_to_its_order_keeping_the_dates(manager, centre):
    html = dashboard(manager, as_of=AS_OF.isoformat(), sort="open_cases", dir="desc", **PERIOD)
    links = dict(
        (column, html_lib.unescape(href))
        for href, column in re.findall(r'<a href="([^"]*)" id="sort-(\w+)"', html)
    )
    assert links["open_cases"].endswith("sort=open_cases&dir=asc")  # the other way round
    assert "sort=urgent_flags&dir=desc" in links["urgent_flags"]  # numbers: biggest first
    assert "sort=name&dir=asc" in links["name"]
    assert f"as_of={AS_OF}" in links["name"] and "from=2030-03-01" in links["name"]
    assert 'name="sort" value="open_cases"' in html  # the date form keeps the order


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"as_of": "tomorrow"}, "as_of"),
        ({"as_of": "2030-02-30"}, "as_of"),
        ({"from": "1700-01-01"}, "from"),
        ({"to": "not a date"}, "to"),
        ({"from": "2030-06-11", "to": "2030-06-10"}, "from"),
        ({"sort": "client_name"}, "sort"),
        ({"dir": "sideways"}, "dir"),
    ],
)
def test_a_bad_query_is_a_422_naming_the_field_and_reads_nothing(app, manager, query, field):
    answer = manager.get("/dashboard", query_string=query)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="error-summary"' in html and f'href="#f-{field}"' in html
    assert 'id="by-counsellor"' not in html and "<svg" not in html
    if field in ("as_of", "from", "to"):
        assert re.search(rf'id="f-{field}"[^>]*\n?[^>]*aria-invalid="true"', html)
    with app.app_context():
        read = db.session.execute(
            sa.select(sa.func.count()).where(
                AuditEvent.actor_id == manager.user_id,
                AuditEvent.action.like("report.%"),
                AuditEvent.outcome == "success",
            )
        ).scalar_one()
    assert read == 0


def test_one_mistake_is_reported_once_where_it_was_made(manager):
    """The period's `to` defaults to the as-of date: a bad as-of date is not also a period
    error; a good one with `from` after it is."""
    html = manager.get("/dashboard", query_string={"as_of": "x", "from": "2030-06-11"}).text
    assert 'href="#f-as_of"' in html and 'href="#f-from"' not in html
    answer = manager.get("/dashboard", query_string={"as_of": "2030-06-10", "from": "2030-06-11"})
    assert answer.status_code == 422 and 'href="#f-from"' in answer.text
    assert 'value="2030-06-11"' in answer.text  # what was typed stays in the field


def test_other_roles_get_the_403_page(sign_in):
    for role in ("counsellor", "clinician", "intake", "admin"):
        answer = sign_in(role).get("/dashboard")
        assert answer.status_code == 403 and "Not allowed" in answer.get_data(as_text=True)


# --- CSV -------------------------------------------------------------------------------------


def test_the_csv_link_downloads_the_counsellor_rows(manager, centre):
    html = dashboard(manager, as_of=AS_OF.isoformat())
    href = html_lib.unescape(re.search(r'id="caseload-csv" href="([^"]+)"', html).group(1))
    assert href == f"/api/v1/reports/caseload?as_of={AS_OF}&format=csv"
    answer = manager.http.get(href)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    on_page = {row["staff_id"]: row for row in counsellor_rows(html)}
    assert len(rows) == len(on_page)
    for row in rows:
        shown = on_page[int(row["staff_id"])]
        assert row["name"] == shown["name"]
        assert int(row["open_cases"]) == shown["open_cases"]
        assert int(row["urgent_flags"]) == shown["urgent_flags"]


# --- statements --------------------------------------------------------------------------------

#: The dashboard's SQL statements: the session's credential (with its user), the caseload
#: report's four (counsellor rows, overdue total, beds, levels), the outcomes report's two and
#: the two audit events, on either database.
DASHBOARD_STATEMENTS = 9
KEPT_DASHBOARD_STATEMENTS = 3
TEST_HARNESS = ("SAVEPOINT", "RELEASE", "ROLLBACK")


def test_the_dashboard_statement_count_is_pinned_and_does_not_grow(
    app, manager, centre, clock, kept_figures
):
    """(The clock is stopped so that the session's once-a-minute touch stays out.)"""

    def count(**fresh: str) -> int:
        query = {"as_of": AS_OF.isoformat(), "sort": "open_cases", "dir": "desc", **PERIOD}
        with statements(app) as seen:
            dashboard(manager, **query, **fresh)
        return len([s for s in seen if not s.lstrip().upper().startswith(TEST_HARNESS)])

    before = count(fresh="1")
    with app.app_context():
        build_centre("More ")
        build_centre("Even more ")
        db.session.commit()
    assert count(fresh="1") == before == DASHBOARD_STATEMENTS
    # the figures just computed are kept: the credential and the two audit events
    assert count() == KEPT_DASHBOARD_STATEMENTS


@pytest.fixture
def kept_figures(app, monkeypatch):
    """The shipped default (five minutes), with nothing kept from another test."""
    monkeypatch.setitem(app.config, "DASHBOARD_MAX_AGE_SECONDS", 300)
    app.extensions.pop("reports.snapshots", None)
    yield
    app.extensions.pop("reports.snapshots", None)


def test_the_dashboard_keeps_its_figures_for_a_few_minutes(
    app, manager, centre, clock, kept_figures
):
    """A second visit shows the copy computed on the first (and says when that was), until
    DASHBOARD_MAX_AGE_SECONDS have passed or `?fresh=1` asks for new figures; every visit is
    audited as a read of both reports."""
    query = {"as_of": AS_OF.isoformat(), **PERIOD}
    first = dashboard(manager, **query)
    assert "Figures computed at" in first and "fresh=1" in first
    with app.app_context():
        build_centre("More ")
        db.session.commit()
    assert totals(dashboard(manager, **query)) == totals(first)
    grown = totals(dashboard(manager, **query, fresh="1"))
    assert grown["open_cases"] > totals(first)["open_cases"]
    clock.after(timedelta(seconds=app.config["DASHBOARD_MAX_AGE_SECONDS"]))
    with app.app_context():
        build_centre("Even more ")
        db.session.commit()
    assert totals(dashboard(manager, **query))["open_cases"] > grown["open_cases"]
    with app.app_context():
        reads = db.session.execute(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "report.caseload.read")
        ).scalar_one()
    assert reads == 4
