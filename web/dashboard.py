"""Screen 11: the manager dashboard — the caseload report as of a date (totals, the
per-counsellor table sortable by each column, open cases by level and bed occupancy as
charts) and the outcomes report for a period (discharges by reason, the FUI 7- and 30-day
follow-up rates, relapse within 90 days), with the CSV download of the caseload report.

The numbers are `reports.service`'s `caseload(as_of)` and `outcomes(start, end)`, the ones
`GET /api/v1/reports/caseload` and `/reports/outcomes` answer; the query string is validated
by those routes' own schemas (`CaseloadQuerySchema`, `OutcomesQuerySchema`), so a bad date is
the same 422 naming the field, shown beside it. The query string carries dates, a column and
a direction only: the page shows staff and counts, no client.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, request, url_for
from marshmallow import fields, validate

from auth.permissions import Permission, current_actor
from core.clock import centre_today
from core.errors import ValidationFailed
from core.extensions import db
from core.http import QuerySchema
from reports import reading, service
from reports.schemas import CaseloadQuerySchema, OutcomesQuerySchema
from web import dashboard_charts as charts
from web import dashboard_tables as tables
from web.cases import DISCHARGE_LABELS
from web.forms import Errors, FormInvalid, domain_errors, load
from web.pages import render
from web.security import page

bp = Blueprint("dashboard", __name__)

#: The outcomes period when none is chosen: the 90 days up to its end (the API's default).


class SortSchema(QuerySchema):
    """The per-counsellor table's order (the page's own parameters, not the API's)."""

    sort = fields.String(validate=validate.OneOf(list(tables.COLUMNS)))
    dir = fields.String(validate=validate.OneOf(tables.DIRECTIONS))
    #: figures computed now, not the copy of the last few minutes (`reports.snapshots`)
    fresh = fields.Boolean()


def _chosen(errors: Errors) -> dict[str, Any]:
    """The query string as the reports' schemas load it; their errors go into `errors`."""
    chosen: dict[str, Any] = {}
    for schema in (CaseloadQuerySchema(only=("as_of",)), OutcomesQuerySchema(), SortSchema()):
        try:
            chosen.update(load(schema, request.args))
        except FormInvalid as invalid:
            errors.update(invalid.errors)
    return chosen


def _period(chosen: dict[str, Any], as_of: date) -> tuple[date, date]:
    """The outcomes period as the outcomes API takes it, `to` defaulting to the as-of date."""
    return reading.outcomes_period(chosen.get("from_"), chosen.get("to") or as_of)


def _checked_period(
    chosen: dict[str, Any], as_of: date, errors: Errors
) -> tuple[date, date] | None:
    """The period, or None with its error added: checked only when its dates (and the as-of
    date `to` defaults to) are valid, so one mistake is reported once, where it was made."""
    if errors.keys() & {"as_of", "from", "to"}:
        return None
    try:
        return _period(chosen, as_of)
    except ValidationFailed as error:
        errors.update(domain_errors(error))
        return None


def _form(chosen: dict[str, Any], as_of: date, start: date, end: date) -> dict[str, str]:
    """The values the date form and the sort links carry."""
    return {
        "as_of": as_of.isoformat(),
        "from": start.isoformat(),
        "to": end.isoformat(),
        "sort": chosen.get("sort", tables.DEFAULT_SORT),
        "dir": chosen.get("dir", "asc"),
    }


def _sort_urls(form: dict[str, str]) -> dict[str, str]:
    """Each column heading's link: the same dates, ordered by that column."""
    dates = {key: form[key] for key in ("as_of", "from", "to")}
    return {
        header.key: url_for("web.dashboard.show", **dates, sort=header.key, dir=header.next_dir)
        for header in tables.headers(form["sort"], form["dir"])
    }


def _caseload_context(caseload: dict[str, Any], form: dict[str, str]) -> dict[str, Any]:
    """The caseload half of the page: the report, its table in the chosen order with the
    headings' links, its two charts and the report's own CSV download for the same date."""
    beds = tables.occupancy(caseload["beds"])
    return {
        "caseload": caseload,
        "beds": beds,
        "rows": tables.sorted_rows(caseload["by_counsellor"], form["sort"], form["dir"]),
        "headers": tables.headers(form["sort"], form["dir"]),
        "sort_urls": _sort_urls(form),
        "levels_chart": charts.levels_chart(caseload["by_level"]),
        "beds_chart": charts.beds_chart(beds),
        "csv_url": url_for("reports.caseload_report", as_of=form["as_of"], format="csv"),
    }


def _outcomes_context(outcomes: dict[str, Any]) -> dict[str, Any]:
    """The outcomes half: the report, the discharge reasons' words and the two charts."""
    return {
        "outcomes": outcomes,
        "discharge_labels": [(r, DISCHARGE_LABELS.get(r, r)) for r in service.DISCHARGE_REASONS],
        "discharges_chart": charts.discharges_chart(outcomes["discharges"]),
        "rates_chart": charts.rates_chart(outcomes),
    }


def _refused(errors: Errors) -> Response:
    """The date form again with its errors beside the fields, and no report."""
    db.session.rollback()
    form = {key: request.args.get(key, "") for key in ("as_of", "from", "to")}
    return render("dashboard/show.html", 422, form=form, errors=errors, **_labels())


def _labels() -> dict[str, Any]:
    """What the templates name things by, and how they write a rate."""
    return {
        "total_labels": tables.TOTALS,
        "rate_labels": charts.RATES,
        "percent": tables.percent,
    }


@bp.get("/dashboard")
@page(Permission.REPORT_READ)
def show() -> Response:
    """The dashboard as of `?as_of=` (default today in the centre's time zone), outcomes for
    `?from=&to=`, the counsellor table ordered by `?sort=&dir=`; figures of the last few
    minutes unless `?fresh=1`."""
    errors: Errors = {}
    chosen = _chosen(errors)
    as_of = chosen.get("as_of") or centre_today()
    period = _checked_period(chosen, as_of, errors)
    if errors or period is None:
        return _refused(errors)
    start, end = period
    form = _form(chosen, as_of, start, end)
    caseload, outcomes, computed_at = reading.read_for_dashboard(
        as_of, start, end, actor=current_actor(), fresh=bool(chosen.get("fresh"))
    )
    context = {**_caseload_context(caseload, form), **_outcomes_context(outcomes)}
    db.session.commit()
    fresh_url = url_for("web.dashboard.show", **{**form, "fresh": "1"})
    return render(
        "dashboard/show.html",
        form=form,
        computed_at=computed_at,
        fresh_url=fresh_url,
        **context,
        **_labels(),
    )
