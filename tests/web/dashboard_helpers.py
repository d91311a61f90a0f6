"""Reading the manager dashboard's page in tests: its totals, the counsellor table's rows,
a chart table's cells, and the page itself for a query."""

from __future__ import annotations

import html as html_lib
import re


def text_of(fragment: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def number(fragment: str) -> int | float | None:
    """A cell's number: a rate's exact <data> value, else its text ("—" is None)."""
    exact = re.search(r'<data value="([^"]+)"', fragment)
    if exact:
        return float(exact.group(1))
    words = text_of(fragment)
    return None if words == "—" else int(words)


def totals(html: str) -> dict[str, int]:
    found = re.findall(r'id="total-(\w+)"><dt>[^<]*</dt><dd>(\d+)</dd>', html)
    return {key: int(value) for key, value in found}


def counsellor_rows(html: str) -> list[dict]:
    """The counsellor table's rows in page order, each cell by its `data-column`."""
    rows = []
    for staff_id, body in re.findall(r'<tr id="counsellor-(\d+)">(.*?)</tr>', html, re.S):
        cells = re.findall(r'data-column="(\w+)">(.*?)</t[dh]>', body, re.S)
        row = {key: text_of(v) if key == "name" else number(v) for key, v in cells}
        rows.append({"staff_id": int(staff_id), **row})
    return rows


def cell(html: str, row_id: str) -> int | float | None:
    found = re.search(rf'<tr id="{row_id}"><th scope="row">[^<]*</th>(<td.*?</td>)', html, re.S)
    assert found, row_id
    return number(found.group(1))


def dashboard(browser, **query) -> str:
    answer = browser.get("/dashboard", query_string=query)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:2000]
    return answer.get_data(as_text=True)
