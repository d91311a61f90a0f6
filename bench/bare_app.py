"""The baseline for benchmark (b): a bare Flask app with one JSON endpoint, no database, no
auth, served by gunicorn with the same settings as the real app.

It answers `GET /api/v1/cases/<id>` with a body shaped and sized like a case record, so the
comparison isolates what the application adds (authentication, the case query with its
relations, the audit write and commit, marshmallow, ETag, security headers)."""

from __future__ import annotations

from typing import Any

from flask import Flask

app = Flask(__name__)
app.json.sort_keys = False  # type: ignore[attr-defined]


@app.get("/api/v1/cases/<int:case_id>")
def case(case_id: int) -> dict[str, Any]:
    return {
        "id": case_id,
        "client_id": case_id,
        "assessment_id": case_id,
        "level": "3.5",
        "setting": "inpatient",
        "status": "admitted",
        "recommended_level": "3.5",
        "override_reason": None,
        "requires_urgent_review": False,
        "primary_counsellor_id": 14,
        "care_team_ids": [7],
        "bed": {"id": 3, "unit": "North", "room": "1", "label": "B3", "active": True},
        "previous_case_id": None,
        "level_history": [
            {
                "from_level": None,
                "to_level": "3.5",
                "reason": None,
                "changed_at": "2026-11-01T10:00:00+00:00",
                "changed_by": 6,
            }
        ],
        "opened_at": "2026-11-01T10:00:00+00:00",
        "admitted_at": "2026-11-01T10:00:00+00:00",
        "waitlisted_at": None,
        "discharged_at": None,
        "discharge_date": None,
        "discharge_reason": None,
        "discharge_summary": None,
        "re_engagement_recommended": False,
        "version": 1,
    }
