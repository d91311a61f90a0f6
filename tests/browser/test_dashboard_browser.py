"""The manager's journey on the dashboard, in Chromium on the demo data: the numbers on the
page equal the caseload report's JSON fetched in the same browser context, a heading sorts
the counsellor table (from the keyboard), another date is chosen through the form, the CSV is
downloaded and its rows are the table's; axe-core on every state of the screen."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.browser.conftest import axe_check, csp_clean, sign_in

MANAGER = "manager@demo.centre"
NUMBER_COLUMNS = (
    "open_cases",
    "inpatient",
    "outpatient",
    "dual_diagnosis",
    "sessions_next_7_days",
    "overdue_follow_ups",
    "urgent_flags",
)


def table_rows(page: Any) -> list[dict[str, Any]]:
    """The counsellor table as the browser shows it: each row's cells by `data-column`, a
    rate by its <data> value."""
    return page.eval_on_selector_all(
        "#by-counsellor tbody tr[id^=counsellor-]",
        """rows => rows.map(row => {
            const out = {staff_id: Number(row.id.replace('counsellor-', ''))};
            for (const cell of row.querySelectorAll('[data-column]')) {
                const exact = cell.querySelector('data');
                const text = cell.textContent.trim();
                out[cell.dataset.column] = cell.dataset.column === 'name' ? text
                    : exact ? Number(exact.value) : text === '—' ? null : Number(text);
            }
            return out;
        })""",
    )


def totals(page: Any) -> dict[str, int]:
    return page.eval_on_selector_all(
        "#totals > div[id^=total-]:not(#total-beds)",
        """cards => Object.fromEntries(cards.map(card =>
            [card.id.replace('total-', ''), Number(card.querySelector('dd').textContent)]))""",
    )


def report(page: Any, as_of: str) -> dict[str, Any]:
    answer = page.context.request.get(f"/api/v1/reports/caseload?as_of={as_of}")
    assert answer.status == 200, answer.text()
    return answer.json()


def test_a_manager_reads_the_dashboard_sorts_it_and_downloads_the_csv(page, tmp_path):
    sign_in(page, MANAGER)
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(re.compile(r"/dashboard"))
    axe_check(page)
    csp_clean(page)
    as_of = page.get_by_label("As of").input_value()
    json = report(page, as_of)
    assert totals(page) == json["totals"]
    assert table_rows(page) == json["by_counsellor"]
    assert page.locator("#beds-occupied").inner_text() == str(json["beds"]["occupied"])
    for chart in ("levels", "beds", "discharges"):  # the demo has no discharge to rate
        assert page.locator(f"#{chart} svg[role=img]").count() == 1
        assert page.locator(f"#{chart}-table tbody tr").count() >= 2
    assert page.locator("#rates-table tbody tr").count() == 3

    _sort_by_open_cases(page)
    week_ago = (date.fromisoformat(as_of) - timedelta(days=7)).isoformat()
    _choose_another_date(page, week_ago, json)
    _download_the_csv(page, week_ago, tmp_path)


def _sort_by_open_cases(page: Any) -> None:
    """From the keyboard: focus the heading's link and press Enter; most open cases first."""
    page.locator("#sort-open_cases").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"sort=open_cases&dir=desc"))
    heading = page.locator("th:has(#sort-open_cases)")
    assert heading.get_attribute("aria-sort") == "descending"
    counts = [row["open_cases"] for row in table_rows(page)]
    assert counts == sorted(counts, reverse=True)
    axe_check(page)


def _choose_another_date(page: Any, as_of: str, before: dict[str, Any]) -> None:
    """A week earlier through the date form: the page and the JSON still agree, and the
    table keeps its order."""
    page.get_by_label("As of").fill(as_of)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(f"as_of={as_of}"))
    assert page.locator("th:has(#sort-open_cases)").get_attribute("aria-sort") == "descending"
    json = report(page, as_of)
    assert totals(page) == json["totals"]
    rows = sorted(table_rows(page), key=lambda row: row["staff_id"])
    assert rows == sorted(json["by_counsellor"], key=lambda row: row["staff_id"])
    assert len(rows) == len(before["by_counsellor"])
    axe_check(page)
    csp_clean(page)


def _download_the_csv(page: Any, as_of: str, tmp_path: Path) -> None:
    shown = {row["staff_id"]: row for row in table_rows(page)}
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the counsellor table as CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"caseload-{as_of}.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with saved.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(shown) > 0
    for row in rows:
        on_page = shown[int(row["staff_id"])]
        assert row["name"] == on_page["name"]
        for column in NUMBER_COLUMNS:
            assert int(row[column]) == on_page[column], column
        rate = row["attendance_rate_30_days"]
        assert (float(rate) if rate else None) == on_page["attendance_rate_30_days"]


def test_a_period_ending_before_it_starts_is_shown_beside_the_field(page):
    sign_in(page, MANAGER)
    page.goto("/dashboard")
    page.get_by_label("Outcomes from").fill("2030-06-11")
    page.get_by_label("Outcomes to").fill("2030-06-10")
    page.get_by_label("Outcomes to").press("Enter")
    page.wait_for_url(re.compile(r"from=2030-06-11"))
    assert page.get_by_label("Outcomes from").get_attribute("aria-invalid") == "true"
    assert "Must not be after" in page.locator("#error-summary").inner_text()
    assert page.locator("#by-counsellor").count() == 0
    axe_check(page)
