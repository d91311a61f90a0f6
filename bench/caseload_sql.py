"""The baseline for benchmark (a): the caseload report's numbers from one hand-written SQL
statement, run directly on the application's engine.

Written to be as fast as we know how, on PostgreSQL and SQLite alike: one statement; the
open cases are read once (a materialised CTE) and everything per counsellor, the totals, the
beds and the levels are derived from them; dual diagnosis is decided once per open case (the
application decides it twice, once for the totals and once per counsellor); the session
window is a range on `starts_at`; attendance probes the participants of each session in the
window; PostgreSQL's JIT compiler is off for the statement (see `run`). Definitions are
those of API.md "Reports" and reports/service.py, so the numbers must match the endpoint's
exactly (bench.run checks that they do)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from core.db import UTCDateTime
from intake.assessments.placement import LEVELS

CASELOAD_SQL = """
WITH open_cases AS MATERIALIZED (
    SELECT client_id, primary_counsellor_id AS staff_id, status, level
    FROM cases
    WHERE status IN ('waitlisted', 'admitted', 'active')
),
dual AS MATERIALIZED (
    SELECT o.client_id
    FROM open_cases o
    WHERE EXISTS (
        SELECT 1 FROM flags f
        WHERE f.client_id = o.client_id AND f.status = 'active' AND f.category = 'psychiatric'
    )
    AND (
        SELECT a.use_disorder OR a.physical_dependence
        FROM assessments a
        WHERE a.client_id = o.client_id AND a.status = 'submitted'
        ORDER BY a.assessed_on DESC, a.submitted_at DESC, a.id DESC
        LIMIT 1
    )
),
case_stats AS MATERIALIZED (
    SELECT o.staff_id,
           count(*) AS open_cases,
           count(*) FILTER (WHERE o.status = 'admitted') AS inpatient,
           count(*) FILTER (WHERE o.status = 'active') AS outpatient,
           count(*) FILTER (WHERE o.status = 'waitlisted') AS waitlisted,
           count(d.client_id) AS dual_diagnosis
    FROM open_cases o LEFT JOIN dual d ON d.client_id = o.client_id
    GROUP BY o.staff_id
),
urgent AS MATERIALIZED (
    SELECT o.staff_id, count(*) AS n
    FROM flags f JOIN open_cases o ON o.client_id = f.client_id
    WHERE f.status = 'active' AND f.severity = 'urgent'
    GROUP BY o.staff_id
),
upcoming AS (
    SELECT facilitator_id AS staff_id, count(*) AS n
    FROM therapy_sessions
    WHERE status = 'scheduled' AND starts_at >= :window_start AND starts_at < :window_end
    GROUP BY facilitator_id
),
attendance AS (
    {attendance}
),
overdue AS MATERIALIZED (
    SELECT assigned_to_id AS staff_id, count(*) AS n
    FROM follow_ups
    WHERE completed_at IS NULL AND due_on < :as_of
    GROUP BY assigned_to_id
)
SELECT 'staff' AS kind, u.id AS staff_id, u.name AS name,
       coalesce(cs.open_cases, 0) AS open_cases, coalesce(cs.inpatient, 0) AS inpatient,
       coalesce(cs.outpatient, 0) AS outpatient, coalesce(cs.waitlisted, 0) AS waitlisted,
       coalesce(cs.dual_diagnosis, 0) AS dual_diagnosis,
       coalesce(up.n, 0) AS sessions_next_7_days,
       att.came AS came, att.counted AS counted,
       coalesce(od.n, 0) AS overdue_follow_ups, coalesce(ur.n, 0) AS urgent_flags
FROM users u
LEFT JOIN case_stats cs ON cs.staff_id = u.id
LEFT JOIN upcoming up ON up.staff_id = u.id
LEFT JOIN attendance att ON att.staff_id = u.id
LEFT JOIN overdue od ON od.staff_id = u.id
LEFT JOIN urgent ur ON ur.staff_id = u.id
WHERE (u.role = 'counsellor' AND u.active) OR coalesce(cs.open_cases, 0) > 0
UNION ALL
SELECT 'total', NULL, NULL, sum(open_cases), sum(inpatient), sum(outpatient), sum(waitlisted),
       sum(dual_diagnosis), NULL, NULL, NULL,
       (SELECT coalesce(sum(n), 0) FROM overdue), (SELECT coalesce(sum(n), 0) FROM urgent)
FROM case_stats
UNION ALL
SELECT 'beds', NULL, NULL, count(*),
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM cases c WHERE c.bed_id = b.id AND c.status = 'admitted'
       )),
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM beds b WHERE b.active
UNION ALL
SELECT 'level', NULL, level, count(*), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM open_cases GROUP BY level
ORDER BY 1, 3, 2
"""


#: SQLite: a plain join (its planner probes the (session_id, case_id) index per session).
ATTENDANCE_JOIN = """
    SELECT s.facilitator_id AS staff_id,
           count(*) FILTER (WHERE p.attendance IN ('attended', 'late')) AS came,
           count(*) FILTER (WHERE p.attendance IN ('attended', 'late', 'absent')) AS counted
    FROM therapy_sessions s JOIN session_participants p ON p.session_id = s.id
    WHERE s.status = 'scheduled' AND p.status = 'booked'
      AND s.starts_at >= :attendance_start AND s.starts_at < :window_start
    GROUP BY s.facilitator_id
"""

#: PostgreSQL: LATERAL makes it probe participants per session in the window (an index
#: lookup each) instead of hashing the whole participants table: about 3x faster at 1M.
ATTENDANCE_LATERAL = """
    SELECT s.facilitator_id AS staff_id, sum(x.came) AS came, sum(x.counted) AS counted
    FROM therapy_sessions s
    CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE p.attendance IN ('attended', 'late')) AS came,
               count(*) FILTER (WHERE p.attendance IN ('attended', 'late', 'absent')) AS counted
        FROM session_participants p
        WHERE p.session_id = s.id AND p.status = 'booked'
    ) x
    WHERE s.status = 'scheduled'
      AND s.starts_at >= :attendance_start AND s.starts_at < :window_start
    GROUP BY s.facilitator_id
"""


def statement(dialect: str) -> sa.TextClause:
    attendance = ATTENDANCE_LATERAL if dialect == "postgresql" else ATTENDANCE_JOIN
    return sa.text(CASELOAD_SQL.replace("{attendance}", attendance.strip())).bindparams(
        sa.bindparam("window_start", type_=UTCDateTime()),
        sa.bindparam("window_end", type_=UTCDateTime()),
        sa.bindparam("attendance_start", type_=UTCDateTime()),
        sa.bindparam("as_of", type_=sa.Date()),
    )


def parameters(as_of: date, zone: str) -> dict[str, Any]:
    """The same windows as reports/service.py: as_of's midnight in the centre's zone."""
    start = datetime.combine(as_of, time.min, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    return {
        "as_of": as_of,
        "window_start": start,
        "window_end": start + timedelta(days=7),
        "attendance_start": start - timedelta(days=30),
    }


def run(conn: sa.Connection, as_of: date, zone: str = "UTC") -> list[Any]:
    """Execute the statement in a transaction of its own (the timed part of the baseline).

    On PostgreSQL the transaction turns JIT compilation off first: the planner's cost
    estimate for a report over a large centre passes `jit_above_cost`, and compiling then
    takes longer than running (seconds at `--scale large`), so the fastest way to get these
    numbers does without it."""
    with conn.begin():
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL jit = off")
        return conn.execute(statement(conn.dialect.name), parameters(as_of, zone)).all()


def _counsellor(r: Any) -> dict[str, Any]:
    """A 'staff' row as an entry of `by_counsellor`."""
    rate = None if not r.counted else round(float(r.came) / float(r.counted), 4)
    return {
        "staff_id": r.staff_id,
        "name": r.name,
        "open_cases": int(r.open_cases),
        "inpatient": int(r.inpatient),
        "outpatient": int(r.outpatient),
        "dual_diagnosis": int(r.dual_diagnosis),
        "sessions_next_7_days": int(r.sessions_next_7_days),
        "attendance_rate_30_days": rate,
        "overdue_follow_ups": int(r.overdue_follow_ups),
        "urgent_flags": int(r.urgent_flags),
    }


def _totals(r: Any) -> dict[str, int]:
    """The 'total' row as `totals`."""
    return {
        "open_cases": int(r.open_cases or 0),
        "inpatient": int(r.inpatient or 0),
        "outpatient": int(r.outpatient or 0),
        "waitlisted": int(r.waitlisted or 0),
        "dual_diagnosis": int(r.dual_diagnosis or 0),
        "urgent_flags": int(r.urgent_flags),
        "overdue_follow_ups": int(r.overdue_follow_ups),
    }


def shape(rows: list[Any], as_of: date) -> dict[str, Any]:
    """The rows in the endpoint's JSON shape, for the equality check (not timed)."""
    counsellors, levels = [], dict.fromkeys(LEVELS, 0)
    totals: dict[str, int] = {}
    beds: dict[str, int] = {}
    for r in rows:
        if r.kind == "staff":
            counsellors.append(_counsellor(r))
        elif r.kind == "total":
            totals = _totals(r)
        elif r.kind == "beds":
            beds = {"total": int(r.open_cases), "occupied": int(r.inpatient)}
        else:
            levels[r.name] = int(r.open_cases)
    return {
        "as_of": as_of.isoformat(),
        "totals": totals,
        "beds": beds,
        "by_counsellor": counsellors,
        "by_level": levels,
    }
