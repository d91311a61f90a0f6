"""The manager dashboard's charts (pygal SVG through `web.charts`): open cases by level,
bed occupancy, discharges by reason, and the follow-up and relapse rates. Each is drawn from
the report dicts of `reports.service` as they are; the page shows every number again in a
table under its chart (UI.md "Charts")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from intake.assessments.placement import LEVELS
from reports.service import DISCHARGE_REASONS
from web.cases import DISCHARGE_LABELS
from web.charts import count_chart

#: The outcome rates charted, in order, with their labels.
RATES: Mapping[str, str] = {
    "follow_up_7_day_rate": "Follow-up within 7 days",
    "follow_up_30_day_rate": "Follow-up within 30 days",
    "relapse_within_90_days_rate": "Relapse within 90 days",
}


def levels_chart(by_level: Mapping[str, int]) -> Markup:
    """Open cases per level of care, every level shown (zero included)."""
    return count_chart(
        "Open cases by level of care",
        list(LEVELS),
        {"Open cases": [by_level.get(level, 0) for level in LEVELS]},
        x_title="Level of care",
        y_title="Open cases",
        description="Open cases (waitlisted, admitted or active) per level of care.",
        height=320,
    )


def beds_chart(beds: Mapping[str, Any]) -> Markup:
    """Beds in service, occupied and free."""
    return count_chart(
        "Bed occupancy",
        ["Occupied", "Free"],
        {"Beds": [beds["occupied"], beds["free"]]},
        horizontal=True,
        description=f"{beds['occupied']} of {beds['total']} beds in service are occupied.",
        height=220,
    )


def discharges_chart(discharges: Mapping[str, int]) -> Markup:
    """Discharges in the period by reason."""
    return count_chart(
        "Discharges by reason",
        [DISCHARGE_LABELS.get(reason, reason) for reason in DISCHARGE_REASONS],
        {"Discharges": [discharges[reason] for reason in DISCHARGE_REASONS]},
        horizontal=True,
        description=f"{discharges['total']} discharges in the period, by reason.",
        height=280,
    )


def rates_chart(report: Mapping[str, Any]) -> Markup | None:
    """The FUI 7- and 30-day follow-up rates and relapse within 90 days, as percentages (a
    rate with nothing to count is left out and is "—" in the table); None when no rate has
    anything to count (no chart of nothing: the page says so)."""
    if all(report[key] is None for key in RATES):
        return None
    return count_chart(
        "Follow-up and relapse rates",
        list(RATES.values()),
        {"Rate (%)": [_percent_value(report[key]) for key in RATES]},
        percent=True,
        horizontal=True,
        description="Follow-up within 7 and 30 days of high-intensity discharges (HEDIS FUI) "
        "and relapse within 90 days of discharge, in per cent.",
        height=260,
    )


def _percent_value(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)
