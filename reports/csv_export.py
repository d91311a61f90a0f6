"""CSV downloads. Every CSV the service writes goes through `csv_text` (or `csv_response`
around it), so every cell is neutralised against formula injection (OWASP, "CSV Injection";
API.md Corrections, "CSV"): a text cell that begins with `=`, `+`, `-`, `@`, a tab or a
carriage return is written with a leading `'`, which spreadsheets show as text instead of
evaluating. Numbers are written as numbers: a number cannot carry a formula, and a quote
would turn it into text.

The helpers only format rows their caller read: a CSV export reads from the replica exactly
when its JSON twin does (the caseload report's CSV inside `core.replica.reading_from_replica`,
like its JSON)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import Response

#: What a spreadsheet may read as the start of a formula (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value as it may be written to a CSV cell: text starting a formula gets a `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """A header row of `columns`, then one line per row (missing and null values empty),
    every cell through `safe_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(column) for column in columns])
    writer.writerows([safe_cell(row.get(column)) for column in columns] for row in rows)
    return buffer.getvalue()


def csv_response(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[str], filename: str
) -> Response:
    """A `text/csv` download named `filename`."""
    response = Response(csv_text(rows, columns), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
