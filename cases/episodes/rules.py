"""Case status and placement rules (API.md "Placement and cases", CLINICAL.md §5).

- A case is ``waitlisted``, ``admitted`` (in a bed), ``active`` (outpatient) or ``discharged``.
  Only these moves are allowed: waitlisted -> admitted (a bed frees) or discharged; admitted ->
  active (a level change to an outpatient level frees the bed) or discharged; active -> admitted
  or waitlisted (a level change to an inpatient level takes a free bed or joins the waitlist) or
  discharged. Discharged is final: a new case follows.
- The setting follows the level: levels 0.5-2.5 are outpatient, 3.1-4 inpatient.
- A discharge may be recorded up to 30 days late, never in the future, never before the case
  began (admission, or opening for a case that was never admitted).
- A placement may be recorded up to 30 days late (`opened_on`), never in the future, never
  before the assessment it is decided on nor before the client's previous discharge.
- A discharged case still takes withdrawal scores for 30 days after its discharge date (a
  taper that continues after discharge is still monitored); after that, a new case does."""

import datetime as dt
from enum import StrEnum

from intake.assessments.placement import INPATIENT_LEVELS, LEVELS

__all__ = [
    "ALLOWED_TRANSITIONS",
    "DISCHARGE_BACKDATE_DAYS",
    "DISCHARGE_REASONS",
    "LATE_ENTRY_DAYS",
    "OPEN_STATUSES",
    "WITHDRAWAL_AFTER_DISCHARGE_DAYS",
    "CaseStatus",
    "TransitionNotAllowed",
    "check_transition",
    "status_for_level_change",
    "validate_discharge_date",
    "validate_opened_on",
    "withdrawal_recording_error",
]


class CaseStatus(StrEnum):
    WAITLISTED = "waitlisted"
    ADMITTED = "admitted"  #: inpatient, in a bed
    ACTIVE = "active"  #: outpatient
    DISCHARGED = "discharged"


ALLOWED_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.WAITLISTED: frozenset({CaseStatus.ADMITTED, CaseStatus.DISCHARGED}),
    CaseStatus.ADMITTED: frozenset({CaseStatus.ACTIVE, CaseStatus.DISCHARGED}),
    CaseStatus.ACTIVE: frozenset(
        {CaseStatus.ADMITTED, CaseStatus.WAITLISTED, CaseStatus.DISCHARGED}
    ),
    CaseStatus.DISCHARGED: frozenset(),
}

#: A client has at most one case in these statuses.
OPEN_STATUSES: frozenset[CaseStatus] = frozenset(
    {CaseStatus.WAITLISTED, CaseStatus.ADMITTED, CaseStatus.ACTIVE}
)

DISCHARGE_REASONS: tuple[str, ...] = (
    "completed",
    "against_advice",
    "transferred",
    "administrative",
)

#: How many days in the past a discharge date may lie (recorded late).
DISCHARGE_BACKDATE_DAYS = 30

#: How many days in the past a placement may be recorded (`opened_on`).
LATE_ENTRY_DAYS = 30

#: For how many days after its discharge date a case still takes withdrawal scores.
WITHDRAWAL_AFTER_DISCHARGE_DAYS = 30

#: Statuses whose case is (or is waiting to be) in a bed; ``active`` is the outpatient one.
_INPATIENT_STATUSES = frozenset({CaseStatus.WAITLISTED, CaseStatus.ADMITTED})


class TransitionNotAllowed(ValueError):
    """A status move the table does not allow (a 409)."""

    def __init__(self, current: CaseStatus, target: CaseStatus) -> None:
        self.current = current
        self.target = target
        self.allowed = tuple(sorted(ALLOWED_TRANSITIONS[current]))
        allowed = ", ".join(self.allowed) or "none (discharged is final)"
        super().__init__(
            f"A case cannot move from {current} to {target}; allowed from {current}: {allowed}."
        )


def _status(value: str) -> CaseStatus:
    try:
        return CaseStatus(value)
    except ValueError:
        allowed = ", ".join(CaseStatus)
        raise ValueError(f"Unknown case status {value!r}; allowed: {allowed}.") from None


def check_transition(current: str, target: str) -> None:
    """Raise TransitionNotAllowed unless ``current -> target`` is in ALLOWED_TRANSITIONS.

    Staying in the same status is not a transition and is rejected too. An unknown status is a
    plain ValueError.
    """
    current_status, target_status = _status(current), _status(target)
    if target_status not in ALLOWED_TRANSITIONS[current_status]:
        raise TransitionNotAllowed(current_status, target_status)


def status_for_level_change(current_status: str, new_level: str, bed_available: bool) -> str:
    """The status a case takes when its level of care changes to ``new_level``.

    Same setting as now (waitlisted or admitted with an inpatient level, active with an
    outpatient one): the status is unchanged. To an outpatient level: ``active``. To an inpatient
    level: ``admitted`` when a bed is free, else ``waitlisted``. The resulting move must be an
    allowed one, so a discharged case, or a waitlisted case moved to an outpatient level
    (waitlisted -> active is not in the table), raises TransitionNotAllowed.
    """
    status = _status(current_status)
    if new_level not in LEVELS:
        raise ValueError(f"Unknown level {new_level!r}; allowed: {', '.join(LEVELS)}.")
    if status is CaseStatus.DISCHARGED:
        raise TransitionNotAllowed(status, status)
    inpatient = new_level in INPATIENT_LEVELS
    if inpatient == (status in _INPATIENT_STATUSES):
        return status.value
    if not inpatient:
        target = CaseStatus.ACTIVE
    else:
        target = CaseStatus.ADMITTED if bed_available else CaseStatus.WAITLISTED
    check_transition(status, target)
    return target.value


def validate_discharge_date(
    discharge_date: dt.date, today: dt.date, started_on: dt.date
) -> str | None:
    """An error message when ``discharge_date`` is not allowed, else None.

    Allowed: from ``today - 30 days`` to ``today`` inclusive, and not before ``started_on``
    (the admission date, or the opening date for a case that was never admitted). Datetimes are
    compared by their date.
    """
    discharge_date, today, started_on = _day(discharge_date), _day(today), _day(started_on)
    earliest = today - dt.timedelta(days=DISCHARGE_BACKDATE_DAYS)
    if discharge_date > today:
        return f"The discharge date {discharge_date} is in the future (today is {today})."
    if discharge_date < earliest:
        return (
            f"The discharge date {discharge_date} is more than {DISCHARGE_BACKDATE_DAYS} days in "
            f"the past; the earliest allowed is {earliest}."
        )
    if discharge_date < started_on:
        return f"The discharge date {discharge_date} is before the case began on {started_on}."
    return None


def validate_opened_on(
    opened_on: dt.date,
    today: dt.date,
    *,
    assessed_on: dt.date,
    last_discharge: dt.date | None = None,
) -> str | None:
    """An error message when a placement cannot be dated ``opened_on``, else None.

    Allowed: from ``today - 30 days`` to ``today`` inclusive, not before ``assessed_on`` (the
    assessment the placement is decided on) and not before ``last_discharge`` (the client's
    previous episode ended then; the same day is allowed)."""
    earliest = today - dt.timedelta(days=LATE_ENTRY_DAYS)
    if opened_on > today:
        return f"The opening date {opened_on} is in the future (today is {today})."
    if opened_on < earliest:
        return (
            f"The opening date {opened_on} is more than {LATE_ENTRY_DAYS} days in the past; "
            f"the earliest allowed is {earliest}."
        )
    if opened_on < assessed_on:
        return f"The opening date {opened_on} is before the assessment of {assessed_on}."
    if last_discharge is not None and opened_on < last_discharge:
        return (
            f"The opening date {opened_on} is before the client's previous case was "
            f"discharged on {last_discharge}."
        )
    return None


def withdrawal_recording_error(
    status: CaseStatus, discharge_date: dt.date | None, today: dt.date
) -> str | None:
    """An error message when a case no longer takes withdrawal scores, else None: an open
    case always does; a discharged one up to and including 30 days after its discharge
    date."""
    if status is not CaseStatus.DISCHARGED or discharge_date is None:
        return None
    last = discharge_date + dt.timedelta(days=WITHDRAWAL_AFTER_DISCHARGE_DAYS)
    if today <= last:
        return None
    return (
        f"The case was discharged on {discharge_date}; withdrawal scores can be recorded on "
        f"it up to {WITHDRAWAL_AFTER_DISCHARGE_DAYS} days after discharge (until {last}). "
        "Open a new case to record more."
    )


def _day(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
