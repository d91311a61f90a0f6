"""Everything issue 18 asks to see, in one run, small against large:

    python -m bench.all --small URL --large URL [--repeat N] [--run-repeat N]

1. every list of the API (`bench.lists`) and every screen of the web interface (`bench.pages`):
   median server time at both sizes, large ÷ small, statements;
2. statements and round trips to the database of an authenticated, audited read of a client,
   a case and an assessment (a counsellor's own; `bench.roundtrips`), at both sizes;
3. `bench.run` (a) and (b) on each data set: the caseload report against the hand SQL, a case
   read under gunicorn against bare Flask with the server CPU per request, and the peak RSS.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bench import run
from bench.harness import bench_app, default_as_of, machine
from bench.lists import lists
from bench.pages import PAGES, WARM_UP, _browser, _subject, measure, print_table, small_large_parser
from bench.roundtrips import Counter
from core.extensions import db

READS = {
    "client": "/api/v1/clients/{client}",
    "case": "/api/v1/cases/{case}",
    "assessment": "/api/v1/assessments/{assessment}",
}


def round_trips(app: Any) -> dict[str, tuple[int, int]]:
    """(round trips, statements) of each read in READS, as the subject's counsellor."""
    ids = _subject(app)
    http, _ = _browser(app, ids["counsellor"])
    found = {}
    for name, path in READS.items():
        url = path.format(**ids)
        http.get(url)  # the session's once-a-minute touch is done
        with Counter(app) as counter:
            answer = http.get(url)
        if answer.status_code != 200:
            raise SystemExit(f"{url} answered {answer.status_code}")
        trips = counter.round_trips() if counter.engine.dialect.name == "postgresql" else 0
        found[name] = (trips, counter.statements)
    return found


def _tables(small: Any, large: Any, repeat: int) -> None:
    today = default_as_of(large)
    monday = today - timedelta(days=today.weekday())
    days = (monday, monday + timedelta(days=7), today - timedelta(days=365), today)
    api = lists(*(d.isoformat() for d in days))
    for title, pages in (("API lists", api), ("web pages", PAGES)):
        print(f"\n## {title} (median of {repeat} requests, after {WARM_UP} to warm up)\n")
        print_table(measure(small, repeat, pages), measure(large, repeat, pages), pages)


def analyse_audit_trail(app: Any) -> None:
    """Fresh planner statistics of the audit trail: every benchmark request writes an audit
    event, faster than autovacuum analyses this month's partition (a run adds ~100,000), and a
    plan built on the figures of a tenth of the rows sorts the partition instead of reading
    its index backwards."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE audit_events")
                conn.commit()


def main() -> None:
    parser = small_large_parser(__doc__)
    parser.add_argument("--run-repeat", type=int, default=5, help="runs of (a) and (b)")
    args = parser.parse_args()
    small, large = bench_app(args.small), bench_app(args.large)
    for app in (small, large):
        analyse_audit_trail(app)
    print(f"bench.all on {machine()}")
    _tables(small, large, args.repeat)
    print("\n## round trips, statements per audited read (counsellor, own case)\n")
    sizes = {"small": round_trips(small), "large": round_trips(large)}
    for name in READS:
        print(
            f"{name:<12} "
            + "  ".join(f"{s}: {sizes[s][name][0]}/{sizes[s][name][1]}" for s in sizes)
        )
    for label, url in (("small", args.small), ("large", args.large)):
        print(f"\n## bench.run (a), (b) at {label}\n", flush=True)
        run.main(["--db", url, "--only", "ab", "--repeat", str(args.run_repeat)])


if __name__ == "__main__":
    main()
