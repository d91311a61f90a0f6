"""Server time per page of the staff web interface, small against large, in the same run.

    python -m bench.pages --small URL --large URL [--repeat N]

Each page is requested through the Flask test client (in process: the time is the server's —
routing, the session check, the queries, the audit writes and commit, the template — with no
network), signed in with a browser session of the role that uses it, on both databases in
turn. A page's figure is its median over --repeat requests after one warm-up; the baseline
is the sign-in page (a template and no query), measured the same way in the same run. The
table prints each page's median at small and at large, large ÷ small, page ÷ baseline, and
the number of SQL statements the page ran (pinned in the tests; here for the reader).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from auth.models import CredentialKind, Role, User
from auth.service import issue_credential
from bench.harness import bench_app, machine
from cases.episodes.models import Case
from core.extensions import db


@dataclass(frozen=True)
class Page:
    name: str
    role: Role
    method: str
    path: Callable[[dict[str, int]], str]
    form: dict[str, str] | None = None


PAGES = (
    Page("sign-in (baseline)", Role.COUNSELLOR, "GET", lambda ids: "/sign-in"),
    Page("my day (counsellor)", Role.COUNSELLOR, "GET", lambda ids: "/"),
    Page("my day (clinician)", Role.CLINICIAN, "GET", lambda ids: "/"),
    Page("clients (list)", Role.COUNSELLOR, "GET", lambda ids: "/clients"),
    Page(
        "clients (search a name)",
        Role.CLINICIAN,
        "POST",
        lambda i: "/clients/search",
        {"q": "kowal"},
    ),
    Page(
        "clients (search an MRN)",
        Role.CLINICIAN,
        "POST",
        lambda i: "/clients/search",
        {"q": "C000012"},
    ),
    Page("client page", Role.COUNSELLOR, "GET", lambda ids: f"/clients/{ids['client']}"),
    Page("assessment", Role.COUNSELLOR, "GET", lambda ids: f"/assessments/{ids['assessment']}"),
    Page("placement", Role.CLINICIAN, "GET", lambda i: f"/assessments/{i['assessment']}/placement"),
    Page("case page", Role.COUNSELLOR, "GET", lambda ids: f"/cases/{ids['case']}"),
    Page("calendar: my week", Role.COUNSELLOR, "GET", lambda ids: "/calendar"),
    Page("calendar: a room's week", Role.CLINICIAN, "GET", lambda ids: "/calendar?room=1"),
    # 20 beds a page: both centres fill it (the small one has 21), as bench.lists explains
    Page("bed board", Role.CLINICIAN, "GET", lambda ids: "/beds?per_page=20"),
    Page("bed board (counsellor)", Role.COUNSELLOR, "GET", lambda ids: "/beds?per_page=20"),
    Page("follow-ups (mine)", Role.COUNSELLOR, "GET", lambda ids: "/follow-ups"),
    Page("aftercare plan", Role.COUNSELLOR, "GET", lambda ids: f"/cases/{ids['case']}/aftercare"),
    Page("dashboard", Role.MANAGER, "GET", lambda ids: "/dashboard"),
    Page("audit trail", Role.MANAGER, "GET", lambda ids: "/admin/audit"),
    Page("staff accounts", Role.ADMIN, "GET", lambda ids: "/admin/staff"),
)


def _subject(app: Any) -> dict[str, int]:
    """An open case with a counsellor: its ids and its counsellor's."""
    with app.app_context():
        case = db.session.execute(
            sa.select(Case)
            .where(Case.status.in_(("active", "admitted")), Case.assessment_id.is_not(None))
            .order_by(Case.id.desc())
            .limit(1)
        ).scalar_one()
        ids = {
            "case": case.id,
            "client": case.client_id,
            "assessment": case.assessment_id,
            "counsellor": case.primary_counsellor_id,
        }
        db.session.rollback()
    return ids


def _browser(app: Any, user_id: int) -> tuple[Any, str]:
    """A test client holding a fresh cookie session of `user_id`, and its CSRF token."""
    with app.app_context():
        user = db.session.get(User, user_id)
        issued = issue_credential(user, CredentialKind.COOKIE, label="bench")
        token = issued.credential.csrf_token
        db.session.commit()
    http = app.test_client()
    http.set_cookie("tc_auth", issued.secret)
    return http, token


def _users(app: Any, ids: dict[str, int]) -> dict[Role, int]:
    """The subject's counsellor, and the first active user of each other role."""
    found = {Role.COUNSELLOR: ids["counsellor"]}
    with app.app_context():
        for role in (Role.CLINICIAN, Role.MANAGER, Role.ADMIN, Role.INTAKE):
            found[role] = db.session.execute(
                sa.select(User.id).where(User.role == role, User.active.is_(True)).limit(1)
            ).scalar_one()
        db.session.rollback()
    return found


def _statements(app: Any, call: Callable[[], Any]) -> int:
    seen: list[str] = []

    def count(*_: Any) -> None:
        seen.append("x")

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(seen)


#: requests before the timed ones: psycopg prepares a statement at its fifth run and
#: PostgreSQL settles on a generic or a custom plan over the five after, so the timed requests
#: see the plans a running server has.
WARM_UP = 12


def measure(app: Any, repeat: int, pages: tuple[Page, ...] = PAGES) -> dict[str, tuple[float, int]]:
    """Each page's median milliseconds and statement count on `app`'s database."""
    ids = _subject(app)
    users = _users(app, ids)
    browsers = {role: _browser(app, uid) for role, uid in users.items()}
    results: dict[str, tuple[float, int]] = {}
    for page in pages:
        http, csrf = browsers[page.role]
        path = page.path(ids)

        def call(http: Any = http, path: str = path, page: Page = page, csrf: str = csrf) -> Any:
            if page.method == "GET":
                answer = http.get(path)
            else:
                answer = http.post(path, data={"csrf_token": csrf, **(page.form or {})})
            if answer.status_code >= 400:
                raise SystemExit(f"{page.name}: {path} answered {answer.status_code}")
            return answer

        statements = _statements(app, call)
        for _ in range(WARM_UP):
            call()
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1000)
        results[page.name] = (statistics.median(times), statements)
    return results


def print_table(
    small: dict[str, tuple[float, int]],
    large: dict[str, tuple[float, int]],
    pages: tuple[Page, ...] = PAGES,
) -> None:
    """One row per page: medians at small and large, large ÷ small, ÷ the baseline (the first
    page), statements at small and large."""
    base_small, base_large = small[pages[0].name][0], large[pages[0].name][0]
    width = max(len(page.name) for page in pages) + 1
    print(
        f"{'page':<{width}} {'small ms':>9} {'large ms':>9} {'L/S':>6} {'÷base S':>8} "
        f"{'÷base L':>8} {'stmts S/L':>10}"
    )
    for page in pages:
        (s_ms, s_n), (l_ms, l_n) = small[page.name], large[page.name]
        print(
            f"{page.name:<{width}} {s_ms:>9.1f} {l_ms:>9.1f} {l_ms / s_ms:>6.2f} "
            f"{s_ms / base_small:>8.1f} {l_ms / base_large:>8.1f} {f'{s_n}/{l_n}':>10}"
        )


def small_large_parser(doc: str | None) -> argparse.ArgumentParser:
    """The command line of the benchmarks that compare the two data sets: `--small`,
    `--large` and `--repeat` (requests per list or page)."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("--small", required=True, help="database URL of a --scale small set")
    parser.add_argument("--large", required=True, help="database URL of a --scale large set")
    parser.add_argument("--repeat", type=int, default=15, help="requests per list or page")
    return parser


def main() -> None:
    args = small_large_parser(__doc__).parse_args()
    print(
        f"bench.pages on {machine()}; median of {args.repeat} requests per page, "
        f"after {WARM_UP} to warm the plan cache"
    )
    small = measure(bench_app(args.small), args.repeat)
    large = measure(bench_app(args.large), args.repeat)
    print_table(small, large)


if __name__ == "__main__":
    main()
