"""Helpers for the treatment plan API tests: a full plan, its revisions, and the endpoint."""

from __future__ import annotations

import copy

PLAN = {
    "problems": [
        {
            "description": "Physical dependence on prescribed lorazepam",
            "goals": [
                {
                    "description": "Reduce to zero over 16 weeks without seizures",
                    "target_date": "2027-03-31",
                    "review_date": "2026-12-15",
                    "interventions": [
                        {
                            "type": "medication_taper",
                            "description": "Diazepam switch, 10% steps",
                            "frequency": "every 2 weeks",
                        },
                        {"type": "cbt", "frequency": "weekly"},
                    ],
                }
            ],
        },
        {
            "description": "Sleep",
            "goals": [
                {
                    "description": "Six hours a night",
                    "target_date": "2027-01-31",
                    "review_date": "2027-01-31",
                    "interventions": [{"type": "holistic"}],
                }
            ],
        },
    ]
}
INTERVENTION_TYPES = [
    "cbt",
    "group",
    "family",
    "motivational_interviewing",
    "contingency_management",
    "medication_taper",
    "holistic",
]


def plan_url(case_id, suffix=""):
    return f"/api/v1/cases/{case_id}/treatment-plan{suffix}"


def put(api, case_id, plan=None, etag=None):
    headers = {"If-Match": etag} if etag else {}
    return api.put(plan_url(case_id), json=PLAN if plan is None else plan, headers=headers)


def revised(**goal_changes):
    plan = copy.deepcopy(PLAN)
    plan["problems"][0]["goals"][0].update(goal_changes)
    return plan
