"""Page totals are counted up to a cap (`core.http.TOTAL_CAP`, or the end of the page asked
for), so a list costs the same however much history lies behind it; beyond the cap the total
says it is a lower bound."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import http
from core.extensions import db
from tests.factories import make_client, statements


@pytest.fixture
def in_app(app):
    with app.app_context():
        yield


@pytest.fixture
def five_clients(in_app) -> sa.Select:
    ids = [make_client() for _ in range(5)]
    db.session.flush()
    clients = sa.table("clients", sa.column("id"))
    return sa.select(clients.c.id).where(clients.c.id.in_(ids)).order_by(clients.c.id)


def test_exact_up_to_the_cap_then_a_lower_bound(five_clients):
    assert http.capped_total(five_clients, upto=5) == (5, False)
    assert http.capped_total(five_clients, upto=10) == (5, False)
    assert http.capped_total(five_clients, upto=4) == (4, True)
    assert http.capped_total(five_clients, upto=1) == (1, True)


def test_the_cap_is_written_into_the_count_not_bound(app, five_clients):
    """A prepared statement's generic plan must see the cap (a bound limit made PostgreSQL
    plan for a count that stops early)."""
    with statements(app) as seen:
        http.capped_total(five_clients, upto=4)
    (count,) = seen
    assert "LIMIT 5" in count.replace("\n", " ")


def test_paginate_counts_to_the_end_of_the_page_asked_for(five_clients, monkeypatch):
    monkeypatch.setattr(http, "TOTAL_CAP", 2)
    first = http.paginate(five_clients, 1, 2)
    assert (len(first["items"]), first["total"], first["total_is_lower_bound"]) == (2, 2, True)
    third = http.paginate(five_clients, 3, 2)
    assert (len(third["items"]), third["total"], third["total_is_lower_bound"]) == (1, 5, False)
    beyond = http.paginate(five_clients, 9, 2)
    assert (beyond["items"], beyond["total"], beyond["total_is_lower_bound"]) == ([], 5, False)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.integers(0, 12), cap=st.integers(1, 12))
def test_the_capped_total_is_the_true_total_or_a_lower_bound(in_app, rows, cap):
    numbers = [sa.select(sa.literal(i).label("n")) for i in range(max(rows, 1))]
    union = sa.union_all(*numbers).subquery() if len(numbers) > 1 else numbers[0].subquery()
    stmt = sa.select(union.c.n).where(union.c.n < rows)
    total, lower_bound = http.capped_total(stmt, upto=cap)
    assert total == min(rows, cap)
    assert lower_bound == (rows > cap)


def test_list_answers_say_whether_the_total_is_a_lower_bound(app, manager, monkeypatch):
    with app.app_context():
        for _ in range(3):
            make_client()
        db.session.commit()
    monkeypatch.setattr(http, "TOTAL_CAP", 2)
    body = manager.get("/api/v1/clients", query_string={"per_page": 1}).get_json()
    assert body["total"] == 2 and body["total_is_lower_bound"] is True
    body = manager.get("/api/v1/clients", query_string={"per_page": 3}).get_json()
    assert body["total"] == 3 and body["total_is_lower_bound"] is False


def test_a_later_page_holds_the_same_rows_as_a_plain_offset(in_app):
    from intake.clients.models import Client

    ids = [make_client() for _ in range(7)]
    db.session.flush()
    stmt = (
        sa.select(Client)
        .where(Client.id.in_(ids))
        .order_by(Client.last_name.desc(), Client.first_name, Client.id.desc())
    )
    plain = [c.id for c in db.session.scalars(stmt.limit(3).offset(3))]
    looked_up = [c.id for c in http.paginate(stmt, 2, 3)["items"]]
    assert looked_up == plain and len(plain) == 3
    assert "IN (SELECT" in str(http._one_page(stmt, 2, 3)).replace("\n", " ")
    computed = sa.select(Client, sa.func.lower(Client.last_name).label("key")).where(
        Client.id.in_(ids)
    )
    computed = computed.order_by(Client.last_name.desc(), Client.first_name, Client.id.desc())
    assert "IN (SELECT" in str(http._one_page(computed, 2, 3)).replace("\n", " ")
    pairs = http.paginate(computed, 2, 3, scalars=False)["items"]
    assert [client.id for client, _key in pairs] == plain
    assert [key for _client, key in pairs] == [c.last_name.lower() for c, _ in pairs]


def test_a_select_joining_several_tables_pages_with_a_plain_offset(in_app):
    from cases.episodes.models import Case
    from intake.clients.models import Client

    several = sa.select(Client.id, Case.id).join(Case, Case.client_id == Client.id)
    assert "IN (SELECT" not in str(http._one_page(several.order_by(Case.id), 2, 3))


def test_a_page_past_the_cap_is_not_counted(app, manager, monkeypatch):
    """Past TOTAL_CAP a page's total is the rows before it and on it, a lower bound when one
    more follows (read with the page: no COUNT over everything before it)."""
    with app.app_context():
        for _ in range(5):
            make_client()
        db.session.commit()
    monkeypatch.setattr(http, "TOTAL_CAP", 2)

    def page(n: int) -> tuple[dict, list[str]]:
        with statements(app) as seen:
            body = manager.get("/api/v1/clients", query_string={"per_page": 1, "page": n})
        return body.get_json(), [s for s in seen if "count(" in s.lower()]

    fourth, counts = page(4)
    assert (fourth["total"], fourth["total_is_lower_bound"], counts) == (4, True, [])
    fifth, counts = page(5)
    assert (fifth["total"], fifth["total_is_lower_bound"], counts) == (5, False, [])
    assert len(fifth["items"]) == 1 and fifth["items"][0]["id"] != fourth["items"][0]["id"]
    past, counts = page(6)  # past the end: counted, to say how many there are
    assert (past["items"], past["total"], past["total_is_lower_bound"]) == ([], 5, False)
    assert len(counts) == 1
