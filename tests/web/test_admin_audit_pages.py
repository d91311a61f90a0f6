"""Screen 12, the audit trail: newest first, filters by user, client record, action and
dates (centre days) that narrow the list, paging that keeps the filters, bad filters as a
422 page naming the field, reading the trail audited, managers and admins only."""

from __future__ import annotations

import ast
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from auth.models import User
from core import http
from core.audit import AuditEvent
from core.extensions import db
from tests.factories import make_client, make_user, statements
from web.audit_actions import KNOWN_ACTIONS


@pytest.fixture
def manager(sign_in):
    return sign_in("manager", name="Max Manager")


@pytest.fixture
def probes(app):
    """Five `test.probe` events (record ids 1..5) by two users on two clients over three
    centre days: {"users": (u1, u2), "clients": (c1, c2)}."""
    zone = ZoneInfo(app.config["CENTRE_TIMEZONE"])
    with app.app_context():
        users = (make_user("clinician"), make_user("counsellor"))
        clients = (make_client(), make_client())
        rows = [
            (1, users[0], clients[0], datetime(2026, 10, 5, 10, 0)),
            (2, users[1], clients[0], datetime(2026, 10, 6, 0, 30)),
            (3, users[0], clients[1], datetime(2026, 10, 6, 23, 30)),
            (4, users[1], clients[1], datetime(2026, 10, 7, 0, 30)),
            (5, users[0], None, datetime(2026, 10, 8, 9, 0)),
        ]
        for record_id, actor_id, client_id, at in rows:
            db.session.add(
                AuditEvent(
                    occurred_at=at.replace(tzinfo=zone),
                    actor_id=actor_id,
                    actor_email=f"user{actor_id}@test.centre",
                    action="test.probe",
                    record_type="probe",
                    record_id=record_id,
                    client_id=client_id,
                    outcome="success",
                )
            )
        db.session.commit()
    return {"users": users, "clients": clients}


def probe_ids(browser, query: str = "") -> list[int]:
    answer = browser.get(f"/admin/audit?action=test.probe{query}")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:1500]
    return [int(n) for n in re.findall(r"<td>probe (\d+)</td>", answer.get_data(as_text=True))]


def test_newest_first_and_each_filter_narrows(manager, probes):
    (u1, u2), (c1, c2) = probes["users"], probes["clients"]
    assert probe_ids(manager) == [5, 4, 3, 2, 1]
    assert probe_ids(manager, f"&actor_id={u1}") == [5, 3, 1]
    assert probe_ids(manager, f"&client_id={c2}") == [4, 3]
    assert probe_ids(manager, f"&actor_id={u2}&client_id={c1}") == [2]
    assert probe_ids(manager, "&action=") == [5, 4, 3, 2, 1]  # an empty filter is none


def test_dates_are_centre_days_with_to_inclusive(manager, probes):
    assert probe_ids(manager, "&from=2026-10-06&to=2026-10-06") == [3, 2]
    assert probe_ids(manager, "&from=2026-10-07") == [5, 4]
    assert probe_ids(manager, "&to=2026-10-05") == [1]


def test_without_an_action_filter_other_actions_are_listed_too(app, manager, probes):
    text = manager.get(f"/admin/audit?actor_id={manager.user_id}").get_data(as_text=True)
    table = text[text.index('id="audit-events"') :]
    assert "<code>auth.login</code>" in table and "test.probe" not in text


def _select(text: str, name: str) -> str:
    start = text.index(f'<select id="f-{name}"')
    return text[start : text.index("</select>", start)]


def test_the_action_filter_is_a_choice_of_known_actions_and_takes_any_valid_name(
    sign_in, manager, probes
):
    text = manager.get("/admin/audit").get_data(as_text=True)
    actions = _select(text, "action")
    assert '<option value="">Any action</option>' in actions
    assert re.findall(r'<option value="([^"]+)"', actions) == list(KNOWN_ACTIONS)
    assert '<option value="">Anyone</option>' in _select(text, "actor_id")
    assert '<input id="f-action"' not in text
    chosen = manager.get("/admin/audit?action=client.read").get_data(as_text=True)
    assert '<option value="client.read" selected>' in _select(chosen, "action")
    typed = manager.get("/admin/audit?action=test.probe").get_data(as_text=True)
    assert '<option value="test.probe" selected>' in _select(typed, "action")
    assert len(re.findall(r"<td>probe \d+</td>", typed)) == 5
    other_page = sign_in("admin").get("/admin/staff").get_data(as_text=True)  # the default
    assert '<option value="">—</option>' in _select(other_page, "role")


def test_the_table_names_the_user_beside_the_email(app, manager, probes):
    user_id = probes["users"][0]
    with app.app_context():
        name = db.session.get(User, user_id).name
    text = manager.get(f"/admin/audit?action=test.probe&actor_id={user_id}")
    row = text.get_data(as_text=True).split('id="audit-events"')[1].split("</tr>")[1]
    assert name in row and f"user{user_id}@test.centre" in row  # the event's email


_ACTION_NAME = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
_CODE = (
    "aftercare",
    "auth",
    "cases",
    "core",
    "intake",
    "privacy",
    "reports",
    "scheduling",
    "web",
    "work",
)


def _literals(node: ast.AST | None) -> list[str]:
    """The action names a value can be: a string, or either branch of a conditional."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value] if _ACTION_NAME.match(node.value) else []
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    return []


def _names_in(tree: ast.AST) -> set[str]:
    """Literal names given to an audit call (one whose name says audit or record: its first
    argument or `action=`) or as the default of an `action` parameter."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = getattr(node.func, "attr", getattr(node.func, "id", ""))
            values = node.args[:1] if re.search("audit|record", called, re.I) else []
            values += [k.value for k in node.keywords if k.arg == "action"]
            found.update(name for value in values for name in _literals(value))
        elif isinstance(node, ast.FunctionDef):
            positional = node.args.posonlyargs + node.args.args
            pairs = list(zip(positional[::-1], node.args.defaults[::-1], strict=False))
            pairs += list(zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True))
            found.update(n for arg, d in pairs if arg.arg == "action" for n in _literals(d))
    return found


def test_the_known_actions_list_every_name_the_code_records():
    root = Path(__file__).resolve().parents[2]
    recorded = {
        name
        for package in _CODE
        for path in (root / package).rglob("*.py")
        for name in _names_in(ast.parse(path.read_text()))
    }
    assert len(recorded) > 100  # the scan found the audit calls
    assert recorded - set(KNOWN_ACTIONS) == set(), "add them to web/audit_actions.py"


def test_paging_keeps_the_filters(manager, probes):
    first = manager.get("/admin/audit?action=test.probe&per_page=2").get_data(as_text=True)
    assert "Page 1 of 3" in first
    link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "action=test.probe" in link and "per_page=2" in link and "page=2" in link
    second = manager.get(link).get_data(as_text=True)
    assert re.findall(r"<td>probe (\d+)</td>", second) == ["3", "2"]


def test_past_the_counted_total_there_is_still_a_next_page(manager, probes, monkeypatch):
    monkeypatch.setattr(http, "TOTAL_CAP", 2)  # the trail holds 5 probes; 2 are counted
    first = manager.get("/admin/audit?action=test.probe&per_page=2").get_data(as_text=True)
    assert 'rel="next"' in first
    last = manager.get("/admin/audit?action=test.probe&per_page=2&page=3").get_data(as_text=True)
    assert 'rel="next"' not in last


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("client_id=abc", "client_id"),
        ("actor_id=0", "actor_id"),
        ("from=2026-13-01", "from"),
        ("to=yesterday", "to"),
        ("from=1800-01-01", "from"),
        ("action=drop%20table%3B", "action"),
        ("page=0", "page"),
        ("client_name=Smith", "client_name"),
    ],
)
def test_a_bad_filter_is_a_422_page_naming_the_field(manager, query, field):
    answer = manager.get(f"/admin/audit?{query}")
    assert answer.status_code == 422
    assert f'href="#f-{field}">{field.replace("_", " ")}</a>' in answer.get_data(as_text=True)


def test_reading_the_trail_is_audited_with_its_filters(app, manager, probes):
    c1 = probes["clients"][0]
    manager.get(f"/admin/audit?client_id={c1}&from=2026-10-06")
    with app.app_context():
        stmt = sa.select(AuditEvent).where(
            AuditEvent.action == "audit.read", AuditEvent.actor_id == manager.user_id
        )
        [event] = db.session.scalars(stmt)
    assert event.detail["filters"]["client_id"] == c1
    assert event.detail["filters"]["from_"].startswith("2026-10-06T00:00:00")


def test_the_trail_runs_the_same_statements_for_many_events(app, manager, probes):
    manager.get("/admin/audit")  # warm up
    with statements(app) as few:
        manager.get("/admin/audit?per_page=2")
    with statements(app) as many:
        text = manager.get("/admin/audit?per_page=50").get_data(as_text=True)
    assert len(re.findall(r"<td>probe \d+</td>", text)) == 5
    assert len(many) == len(few) == AUDIT_LIST_STATEMENTS, "\n".join(many)


#: the test's savepoint, the session's credential with its user, the count, the page of
#: events, the `audit.read` event written and committed (its savepoint released and a new
#: one), the staff for the user filter, and the savepoint's end.
AUDIT_LIST_STATEMENTS = 9


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_read_the_trail(sign_in, role):
    assert sign_in(role).get("/admin/audit").status_code == 200


@pytest.mark.parametrize("role", ["intake", "counsellor", "clinician"])
def test_other_roles_are_refused(sign_in, role):
    answer = sign_in(role).get("/admin/audit")
    assert answer.status_code == 403
    assert "test.probe" not in answer.get_data(as_text=True)
