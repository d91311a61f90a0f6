"""Follow-up after high-intensity care (HEDIS FUI, CLINICAL.md §7): the 7- and 30-day rates
count only discharges whose level at discharge was 3.1 or above; outpatient discharges are
left out of the denominator and counted apart."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from aftercare.follow_ups.models import FollowUp, FollowUpOutcome
from cases.episodes.models import Case, LevelChange
from core.extensions import db
from reports import service
from tests.factories import make_case, make_user

DISCHARGED_ON = date(2030, 6, 1)
PERIOD = {"from": "2030-05-01", "to": "2030-06-30"}


def discharge(counsellor: int, level: str, *, contact_after_days: int | None) -> int:
    """A case discharged at `level` on DISCHARGED_ON, reached `contact_after_days` later."""
    case_id = make_case(counsellor, level=level, status="discharged")
    case = db.session.get(Case, case_id)
    case.discharge_date = DISCHARGED_ON
    case.discharge_reason = "completed"
    if contact_after_days is not None:
        contact = datetime.combine(
            DISCHARGED_ON + timedelta(days=contact_after_days), time(10), tzinfo=UTC
        )
        db.session.add(
            FollowUp(
                case_id=case_id,
                client_id=case.client_id,
                offset_days=7,
                due_on=DISCHARGED_ON + timedelta(days=7),
                assigned_to_id=counsellor,
                contacted_at=contact,
                completed_at=contact,
                outcome=FollowUpOutcome.ABSTINENT,
            )
        )
    db.session.flush()
    return case_id


def outcomes(manager) -> dict:
    response = manager.get("/api/v1/reports/outcomes", query_string=PERIOD)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_outpatient_discharge_does_not_count_in_the_follow_up_rates(app, manager):
    with app.app_context():
        counsellor = make_user("counsellor")
        discharge(counsellor, "3.7", contact_after_days=6)  # inpatient, reached on day 6
        discharge(counsellor, "1", contact_after_days=None)  # outpatient, never reached
        db.session.commit()
    report = outcomes(manager)
    assert report["discharges"]["total"] == 2 and report["completion_rate"] == 1.0
    # counted, the outpatient discharge would halve both rates
    assert report["follow_up_7_day_rate"] == 1.0
    assert report["follow_up_30_day_rate"] == 1.0


def test_outpatient_contact_does_not_lift_the_follow_up_rates(app, manager):
    with app.app_context():
        counsellor = make_user("counsellor")
        discharge(counsellor, "3.5", contact_after_days=None)  # residential, never reached
        discharge(counsellor, "2.1", contact_after_days=3)  # intensive outpatient, reached
        db.session.commit()
    report = outcomes(manager)
    assert report["follow_up_7_day_rate"] == 0.0
    assert report["follow_up_30_day_rate"] == 0.0


@pytest.mark.parametrize(
    ("level", "counted"),
    [(level, False) for level in ("0.5", "1", "2.1", "2.5")]
    + [(level, True) for level in ("3.1", "3.5", "3.7", "4")],
)
def test_high_intensity_starts_at_level_3_1(app, manager, level, counted):
    with app.app_context():
        discharge(make_user("counsellor"), level, contact_after_days=20)
        db.session.commit()
    report = outcomes(manager)
    assert report["follow_up_7_day_rate"] == (0.0 if counted else None)
    assert report["follow_up_30_day_rate"] == (1.0 if counted else None)


def test_the_level_at_discharge_decides_not_the_level_at_placement(app, manager):
    with app.app_context():
        counsellor = make_user("counsellor")
        stepped_down = discharge(counsellor, "3.7", contact_after_days=None)
        db.session.get(Case, stepped_down).level = "2.1"  # stepped down before discharge
        db.session.add(LevelChange(case_id=stepped_down, from_level="3.7", to_level="2.1"))
        discharge(counsellor, "4", contact_after_days=2)
        db.session.commit()
    assert outcomes(manager)["follow_up_7_day_rate"] == 1.0


def test_outcomes_count_the_discharges_fui_leaves_out(app):
    with app.app_context():
        counsellor = make_user("counsellor")
        discharge(counsellor, "3.7", contact_after_days=6)
        discharge(counsellor, "3.1", contact_after_days=None)
        discharge(counsellor, "1", contact_after_days=6)
        report = service.outcomes(date(2030, 5, 1), date(2030, 6, 30))
    assert report["discharges"]["total"] == 3
    assert (report["high_intensity_discharges"], report["outpatient_discharges"]) == (2, 1)
    assert report["follow_up_7_day_rate"] == 0.5
