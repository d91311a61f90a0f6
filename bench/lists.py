"""Server time of every list endpoint of the API, small against large, in the same run:

    python -m bench.lists --small URL --large URL [--repeat N]

Measured like `bench.pages` (the Flask test client in process, a fresh request per call, so
the credential is looked up each time; a browser session of the role that uses the list), first
page and page 500 where a list is paged. The bed board and the waitlist are asked for a page
both centres fill (the small one has 21 beds and 5 waiting): at the default 50 a page, the
large centre's page shows ten times the rows of the small one's, which measures rows shown,
not history. The baseline is `GET /api/v1/auth/me` (the session
check and one row). Issue 18's target: every list within 2x of its small figure at large.
"""

from __future__ import annotations

from datetime import timedelta

from auth.models import Role
from bench.harness import bench_app, default_as_of, machine
from bench.pages import WARM_UP, Page, measure, print_table, small_large_parser

CO, CL, M, A = Role.COUNSELLOR, Role.CLINICIAN, Role.MANAGER, Role.ADMIN
P500 = "page=500&per_page=50"


def _get(name: str, role: Role, path: str) -> Page:
    return Page(name, role, "GET", lambda ids, path=path: path.format(**ids))


def lists(week: str, week_end: str, year_ago: str, today: str) -> tuple[Page, ...]:
    """The list endpoints, each with the role that reads it most."""
    return (
        _get("auth/me (baseline)", CO, "/api/v1/auth/me"),
        _get("clients (manager)", M, "/api/v1/clients"),
        _get("clients page 500", M, f"/api/v1/clients?{P500}"),
        _get("clients (counsellor)", CO, "/api/v1/clients"),
        _get("clients ?q=name", M, "/api/v1/clients?q=kowal"),
        _get("clients ?q=MRN prefix", M, "/api/v1/clients?q=C000012"),
        _get("cases (manager)", M, "/api/v1/cases"),
        _get("cases page 500", M, f"/api/v1/cases?{P500}"),
        _get("cases (counsellor)", CO, "/api/v1/cases"),
        _get("flags (clinician)", CL, "/api/v1/flags"),
        _get("follow-ups (manager)", M, "/api/v1/follow-ups"),
        _get("follow-ups page 500", M, f"/api/v1/follow-ups?{P500}"),
        _get("follow-ups overdue", M, "/api/v1/follow-ups?status=overdue"),
        _get("sessions this week (CO)", CO, f"/api/v1/sessions?from={week}&to={week_end}"),
        _get("sessions this week (M)", M, f"/api/v1/sessions?from={week}&to={week_end}"),
        _get("beds, 20 a page (CO)", CO, "/api/v1/beds?per_page=20"),
        _get("beds, 20 a page (CL)", CL, "/api/v1/beds?per_page=20"),
        _get("waitlist, 5 a page (CL)", CL, "/api/v1/waitlist?per_page=5"),
        _get("staff (admin)", A, "/api/v1/staff"),
        _get("audit events (admin)", A, "/api/v1/audit-events"),
        _get("audit events page 500", A, f"/api/v1/audit-events?{P500}"),
        _get("audit events of a client", M, "/api/v1/audit-events?client_id={client}"),
        _get("my work (counsellor)", CO, "/api/v1/me/work"),
        _get("my notifications (CO)", CO, "/api/v1/me/notifications"),
        _get("outcomes, last year", M, f"/api/v1/reports/outcomes?from={year_ago}&to={today}"),
        _get("caseload report", M, "/api/v1/reports/caseload"),
    )


def main() -> None:
    parser = small_large_parser(__doc__)
    args = parser.parse_args()
    small_app, large_app = bench_app(args.small), bench_app(args.large)
    today = default_as_of(large_app)
    monday = today - timedelta(days=today.weekday())
    pages = lists(
        monday.isoformat(),
        (monday + timedelta(days=7)).isoformat(),
        (today - timedelta(days=365)).isoformat(),
        today.isoformat(),
    )
    print(
        f"bench.lists on {machine()}; median of {args.repeat} requests per list, "
        f"after {WARM_UP} to warm the plan cache"
    )
    small = measure(small_app, args.repeat, pages)
    large = measure(large_app, args.repeat, pages)
    print_table(small, large, pages)


if __name__ == "__main__":
    main()
