"""What a relapse-prevention plan needs before it may be agreed (API.md "Aftercare").

A draft may be incomplete. Agreeing it (`status: agreed`) needs what a clinician expects of
a plan the client leaves with:

- at least one trigger or high-risk situation and at least one coping strategy
  (relapse prevention after Marlatt & Gordon);
- a lapse plan: what to do after a slip so it does not become a relapse;
- a crisis plan with a crisis line and at least one safety step (Stanley & Brown);
- `crisis_plan.naloxone_offered: true` when the case's intake assessment lists an opioid
  (tolerance falls during treatment, so overdose risk rises after discharge);
- `crisis_plan.safe_storage` when there is a medication plan (medicines at home, e.g. a
  taper that continues after discharge, are stored safely or disposed of).
"""

from __future__ import annotations

from typing import Any


def _blank(value: Any) -> bool:
    return not (value or "").strip()


def _filled(items: Any) -> bool:
    return any(item.strip() for item in items or [])


def missing_for_agreement(content: dict[str, Any], *, opioids_involved: bool) -> dict[str, str]:
    """What a plan still lacks before it may be agreed: field path → why (empty when it may
    be agreed). The rules are in this module's docstring."""
    missing: dict[str, str] = {}
    if not _filled(content.get("triggers")):
        missing["triggers"] = "Name at least one trigger or high-risk situation."
    if not _filled(content.get("coping_strategies")):
        missing["coping_strategies"] = "Name at least one coping strategy."
    if _blank(content.get("lapse_plan")):
        missing["lapse_plan"] = "Say what to do after a lapse."
    crisis = content.get("crisis_plan") or {}
    if _blank(crisis.get("crisis_line")):
        missing["crisis_plan.crisis_line"] = "Give a crisis line."
    if not _filled(crisis.get("safety_steps")):
        missing["crisis_plan.safety_steps"] = "Name at least one safety step."
    if opioids_involved and crisis.get("naloxone_offered") is not True:
        missing["crisis_plan.naloxone_offered"] = (
            "The assessment lists opioid use: offer naloxone (tolerance falls during "
            "treatment, so overdose risk rises after discharge)."
        )
    if not _blank(content.get("medication_plan")) and _blank(crisis.get("safe_storage")):
        missing["crisis_plan.safe_storage"] = (
            "With a medication plan, say how medicines are stored safely or disposed of."
        )
    return missing
