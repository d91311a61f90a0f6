"""Marshmallow schemas for relapse-prevention (aftercare) plans (API.md "Aftercare")."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from aftercare.plans.models import PlanStatus
from core.http import StrictSchema

_item = fields.String(validate=validate.Length(min=1, max=1000))
_items = validate.Length(max=50)
_text = validate.Length(max=10000)

#: The plan's sections, in the order the API documents them.
PLAN_SECTIONS: tuple[str, ...] = (
    "goals",
    "triggers",
    "warning_signs",
    "coping_strategies",
    "support_contacts",
    "support_groups",
    "lapse_plan",
    "crisis_plan",
    "medication_plan",
)


class SupportContactSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    relationship = fields.String(required=True, validate=validate.Length(min=1, max=100))
    phone = fields.String(required=True, validate=validate.Length(min=1, max=40))


class SupportGroupSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    #: free text, e.g. "Tuesdays 19:00, St Mary's hall".
    schedule = fields.String(required=True, validate=validate.Length(min=1, max=500))


class CrisisPlanSchema(StrictSchema):
    """Safety planning after Stanley & Brown (CLINICAL.md §7)."""

    crisis_line = fields.String(required=True, validate=validate.Length(min=1, max=200))
    safety_steps = fields.List(_item, load_default=list, validate=_items)
    #: naloxone offered (where opioids are involved: tolerance falls after treatment).
    naloxone_offered = fields.Boolean(allow_none=True, load_default=None)
    #: how medicines at home are stored safely or disposed of.
    safe_storage = fields.String(allow_none=True, load_default=None, validate=_text)


class AftercarePlanInputSchema(StrictSchema):
    """The whole plan, replaced by each PUT; omitted sections are empty. Agreeing needs more
    (see `aftercare.plans.rules.missing_for_agreement`)."""

    goals = fields.List(_item, load_default=list, validate=_items)
    #: triggers and high-risk situations.
    triggers = fields.List(_item, load_default=list, validate=_items)
    #: early warning signs of a relapse.
    warning_signs = fields.List(_item, load_default=list, validate=_items)
    coping_strategies = fields.List(_item, load_default=list, validate=_items)
    support_contacts = fields.List(
        fields.Nested(SupportContactSchema), load_default=list, validate=_items
    )
    support_groups = fields.List(
        fields.Nested(SupportGroupSchema), load_default=list, validate=_items
    )
    #: what to do after a lapse (a single slip), so it does not become a relapse.
    lapse_plan = fields.String(allow_none=True, load_default=None, validate=_text)
    crisis_plan = fields.Nested(CrisisPlanSchema, allow_none=True, load_default=None)
    #: medication after discharge, including a taper that continues.
    medication_plan = fields.String(allow_none=True, load_default=None, validate=_text)
    status = fields.Enum(PlanStatus, by_value=True, load_default=PlanStatus.DRAFT)


def plan_content(data: dict[str, Any]) -> dict[str, Any]:
    """The stored (JSON) form of a loaded plan: every section present, blanks as null."""
    content = {name: data[name] for name in PLAN_SECTIONS}
    for name in ("lapse_plan", "medication_plan"):
        content[name] = (content[name] or "").strip() or None
    if content["crisis_plan"] is not None:
        crisis = dict(content["crisis_plan"])
        crisis["safe_storage"] = (crisis.get("safe_storage") or "").strip() or None
        content["crisis_plan"] = crisis
    return content


class AftercarePlanContentSchema(ma.Schema):
    """The plan's sections, as stored in each version."""

    goals = fields.List(fields.String())
    triggers = fields.List(fields.String())
    warning_signs = fields.List(fields.String())
    coping_strategies = fields.List(fields.String())
    support_contacts = fields.List(fields.Nested(SupportContactSchema))
    support_groups = fields.List(fields.Nested(SupportGroupSchema))
    lapse_plan = fields.String(allow_none=True)
    crisis_plan = fields.Nested(CrisisPlanSchema, allow_none=True)
    medication_plan = fields.String(allow_none=True)


class AftercarePlanSchema(AftercarePlanContentSchema):
    """The current version: its sections at the top level, as PUT takes them."""

    id = fields.Integer()
    case_id = fields.Integer()
    version = fields.Integer()
    status = fields.Enum(PlanStatus, by_value=True)
    agreed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    updated_by = fields.Integer(attribute="updated_by_id", allow_none=True)

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr in PLAN_SECTIONS:
            return (obj.content or {}).get(attr, default)
        return super().get_attribute(obj, attr, default)


class AftercarePlanVersionSchema(ma.Schema):
    version = fields.Integer()
    status = fields.Enum(PlanStatus, by_value=True)
    #: the plan's sections as saved in this version.
    content = fields.Nested(AftercarePlanContentSchema)
    saved_at = fields.DateTime()
    saved_by = fields.Integer(attribute="saved_by_id", allow_none=True)
