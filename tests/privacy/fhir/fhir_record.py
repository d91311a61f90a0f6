"""A client's whole record built through the API, for the FHIR export tests: assessments,
cases (one open, the others discharged), plans, tapers, withdrawal scores, sessions, notes
and flags."""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from intake.instruments.dsm5 import DSM5_CRITERIA
from tests.factories import ApiClient, post_case, submit_assessment_via_api

_names = itertools.count(1)
#: each record's sessions on a day of their own (one facilitator books them all).
_days = itertools.count(3)
DIMENSIONS = (
    "withdrawal",
    "biomedical",
    "emotional_behavioural",
    "readiness",
    "relapse_potential",
    "recovery_environment",
)


# --- a record through the API -----------------------------------------------------------------


@dataclass
class Staff:
    intake: ApiClient
    clinician: ApiClient
    counsellor: ApiClient


@dataclass
class Record:
    client_id: int
    case_ids: list[int] = field(default_factory=list)
    assessment_ids: list[int] = field(default_factory=list)
    session_ids: list[int] = field(default_factory=list)
    note_ids: list[int] = field(default_factory=list)
    hidden_note_ids: list[int] = field(default_factory=list)


#: An intake with a sedative use disorder, several substances and every screening.
RICH_SECTIONS: dict[str, Any] = {
    "substances": [
        {
            "substance": "Xanax",
            "category": "benzodiazepine",
            "daily_dose_mg": 2,
            "route": "oral",
            "frequency": "three times a day",
            "duration_months": 18,
            "prescribed": True,
            "taken_as_prescribed": False,
        },
        {
            "substance": "alcohol",
            "category": "alcohol",
            "prescribed": False,
            "taken_as_prescribed": False,
        },
        {
            "substance": "crack cocaine",
            "category": "stimulant",
            "last_use": "2020-06-01",
            "prescribed": False,
            "taken_as_prescribed": False,
        },
    ],
    "dsm5": {
        "primary_substance": "alprazolam",
        "medically_supervised": False,
        "criteria": {**dict.fromkeys(DSM5_CRITERIA, False), "craving": True, "cut_down": True}
        | {"tolerance": True, "withdrawal": True, "role_failure": True},
    },
    "screenings": {
        "phq9": [2, 2, 1, 1, 2, 1, 2, 1, 0],
        "gad7": [2, 2, 2, 1, 1, 1, 1],
        "audit_c": [2, 1, 1],
        "dast10": [True, True, False, True, False, False, False, False, False, False],
        "sds": [2, 2, 1, 1, 1],
        "msi_bpd": [False] * 10,
        "pc_ptsd5": {"trauma_exposure": False, "items": [False] * 5},
        "mdq": {"items": [False] * 13, "same_period": False, "problem": "none"},
        "cssrs_screen": {"q1": True, "q2": False, "q6": False},
        "ciwa_b": [1] * 20,
    },
    "withdrawal_history": {"seizures": False, "delirium": False},
    "dimensions": {key: {"rating": 1} for key in DIMENSIONS},
}


def rich_sections() -> dict[str, Any]:
    """A fresh copy of :data:`RICH_SECTIONS`."""
    return copy.deepcopy(RICH_SECTIONS)


TREATMENT_PLAN = {
    "problems": [
        {
            "description": "Alprazolam taken above the prescribed dose",
            "goals": [
                {
                    "description": "Off alprazolam without seizures",
                    "target_date": "2027-06-30",
                    "review_date": "2027-01-15",
                    "interventions": [
                        {"type": "medication_taper", "description": "Diazepam switch"},
                        {"type": "cbt", "frequency": "weekly"},
                    ],
                }
            ],
        }
    ]
}
AFTERCARE_PLAN = {
    "goals": ["Stay off benzodiazepines"],
    "triggers": ["Sleepless nights"],
    "warning_signs": ["Skipping meetings"],
    "coping_strategies": ["Call sponsor"],
    "support_contacts": [{"name": "Robin Third", "relationship": "sponsor", "phone": "555 0100"}],
    "support_groups": [{"name": "SMART Recovery", "schedule": "Tuesdays 19:00"}],
    "lapse_plan": "Call the counsellor the same day.",
    "crisis_plan": {
        "crisis_line": "988",
        "safety_steps": ["Go somewhere safe"],
        "naloxone_offered": True,
        "safe_storage": "Pharmacy takes back leftover tablets.",
    },
    "medication_plan": "Taper continues with the GP.",
    "status": "agreed",
}
NOTE_BODIES = {
    "progress": {"text": "Cravings lower this week."},
    "dap": {"data": "Slept 6 hours.", "assessment": "Stable.", "plan": "Continue taper."},
    "soap": {
        "subjective": "Anxious in the evenings.",
        "objective": "Calm, no tremor.",
        "assessment": "Mild rebound anxiety.",
        "plan": "Review Friday.",
    },
}


def ok(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def new_client(staff: Staff, **extra: Any) -> int:
    n = next(_names)
    body = {
        "first_name": "Fhir",
        "last_name": f"Client{n}",
        "date_of_birth": "1984-05-02",
        "sex": "female",
        "gender_identity": "woman",
        "phone": "+1 555 0199",
        "email": f"client{n}@example.org",
        "address": "1 High Street",
        "emergency_contact": {"name": "Alex Kin", "relationship": "sister", "phone": "555 0111"},
        **extra,
    }
    return ok(staff.intake.post("/api/v1/clients", json=body))["id"]


def open_case(staff: Staff, client_id: int, assessment: dict[str, Any]) -> int:
    level = assessment["results"]["recommendation"]["level"]
    return post_case(staff.clinician, client_id, assessment["id"], level, staff.counsellor.user_id)[
        "id"
    ]


def discharge(staff: Staff, case_id: int) -> None:
    body = {"reason": "administrative", "date": date.today().isoformat(), "summary": "Moved."}
    ok(staff.clinician.post(f"/api/v1/cases/{case_id}/discharge", json=body), 200)


def add_plans(staff: Staff, case_id: int, n: int) -> None:
    """A treatment plan, an agreed aftercare plan, `n` taper plans (the first approved) and
    `n` withdrawal scores."""
    api = staff.clinician
    ok(api.put(f"/api/v1/cases/{case_id}/treatment-plan", json=TREATMENT_PLAN))
    ok(api.put(f"/api/v1/cases/{case_id}/aftercare-plan", json=AFTERCARE_PLAN))
    for i in range(n):
        body = {
            "medication": "alprazolam",
            "current_daily_dose_mg": 2,
            "switch_to_diazepam": i % 2 == 0,
            "start_date": "2026-03-02",
        }
        plan = ok(api.post(f"/api/v1/cases/{case_id}/taper-plans", json=body))
        if i == 0:
            ok(
                api.post(f"/api/v1/taper-plans/{plan['id']}/approve", json={"approval_note": "ok"}),
                200,
            )
    for i in range(n):
        observed = datetime.now(UTC) - timedelta(hours=30 * (n - i))
        body = {"instrument": "cows", "items": [1] * 10 + [0], "observed_at": observed.isoformat()}
        ok(api.post(f"/api/v1/cases/{case_id}/withdrawal-scores", json=body))


def add_sessions(
    staff: Staff, record: Record, case_id: int, n: int, other_case: int | None
) -> None:
    """`n` individual sessions, one group session shared with `other_case` (another client),
    and a family session; the last individual one cancelled."""
    start = (datetime.now(UTC) + timedelta(days=next(_days))).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    facilitator = staff.counsellor.user_id
    bookings = [{"type": "individual", "case_ids": [case_id]} for _ in range(n)]
    bookings.append({"type": "group", "capacity": 8, "title": "Relapse prevention group"})
    bookings[-1]["case_ids"] = [case_id] + ([other_case] if other_case else [])
    bookings.append(
        {
            "type": "family",
            "case_ids": [case_id],
            "family_members": [{"name": "Kim Secret", "relationship": "mother"}],
        }
    )
    for i, booking in enumerate(bookings):
        at = start + timedelta(hours=2 * i)
        body = {
            "facilitator_id": facilitator,
            "starts_at": at.isoformat(),
            "ends_at": (at + timedelta(minutes=50)).isoformat(),
            **booking,
        }
        record.session_ids.append(
            ok(staff.clinician.post("/api/v1/sessions", json=body))["sessions"][0]["id"]
        )
    cancel = {"reason": "Facilitator ill"}
    ok(
        staff.clinician.post(f"/api/v1/sessions/{record.session_ids[n - 1]}/cancel", json=cancel),
        200,
    )


def add_notes(staff: Staff, record: Record, case_id: int, n: int) -> None:
    """`n` signed notes (the first with an addendum), plus a draft and a signed group note,
    which are not exported."""
    api = staff.clinician
    kinds = list(NOTE_BODIES)
    for i in range(n):
        kind = kinds[i % len(kinds)]
        note = ok(
            api.post(
                f"/api/v1/cases/{case_id}/notes", json={"kind": kind, "body": NOTE_BODIES[kind]}
            )
        )
        ok(api.post(f"/api/v1/notes/{note['id']}/sign", json={}), 200)
        if i == 0:
            ok(api.post(f"/api/v1/notes/{note['id']}/addenda", json={"text": "Late entry."}))
        record.note_ids.append(note["id"])
    draft = ok(
        api.post(
            f"/api/v1/cases/{case_id}/notes", json={"kind": "progress", "body": {"text": "Draft."}}
        )
    )
    group = ok(
        api.post(
            f"/api/v1/cases/{case_id}/notes", json={"kind": "group", "body": {"text": "Group."}}
        )
    )
    ok(api.post(f"/api/v1/notes/{group['id']}/sign", json={}), 200)
    record.hidden_note_ids += [draft["id"], group["id"]]


def add_flags(staff: Staff, client_id: int, n: int) -> None:
    """`n` manual flags, the first resolved."""
    kinds = ["other_care", "violence_risk", "other_medical", "self_harm", "other_psychiatric"]
    for i in range(n):
        body = {"type": kinds[i % len(kinds)], "severity": "warning", "note": f"Manual {i}"}
        flag = ok(staff.clinician.post(f"/api/v1/clients/{client_id}/flags", json=body))
        if i == 0:
            ok(
                staff.clinician.post(
                    f"/api/v1/flags/{flag['id']}/resolve", json={"reason": "Done"}
                ),
                200,
            )


def add_consents(staff: Staff, client_id: int, n: int) -> None:
    """`n` consents to disclose (the consents domain's own API), the first revoked."""
    for i in range(n):
        body = {
            "kind": "specific",
            "recipient": {"name": f"Riverside GP {i}"},
            "purpose": "Continuing care",
            "information": ["diagnoses", "medications"],
            "expires_on": "2099-12-31",
            "signed_on": date.today().isoformat(),
            "signature": {"method": "typed", "signed_by": "The client"},
        }
        consent = ok(staff.intake.post(f"/api/v1/clients/{client_id}/consents", json=body))
        if i == 0:
            revoke = {"reason": "Changed her mind", "revoked_on": date.today().isoformat()}
            ok(staff.intake.post(f"/api/v1/consents/{consent['id']}/revoke", json=revoke), 200)


def whole_record(staff: Staff, n: int = 1, other_case: int | None = None) -> Record:
    """A client with `n` submitted assessments (and a draft), `n` cases (all but the last
    discharged) and, on the open case, plans, tapers, withdrawal scores, sessions, notes and
    flags and consents, `n` of each where the kind repeats."""
    record = Record(new_client(staff))
    assessments = [
        submit_assessment_via_api(staff.intake, record.client_id, rich_sections()) for _ in range(n)
    ]
    ok(staff.intake.post(f"/api/v1/clients/{record.client_id}/assessments", json={}))
    record.assessment_ids = [a["id"] for a in assessments]
    for i in range(n):
        record.case_ids.append(open_case(staff, record.client_id, assessments[-1]))
        if i < n - 1:
            discharge(staff, record.case_ids[-1])
    case_id = record.case_ids[-1]
    add_plans(staff, case_id, n)
    add_sessions(staff, record, case_id, n, other_case)
    add_notes(staff, record, case_id, n)
    add_flags(staff, record.client_id, n)
    add_consents(staff, record.client_id, n)
    return record
