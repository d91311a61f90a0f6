"""The intake cases the clinical review found (issue "rule version 2"), each through the HTTP
API: every one must now be refused with a 422 naming the field, or raise the flag that names
the combination. The taper, withdrawal-score and report cases are in tests/cases and
tests/reports, under the same names."""

from __future__ import annotations

from datetime import date

import pytest

from core.extensions import db
from tests.factories import make_client
from tests.intake.assessments.test_assessments import CALM, NO_CRITERIA

NO_CSSRS = {f"q{i}": False for i in range(1, 7)}


def entry(name, category, dose=None, *, prescribed=False, **extra):
    return {
        "substance": name,
        "category": category,
        "daily_dose_mg": dose,
        "prescribed": prescribed,
        "taken_as_prescribed": prescribed,
        **extra,
    }


def sections(*substances, supervised=False, primary=None, **more):
    return {
        "substances": list(substances),
        "dsm5": {
            "primary_substance": primary or substances[0]["substance"],
            "medically_supervised": supervised,
            "criteria": {**NO_CRITERIA, "tolerance": True, "withdrawal": True},
        },
        "dimensions": CALM,
        **more,
    }


def new_client(app, **kw) -> int:
    with app.app_context():
        cid = make_client(**kw)
        db.session.commit()
    return cid


def draft_with(api, client_id, body):
    draft = api.post(f"/api/v1/clients/{client_id}/assessments", json={})
    assert draft.status_code == 201, draft.get_json()
    return api.patch(
        f"/api/v1/assessments/{draft.get_json()['id']}",
        json=body,
        headers={"If-Match": draft.headers["ETag"]},
    )


def submitted(api, client_id, body):
    filled = draft_with(api, client_id, body)
    assert filled.status_code == 200, filled.get_json()
    return api.post(f"/api/v1/assessments/{filled.get_json()['id']}/submit")


def flags_of(results):
    return {flag["type"]: flag for flag in results["flags"]}


# --- 3. suicide risk under-triaged by defaults ----------------------------------------------


def test_cssrs_q6_without_q6_recent_is_asked_not_scored_moderate(app, intake):
    cssrs = {**NO_CSSRS, "q6": True}
    body = sections(entry("wine", "alcohol"), screenings={"cssrs_screen": cssrs})
    response = submitted(intake, new_client(app), body)
    assert response.status_code == 422
    assert response.get_json()["missing"] == ["screenings.cssrs_screen.q6_recent"]


def test_cssrs_q2_without_q3_to_q5_is_asked_not_scored_low(app, intake):
    cssrs = {"q1": True, "q2": True, "q6": False}
    body = sections(entry("wine", "alcohol"), screenings={"cssrs_screen": cssrs})
    response = submitted(intake, new_client(app), body)
    assert response.status_code == 422
    missing = response.get_json()["missing"]
    assert missing == [f"screenings.cssrs_screen.q{i}" for i in (3, 4, 5)]


# --- 4. no re-alert after an acknowledgement ------------------------------------------------


def test_new_high_risk_cssrs_after_acknowledgement_re_alerts(app, intake, clinician):
    client_id = new_client(app)
    high = {**NO_CSSRS, "q2": True, "q3": True, "q4": True, "q5": False}
    body = sections(entry("wine", "alcohol"), screenings={"cssrs_screen": high})
    first = submitted(intake, client_id, body)
    flag = flags_of(first.get_json()["results"])["suicide_risk"]
    assert flag["severity"] == "urgent" and len(flag["history"]) == 1
    seen = clinician.post(f"/api/v1/flags/{flag['id']}/acknowledge")
    assert seen.status_code == 200 and seen.get_json()["acknowledged_at"]

    second = submitted(intake, client_id, body)
    again = flags_of(second.get_json()["results"])["suicide_risk"]
    assert again["id"] == flag["id"]  # one flag, not a duplicate
    assert again["acknowledged_at"] is None and again["acknowledged_by"] is None
    assert [h["severity"] for h in again["history"]] == ["urgent", "urgent"]
    assert all(h["source"] == "screening" and h["at"] for h in again["history"])
    unseen = clinician.get("/api/v1/flags?severity=urgent&acknowledged=false").get_json()
    assert flag["id"] in [item["id"] for item in unseen["items"]]


# --- 5. unit slips --------------------------------------------------------------------------


def test_alprazolam_500_mg_is_refused_as_a_unit_slip(app, intake):
    client_id = new_client(app)
    slip = entry("alprazolam", "benzodiazepine", 500)
    response = draft_with(intake, client_id, sections(slip))
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    (message,) = errors["substances.0.daily_dose_mg"]
    assert "10000 mg/day diazepam" in message and "micrograms" in message

    confirmed = draft_with(intake, client_id, sections({**slip, "dose_confirmed": True}))
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["substances"][0]["dose_confirmed"] is True


def test_doses_of_10000_mg_or_more_are_refused(app, intake):
    response = draft_with(intake, new_client(app), sections(entry("wine", "alcohol", 10000)))
    assert response.status_code == 422
    assert "daily_dose_mg" in response.get_json()["errors"]["json"]["substances"]["0"]


# --- 6. sedatives outside the table ---------------------------------------------------------


def test_etizolam_as_other_with_fentanyl_and_seizures_is_flagged_and_floored(app, intake):
    body = sections(
        entry("etizolam", "other", 2),
        entry("fentanyl", "opioid"),
        withdrawal_history={"seizures": True, "delirium": False},
    )
    response = submitted(intake, new_client(app), body)
    assert response.status_code == 200, response.get_json()
    results = response.get_json()["results"]
    flags = flags_of(results)
    respiratory = flags["respiratory_depression_risk"]
    assert respiratory["severity"] == "urgent"
    assert "etizolam" in respiratory["note"] and "fentanyl" in respiratory["note"]
    assert flags["complicated_withdrawal_risk"]["severity"] == "urgent"
    assert results["recommendation"]["level"] == "3.7"
    assert "complicated_withdrawal" in results["recommendation"]["driving_dimensions"]
    assert results["equivalence_missing"] == ["etizolam"]


@pytest.mark.parametrize(
    "pair",
    [
        (entry("oxycodone", "opioid"), entry("vodka", "alcohol")),
        (entry("methadone", "opioid", 60, prescribed=True), entry("pregabalin", "other", 300)),
    ],
    ids=["opioid_with_alcohol", "methadone_with_pregabalin"],
)
def test_opioid_with_another_depressant_raises_respiratory_flag(app, intake, pair):
    response = submitted(intake, new_client(app), sections(*pair))
    assert response.status_code == 200, response.get_json()
    flag = flags_of(response.get_json()["results"])["respiratory_depression_risk"]
    assert flag["severity"] == "urgent"
    assert all(part["substance"] in flag["note"] for part in pair)


# --- 7. supervision judged on the primary substance only ------------------------------------


def test_prescribed_alprazolam_with_street_clonazepam_is_not_supervised(app, intake):
    body = sections(
        entry("alprazolam", "benzodiazepine", 2, prescribed=True),
        entry("clonazepam", "benzodiazepine", 1),
        supervised=True,
    )
    response = submitted(intake, new_client(app), body)
    assert response.status_code == 422
    (message,) = response.get_json()["errors"]["json"]["dsm5.medically_supervised"]
    assert "clonazepam (substances.1)" in message


# --- 8. the rest ----------------------------------------------------------------------------


def test_intake_ciwa_b_in_the_severe_band_sets_urgent_review(app, intake):
    ciwa_b = [3] * 14 + [0] * 6  # 42: severe
    body = sections(entry("alprazolam", "benzodiazepine", 2), screenings={"ciwa_b": ciwa_b})
    response = submitted(intake, new_client(app), body)
    results = response.get_json()["results"]
    assert results["recommendation"]["requires_urgent_review"] is True
    assert flags_of(results)["severe_withdrawal"]["severity"] == "urgent"


def test_brand_names_are_accepted_and_stored_as_the_generic(app, intake):
    client_id = new_client(app)
    response = submitted(
        intake,
        client_id,
        sections(entry("X anax", "benzodiazepine", 1, prescribed=True), supervised=True),
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["substances"][0]["substance"] == "alprazolam"
    assert body["substances"][0]["entered_name"] == "X anax"
    assert body["results"]["diazepam_equivalent_mg_per_day"] == 20
    assert body["results"]["sud"]["use_disorder"] is False  # supervised: dependence only


def test_unknown_sedative_name_lists_the_accepted_names(app, intake):
    response = draft_with(intake, new_client(app), sections(entry("benzo", "benzodiazepine", 1)))
    assert response.status_code == 422
    (message,) = response.get_json()["errors"]["json"]["substances.0.substance"]
    assert "alprazolam" in message and "xanax" in message and "etizolam" in message


def test_older_adult_on_a_sedative_gets_a_falls_flag(app, intake):
    client_id = new_client(app, date_of_birth=date(1950, 1, 1))
    response = submitted(intake, client_id, sections(entry("zolpidem", "z_drug", 10)))
    assert flags_of(response.get_json()["results"])["falls_risk"]["severity"] == "warning"


def test_pregnancy_with_a_current_opioid_is_urgent(app, intake):
    body = sections(
        entry("heroin", "opioid"), pregnancy={"status": "pregnant", "gestation_weeks": 20}
    )
    response = submitted(intake, new_client(app, sex="female"), body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["pregnancy"] == {"status": "pregnant", "gestation_weeks": 20}
    flag = flags_of(response.get_json()["results"])["pregnancy"]
    assert flag["severity"] == "urgent" and flag["category"] == "medical"


def test_gestation_weeks_only_for_a_pregnancy(app, intake):
    body = sections(entry("wine", "alcohol"), pregnancy={"status": "unknown", "gestation_weeks": 3})
    response = draft_with(intake, new_client(app), body)
    assert response.status_code == 422
    assert "gestation_weeks" in response.get_json()["errors"]["json"]["pregnancy"]
