"""Case status moves, level changes and the discharge date window (API.md, CLINICAL.md §5)."""

import datetime as dt
import itertools

import pytest

from cases.episodes.rules import (
    ALLOWED_TRANSITIONS,
    DISCHARGE_REASONS,
    OPEN_STATUSES,
    CaseStatus,
    TransitionNotAllowed,
    check_transition,
    status_for_level_change,
    validate_discharge_date,
)

STATUSES = ["waitlisted", "admitted", "active", "discharged"]

# API.md: waitlisted -> admitted | discharged; admitted -> active | discharged;
# active -> admitted | waitlisted | discharged; discharged is final.
ALLOWED = {
    ("waitlisted", "admitted"),
    ("waitlisted", "discharged"),
    ("admitted", "active"),
    ("admitted", "discharged"),
    ("active", "admitted"),
    ("active", "waitlisted"),
    ("active", "discharged"),
}
ALL_PAIRS = list(itertools.product(STATUSES, STATUSES))

OUTPATIENT = ["0.5", "1", "2.1", "2.5"]
INPATIENT = ["3.1", "3.5", "3.7", "4"]


def test_case_status_values():
    assert [s.value for s in CaseStatus] == STATUSES
    assert {s.value for s in OPEN_STATUSES} == {"waitlisted", "admitted", "active"}


def test_allowed_transitions_table_matches_api():
    table = {(a.value, b.value) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets}
    assert table == ALLOWED
    assert set(ALLOWED_TRANSITIONS) == set(CaseStatus)


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed_transition_passes(current, target):
    assert check_transition(current, target) is None
    assert check_transition(CaseStatus(current), CaseStatus(target)) is None


@pytest.mark.parametrize(("current", "target"), [pair for pair in ALL_PAIRS if pair not in ALLOWED])
def test_disallowed_transition_raises_naming_current_target_and_allowed(current, target):
    with pytest.raises(TransitionNotAllowed) as excinfo:
        check_transition(current, target)
    error = excinfo.value
    message = str(error)
    assert current in message and target in message
    allowed_targets = sorted(t for c, t in ALLOWED if c == current)
    for allowed in allowed_targets:
        assert allowed in message
    assert list(error.allowed) == allowed_targets
    assert (error.current, error.target) == (current, target)
    assert isinstance(error, ValueError)


def test_discharged_is_final_message_says_so():
    with pytest.raises(TransitionNotAllowed, match="final"):
        check_transition("discharged", "active")


@pytest.mark.parametrize(("current", "target"), [("open", "active"), ("active", "closed")])
def test_unknown_status_is_a_value_error_not_a_transition_error(current, target):
    with pytest.raises(ValueError, match="Unknown case status") as excinfo:
        check_transition(current, target)
    assert not isinstance(excinfo.value, TransitionNotAllowed)


# --- level changes -----------------------------------------------------------------------------


@pytest.mark.parametrize("level", OUTPATIENT)
@pytest.mark.parametrize("bed", [True, False])
def test_admitted_to_outpatient_level_becomes_active(level, bed):
    assert status_for_level_change("admitted", level, bed) == "active"


@pytest.mark.parametrize("level", INPATIENT)
def test_active_to_inpatient_level_with_free_bed_is_admitted(level):
    assert status_for_level_change("active", level, True) == "admitted"


@pytest.mark.parametrize("level", INPATIENT)
def test_active_to_inpatient_level_without_bed_is_waitlisted(level):
    assert status_for_level_change("active", level, False) == "waitlisted"


@pytest.mark.parametrize("bed", [True, False])
@pytest.mark.parametrize(
    ("status", "level"),
    [("active", lvl) for lvl in OUTPATIENT]
    + [("admitted", lvl) for lvl in INPATIENT]
    + [("waitlisted", lvl) for lvl in INPATIENT],
)
def test_same_setting_keeps_status(status, level, bed):
    assert status_for_level_change(status, level, bed) == status


@pytest.mark.parametrize("level", OUTPATIENT)
def test_waitlisted_to_outpatient_level_is_not_an_allowed_move(level):
    # waitlisted -> active is not in the API's table of moves.
    with pytest.raises(TransitionNotAllowed):
        status_for_level_change("waitlisted", level, True)


@pytest.mark.parametrize("level", OUTPATIENT + INPATIENT)
def test_discharged_case_level_cannot_change(level):
    with pytest.raises(TransitionNotAllowed):
        status_for_level_change("discharged", level, True)


@pytest.mark.parametrize("level", ["5", "3", "", "0.5 ", None])
def test_unknown_level_rejected(level):
    with pytest.raises(ValueError, match="level"):
        status_for_level_change("active", level, True)


def test_level_change_result_is_always_an_allowed_move_or_unchanged():
    for status, level, bed in itertools.product(
        ["waitlisted", "admitted", "active"], OUTPATIENT + INPATIENT, [True, False]
    ):
        try:
            result = status_for_level_change(status, level, bed)
        except TransitionNotAllowed:
            continue
        assert result == status or (status, result) in ALLOWED


# --- discharge ---------------------------------------------------------------------------------

TODAY = dt.date(2026, 3, 15)


def test_discharge_reasons():
    assert set(DISCHARGE_REASONS) == {
        "completed",
        "against_advice",
        "transferred",
        "administrative",
    }


@pytest.mark.parametrize("days_ago", [0, 1, 29, 30])
def test_discharge_up_to_thirty_days_in_the_past_allowed(days_ago):
    date = TODAY - dt.timedelta(days=days_ago)
    assert validate_discharge_date(date, TODAY, dt.date(2025, 1, 1)) is None


@pytest.mark.parametrize("days_ago", [31, 365])
def test_discharge_more_than_thirty_days_ago_rejected(days_ago):
    date = TODAY - dt.timedelta(days=days_ago)
    message = validate_discharge_date(date, TODAY, dt.date(2025, 1, 1))
    assert message and "30 days" in message


@pytest.mark.parametrize("days_ahead", [1, 30])
def test_discharge_in_the_future_rejected(days_ahead):
    date = TODAY + dt.timedelta(days=days_ahead)
    message = validate_discharge_date(date, TODAY, dt.date(2025, 1, 1))
    assert message and "future" in message


def test_discharge_on_the_day_of_admission_allowed():
    admitted = TODAY - dt.timedelta(days=5)
    assert validate_discharge_date(admitted, TODAY, admitted) is None


def test_discharge_the_day_before_admission_rejected():
    admitted = TODAY - dt.timedelta(days=5)
    message = validate_discharge_date(admitted - dt.timedelta(days=1), TODAY, admitted)
    assert message and "before" in message and str(admitted) in message


def test_discharge_on_the_day_of_admission_today_allowed():
    assert validate_discharge_date(TODAY, TODAY, TODAY) is None


def test_discharge_accepts_datetime_admission_by_its_date():
    admitted_at = dt.datetime(2026, 3, 10, 18, 30, tzinfo=dt.UTC)
    assert validate_discharge_date(dt.date(2026, 3, 10), TODAY, admitted_at) is None
    assert validate_discharge_date(dt.date(2026, 3, 9), TODAY, admitted_at) is not None
