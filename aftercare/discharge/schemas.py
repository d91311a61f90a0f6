"""The discharge answer: the discharged case with its follow-ups and the sessions it left."""

from __future__ import annotations

from marshmallow import fields

from aftercare.follow_ups.schemas import FollowUpSchema
from cases.episodes.schemas import CaseSchema


class DischargedCaseSchema(CaseSchema):
    """The discharged case, with the follow-ups the discharge scheduled and the therapy
    sessions it left."""

    follow_ups = fields.List(fields.Nested(FollowUpSchema))
    #: sessions not yet started that the case was withdrawn from.
    withdrawn_session_count = fields.Integer()
    #: of those, the ones cancelled because no client remained (groups are kept).
    cancelled_session_ids = fields.List(fields.Integer())
