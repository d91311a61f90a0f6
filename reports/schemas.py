"""Schemas of the manager reports; field descriptions carry the definitions."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from core.http import QuerySchema


def _int(description: str) -> fields.Integer:
    return fields.Integer(metadata={"description": description})


class CaseloadQuerySchema(QuerySchema):
    as_of = fields.Date(
        metadata={"description": "Anchors the time windows; default today in CENTRE_TIMEZONE."}
    )
    format = fields.String(
        validate=validate.OneOf(["json", "csv"]),
        metadata={"description": "`csv` returns the by_counsellor rows (also Accept: text/csv)."},
    )


class TotalsSchema(ma.Schema):
    open_cases = _int("Cases waitlisted, admitted or active.")
    inpatient = _int("Admitted cases.")
    outpatient = _int("Active (outpatient) cases.")
    waitlisted = _int("Waitlisted cases.")
    dual_diagnosis = _int(
        "Open cases whose client has an active psychiatric flag and whose latest submitted "
        "assessment found a use disorder or physical dependence."
    )
    urgent_flags = _int("Active urgent flags on clients with an open case.")
    overdue_follow_ups = _int("Follow-ups not completed and due before as_of.")


class BedsSchema(ma.Schema):
    total = _int("Beds in service.")
    occupied = _int("Beds with an admitted case.")


class CounsellorRowSchema(ma.Schema):
    staff_id = fields.Integer()
    name = fields.String()
    open_cases = _int("Open cases where the counsellor is primary counsellor.")
    inpatient = _int("Of those, admitted.")
    outpatient = _int("Of those, active.")
    dual_diagnosis = _int("Of those, with a dual diagnosis.")
    sessions_next_7_days = _int(
        "Non-cancelled sessions the counsellor facilitates starting within 7 days from the "
        "start of as_of (midnight in CENTRE_TIMEZONE)."
    )
    attendance_rate_30_days = fields.Float(
        allow_none=True,
        metadata={
            "description": "(attended + late) / (attended + late + absent) over participants of "
            "non-cancelled sessions the counsellor facilitated in the 30 days before as_of; "
            "null when there is nothing to count."
        },
    )
    overdue_follow_ups = _int("Follow-ups assigned to the counsellor, due before as_of, open.")
    urgent_flags = _int("Active urgent flags on clients of the counsellor's open cases.")


class CaseloadReportSchema(ma.Schema):
    as_of = fields.Date()
    totals = fields.Nested(TotalsSchema)
    beds = fields.Nested(BedsSchema)
    by_counsellor = fields.List(fields.Nested(CounsellorRowSchema))
    by_level = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Open cases per level-of-care code."},
    )


class OutcomesQuerySchema(QuerySchema):
    from_ = fields.Date(data_key="from", metadata={"description": "Default: 90 days before to."})
    to = fields.Date(metadata={"description": "Default: today in CENTRE_TIMEZONE."})


class DischargeCountsSchema(ma.Schema):
    total = fields.Integer()
    completed = fields.Integer()
    against_advice = fields.Integer()
    transferred = fields.Integer()
    administrative = fields.Integer()


class OutcomesReportSchema(ma.Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    admissions = _int("Cases opened (placements) in the period.")
    discharges = fields.Nested(DischargeCountsSchema)
    completion_rate = fields.Float(
        allow_none=True, metadata={"description": "completed / discharges."}
    )
    average_length_of_stay_days = fields.Float(
        allow_none=True,
        metadata={"description": "Mean days from admission (or opening) to discharge date."},
    )
    high_intensity_discharges = _int(
        "Discharges whose level at discharge was 3.1 or above (inpatient or residential): "
        "the denominator of the follow-up rates (HEDIS FUI)."
    )
    outpatient_discharges = _int(
        "Discharges from outpatient levels (0.5-2.5), left out of the follow-up rates."
    )
    follow_up_7_day_rate = fields.Float(
        allow_none=True,
        metadata={
            "description": "High-intensity discharges (level 3.1 and above at discharge) "
            "with a follow-up contact on a date after discharge within 7 days (HEDIS FUI); "
            "unreachable does not count; null when there is no such discharge."
        },
    )
    follow_up_30_day_rate = fields.Float(
        allow_none=True, metadata={"description": "As above, 30 days."}
    )
    relapse_within_90_days_rate = fields.Float(
        allow_none=True,
        metadata={
            "description": "Discharges with a relapse recorded at a follow-up within 90 days."
        },
    )
