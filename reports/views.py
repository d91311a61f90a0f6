"""Manager report routes (API.md "Reports").

The reports read from the streaming replica when one is configured (`DATABASE_REPLICA_URL`,
`core.replica`): aggregates a manager reads may be a few seconds behind the primary, and
their heavy queries then never compete with the day's writes. The audit event of each read
is still written to the primary (and commits with the request)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from auth.permissions import Permission, current_actor, permission_required
from core.clock import centre_today
from core.extensions import db
from reports import reading
from reports.csv_export import csv_response
from reports.schemas import (
    CaseloadQuerySchema,
    CaseloadReportSchema,
    CounsellorRowSchema,
    OutcomesQuerySchema,
    OutcomesReportSchema,
)

bp = Blueprint("reports", __name__, url_prefix="/api/v1", description="Manager reports")

CSV_COLUMNS = list(CounsellorRowSchema().fields)


def _wants_csv(args: dict[str, Any]) -> bool:
    if "format" in args:
        return args["format"] == "csv"
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return (
        best == "text/csv"
        and request.accept_mimetypes["text/csv"] > request.accept_mimetypes["application/json"]
    )


@bp.get("/reports/caseload")
@permission_required(Permission.REPORT_READ)
@bp.arguments(CaseloadQuerySchema, location="query")
@bp.response(200, CaseloadReportSchema)
@bp.doc(
    responses={
        "200": {
            "content": {
                "application/json": {"schema": CaseloadReportSchema},
                "text/csv": {"schema": {"type": "string"}},
            }
        }
    }
)
def caseload_report(args: dict[str, Any]) -> Any:
    """Live caseload summary, computed in SQL. Definitions: open = waitlisted + admitted +
    active; inpatient = admitted; outpatient = active; dual diagnosis = open cases whose
    client has dual diagnosis; urgent flags = active urgent flags on clients with open cases;
    sessions in the next 7 days = non-cancelled sessions the counsellor facilitates starting
    in [as_of, as_of + 7 days); attendance rate = (attended + late) / (attended + late +
    absent) over sessions the counsellor facilitated in the 30 days before as_of, null when
    none; overdue follow-ups = open and due before as_of. `?format=csv` or `Accept: text/csv`
    returns the by_counsellor rows as CSV. May be served by a read replica, a few seconds
    behind the latest changes."""
    as_of = args.get("as_of") or centre_today()
    report = reading.read_caseload(as_of, actor=current_actor())
    db.session.commit()
    if _wants_csv(args):
        rows = CounsellorRowSchema(many=True).dump(report["by_counsellor"])
        return csv_response(rows, CSV_COLUMNS, f"caseload-{as_of}.csv")
    return report


@bp.get("/reports/outcomes")
@permission_required(Permission.REPORT_READ)
@bp.arguments(OutcomesQuerySchema, location="query")
@bp.response(200, OutcomesReportSchema)
def outcomes_report(args: dict[str, Any]) -> Any:
    """Admissions, discharges by reason, completion rate, average length of stay, 7- and
    30-day follow-up rates and relapse within 90 days, over cases opened or discharged in
    [from, to]. Rates are null when there is nothing to count. May be served by a read
    replica, a few seconds behind the latest changes."""
    start, end = reading.outcomes_period(args.get("from_"), args.get("to") or centre_today())
    report = reading.read_outcomes(start, end, actor=current_actor())
    db.session.commit()
    return {**report, "from_": report.pop("from")}
