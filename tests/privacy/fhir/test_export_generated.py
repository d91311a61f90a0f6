"""Every exported bundle validates: the demo clients (`seed-demo`), and clients whose records
hypothesis generates through the API (intake sections of every kind, cases at whatever level
the assessment recommends, plans, scores, sessions, discharges)."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.extensions import db
from intake.clients.models import Client
from intake.flags.rules import PSYCHIATRIC_DIAGNOSES
from intake.instruments.dsm5 import DSM5_CRITERIA
from privacy.fhir.export import FHIR_JSON
from tests.privacy.fhir.fhir_helpers import check_bundle, of_type
from tests.privacy.fhir.fhir_record import (
    DIMENSIONS,
    TREATMENT_PLAN,
    Staff,
    discharge,
    ok,
    submit_assessment_via_api,
)

_serial = itertools.count(1)


def exported(staff: Staff, client_id: int) -> dict[str, Any]:
    response = staff.clinician.get(
        f"/api/v1/clients/{client_id}/fhir", headers={"Accept": FHIR_JSON}
    )
    assert response.status_code == 200, response.data
    return json.loads(response.data)


def test_every_demo_client_exports_a_valid_bundle(app, staff):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        client_ids = list(db.session.execute(sa.select(Client.id).order_by(Client.id)).scalars())
    assert len(client_ids) >= 3
    for client_id in client_ids:
        bundle = check_bundle(exported(staff, client_id)).model_dump(mode="json")
        assert bundle["entry"][0]["resource"]["resourceType"] == "Patient"


# --- generated records ------------------------------------------------------------------------

#: (name, category, daily doses that stay under the plausibility bound) per substance.
SUBSTANCES = [
    ("alprazolam", "benzodiazepine", [0.25, 1, 4]),
    ("Xanax", "benzodiazepine", [0.5, 2]),
    ("lorazepam", "benzodiazepine", [0.5, 2, 6]),
    ("diazepam", "benzodiazepine", [2, 10, 40]),
    ("etizolam", "benzodiazepine", [1]),
    ("zolpidem", "z_drug", [5, 10]),
    ("heroin", "opioid", []),
    ("methadone", "opioid", [60]),
    ("alcohol", "alcohol", []),
    ("cocaine", "stimulant", []),
    ("methamphetamine", "stimulant", []),
    ("cannabis", "cannabis", []),
    ("kratom", "other", []),
    ("gabapentin", "other", [900]),
]


def _ago(days: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=days)).isoformat()


@st.composite
def substance(draw: Any) -> dict[str, Any]:
    name, category, doses = draw(st.sampled_from(SUBSTANCES))
    prescribed = draw(st.booleans())
    entry: dict[str, Any] = {
        "substance": name,
        "category": category,
        "prescribed": prescribed,
        "taken_as_prescribed": prescribed and draw(st.booleans()),
    }
    if doses:
        entry["daily_dose_mg"] = draw(st.sampled_from(doses))
    if draw(st.booleans()):
        entry["last_use"] = _ago(draw(st.integers(1, 1500)))
    return entry


def _cssrs(draw: Any) -> dict[str, Any]:
    answers = {key: draw(st.booleans()) for key in ("q1", "q2", "q6")}
    if answers["q2"]:
        answers |= {key: draw(st.booleans()) for key in ("q3", "q4", "q5")}
    if answers["q6"]:
        answers["q6_recent"] = draw(st.booleans())
    return answers


def _ints(n: int, high: int) -> Any:
    return st.lists(st.integers(0, high), min_size=n, max_size=n)


def _bools(n: int) -> Any:
    return st.lists(st.booleans(), min_size=n, max_size=n)


@st.composite
def screenings(draw: Any) -> dict[str, Any]:
    offered = {
        "phq9": _ints(9, 3),
        "gad7": _ints(7, 3),
        "audit_c": _ints(3, 4),
        "dast10": _bools(10),
        "sds": _ints(5, 3),
        "msi_bpd": _bools(10),
        "ciwa_b": _ints(20, 4),
        "pc_ptsd5": st.fixed_dictionaries({"trauma_exposure": st.booleans(), "items": _bools(5)}),
        "mdq": st.fixed_dictionaries(
            {
                "items": _bools(13),
                "same_period": st.booleans(),
                "problem": st.sampled_from(["none", "minor", "moderate", "serious"]),
            }
        ),
    }
    chosen = draw(st.lists(st.sampled_from(sorted(offered)), unique=True))
    found = {name: draw(offered[name]) for name in chosen}
    if draw(st.booleans()):
        found["cssrs_screen"] = _cssrs(draw)
    return found


@st.composite
def sections(draw: Any) -> dict[str, Any]:
    entries = draw(st.lists(substance(), min_size=1, max_size=4))
    found: dict[str, Any] = {
        "substances": entries,
        "dsm5": {
            "primary_substance": draw(st.sampled_from([e["substance"] for e in entries])),
            "medically_supervised": False,
            "criteria": {key: draw(st.booleans()) for key in DSM5_CRITERIA},
        },
        "screenings": draw(screenings()),
        "dimensions": {key: {"rating": draw(st.integers(0, 4))} for key in DIMENSIONS},
        "psychiatric_history": draw(st.lists(st.sampled_from(PSYCHIATRIC_DIAGNOSES), unique=True)),
    }
    if draw(st.booleans()):
        found["withdrawal_history"] = {
            "seizures": draw(st.booleans()),
            "delirium": draw(st.booleans()),
        }
    if draw(st.booleans()):
        found["pregnancy"] = {
            "status": draw(st.sampled_from(["pregnant", "not_pregnant", "unknown"]))
        }
    return found


clients = st.fixed_dictionaries(
    {
        "date_of_birth": st.dates(date(1930, 1, 1), date(2006, 1, 1)).map(str),
        "sex": st.sampled_from(["female", "male", "intersex", "unknown"]),
    },
    optional={
        "gender_identity": st.sampled_from(["woman", "man", "non-binary"]),
        "phone": st.just("+1 555 0100"),
        "address": st.just("2 Low Road"),
        "emergency_contact": st.just({"name": "Kin", "relationship": "friend", "phone": "555"}),
    },
)
later = st.fixed_dictionaries(
    {
        "open_case": st.booleans(),
        "plan": st.booleans(),
        "score": st.sampled_from([None, "ciwa_b", "ciwa_ar", "cows"]),
        "taper": st.booleans(),
        "session": st.booleans(),
        "discharge": st.booleans(),
        "second_assessment": st.booleans(),
    }
)
SCORE_ITEMS = {
    "ciwa_b": [2] * 20,
    "ciwa_ar": [1] * 9 + [0],
    "cows": [1, 1, 1, 2, 1, 1, 2, 1, 1, 1, 0],
}


def _register(staff: Staff, demographics: dict[str, Any]) -> int:
    body = {"first_name": "Gen", "last_name": f"Erated{next(_serial)}", **demographics}
    return ok(staff.intake.post("/api/v1/clients", json=body))["id"]


def _care(staff: Staff, case: dict[str, Any], steps: dict[str, Any]) -> None:
    api, case_id = staff.clinician, case["id"]
    if steps["plan"]:
        ok(api.put(f"/api/v1/cases/{case_id}/treatment-plan", json=TREATMENT_PLAN))
    if steps["score"]:
        body = {
            "instrument": steps["score"],
            "items": SCORE_ITEMS[steps["score"]],
            "observed_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        }
        ok(api.post(f"/api/v1/cases/{case_id}/withdrawal-scores", json=body))
    if steps["taper"]:
        body = {
            "medication": "lorazepam",
            "current_daily_dose_mg": 2,
            "switch_to_diazepam": False,
            "start_date": _ago(0),
        }
        ok(api.post(f"/api/v1/cases/{case_id}/taper-plans", json=body))
    if steps["session"] and case["status"] in ("active", "admitted"):
        start = datetime.now(UTC) + timedelta(days=60 + next(_serial))
        body = {
            "type": "cbt",
            "facilitator_id": staff.counsellor.user_id,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "case_ids": [case_id],
        }
        ok(api.post("/api/v1/sessions", json=body))


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(demographics=clients, intake=sections(), steps=later)
def test_every_generated_record_exports_a_valid_bundle(staff, demographics, intake, steps):
    client_id = _register(staff, demographics)
    assessment = submit_assessment_via_api(staff.intake, client_id, intake)
    if steps["open_case"]:
        level = assessment["results"]["recommendation"]["level"]
        body = {
            "client_id": client_id,
            "assessment_id": assessment["id"],
            "level": level,
            "primary_counsellor_id": staff.counsellor.user_id,
        }
        case = ok(staff.clinician.post("/api/v1/cases", json=body))
        _care(staff, case, steps)
        if steps["discharge"]:
            discharge(staff, case["id"])
    if steps["second_assessment"]:
        submit_assessment_via_api(staff.intake, client_id, intake)
    bundle = exported(staff, client_id)
    check_bundle(bundle)
    sud = assessment["results"]["sud"]
    assert len(of_type(bundle, "Condition")) == int(
        sud["use_disorder"] or sud["physical_dependence"]
    )
    assert len(of_type(bundle, "MedicationStatement")) >= len(intake["substances"])
