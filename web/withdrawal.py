"""Screen 7, the case page's withdrawal scores (CLINICAL.md §4; API.md "Withdrawal
monitoring").

`withdrawal_section` gives the case page (web.cases) its context: per scale (CIWA-B, CIWA-Ar,
COWS, from `cases.withdrawal.rules.WITHDRAWAL_INSTRUMENTS`) an entry form with each item and
the values it takes, and the case's series as a chart over the scale's shaded bands with its
numbers in a table (observed at, total, band, rising fast, warning signs). Reading needs
`MEDICATION_READ`, recording `MEDICATION_WRITE` (clinicians), as in the API.

The form posts to ``POST /cases/<id>/withdrawal-scores``, which calls the API's service
(`cases.withdrawal.service.record_withdrawal_score`) with the API's schema: the items in the
scale's order and ``observed_at`` (the browser's local time is the centre's). A score that is
not severe answers 303 back to ``/cases/<id>#withdrawal``. A severe one answers with a page of
its own (201): the urgent flag it raised, in the words the service wrote on the flag, and —
when the service says the case's approved taper should be paused — "Pause the taper?" with
the pause form, so the urgent finding cannot be missed on the way back to the case. A refused
form (422, 409) comes back on a page with its values kept and each message beside its item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, redirect, request, url_for
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from auth.permissions import Permission, allowed, current_actor
from cases.episodes import service as episodes
from cases.episodes.models import client_of_case
from cases.episodes.rules import withdrawal_recording_error
from cases.tapers import service as tapers
from cases.tapers.models import TaperStatus
from cases.withdrawal import service
from cases.withdrawal.models import WithdrawalScore
from cases.withdrawal.rules import WITHDRAWAL_INSTRUMENTS, WithdrawalScale
from cases.withdrawal.schemas import WithdrawalScoreCreateSchema
from core.audit import finds_client
from core.clock import centre_today, centre_zone, now
from core.errors import DomainError, ValidationFailed
from core.extensions import db
from intake.flags import service as flags
from web.charts import Band, bands_of, time_chart
from web.forms import Errors, FormInvalid, domain_errors, load, local_moment
from web.pages import render
from web.security import page
from web.tapers import plan_view

bp = Blueprint("withdrawal", __name__)

#: The most recent scores the section reads, charts and tabulates per scale (a chart costs
#: about 0.2 ms a point to draw; 60 four-hourly scores are ten days).
SCORES_PER_SCALE = 60

#: Item names as a clinician reads them, where the rule's name is not already plain words.
ITEM_LABELS = {
    "difficulty_concentrating": "Difficulty concentrating",
    "numbness_or_burning": "Numbness or burning",
    "head_full_or_achy": "Head full or achy",
    "muscle_aches_or_stiffness": "Muscle aches or stiffness",
    "anxious_nervous_jittery": "Anxious, nervous or jittery",
    "sleep_not_restful": "Sleep not restful",
    "worrying_about_misfortunes": "Worrying about misfortunes",
    "observed_sweating_restlessness_agitation": "Observed: sweating, restlessness, agitation",
    "observed_tremor": "Observed: tremor",
    "observed_palms_moist": "Observed: palms moist",
    "nausea_vomiting": "Nausea and vomiting",
    "orientation": "Orientation and clouding of sensorium",
    "resting_pulse": "Resting pulse rate",
    "bone_joint_aches": "Bone or joint aches",
    "runny_nose_tearing": "Runny nose or tearing",
    "gi_upset": "GI upset",
    "anxiety_irritability": "Anxiety or irritability",
    "gooseflesh": "Gooseflesh skin",
}


def item_label(name: str) -> str:
    return ITEM_LABELS.get(name) or name.replace("_", " ").capitalize()


def band_label(band: str) -> str:
    return band.replace("_", " ")


@dataclass(frozen=True)
class ItemField:
    index: int
    name: str
    label: str
    values: tuple[int, ...]
    described: str  #: the allowed values in words ("0-4", "0, 1, 2 or 4")


@dataclass(frozen=True)
class ScaleView:
    """One scale on the page: its form's items, its bands, its series and chart."""

    name: str
    label: str
    max_score: int
    severe_from: int
    items: list[ItemField]
    bands: list[Band]
    scores: list[WithdrawalScore]  #: oldest first
    chart: Markup | None
    total: int = 0  #: the case's scores on this scale (`scores` are the latest of them)

    @property
    def newest_first(self) -> list[WithdrawalScore]:
        return list(reversed(self.scores))

    @property
    def band_words(self) -> str:
        return ", ".join(band.label for band in self.bands)


def _items(scale: WithdrawalScale) -> list[ItemField]:
    return [
        ItemField(i, item.name, item_label(item.name), item.values, item.describe_values())
        for i, item in enumerate(scale.items)
    ]


def scale_view(
    scale: WithdrawalScale, scores: list[WithdrawalScore], total: int | None = None
) -> ScaleView:
    """A scale's form fields, shaded bands and chart for `scores` (oldest first)."""
    bands = bands_of([(lowest, band_label(name)) for lowest, name in scale.bands], scale.max_score)
    chart = None
    if scores:
        chart = time_chart(
            f"{scale.label} scores",
            {f"{scale.label} total": [(s.observed_at, s.score) for s in scores]},
            bands=bands,
            y_range=(0, scale.max_score),
            y_title=f"{scale.label} total (0\N{EN DASH}{scale.max_score})",
            zone=centre_zone(),
            description=(
                f"Each point is one observation's total; the shaded areas are the bands "
                f"({', '.join(b.label for b in bands)}). The table gives the numbers."
            ),
            height=340,
        )
    return ScaleView(
        name=scale.name,
        label=scale.label,
        max_score=scale.max_score,
        severe_from=scale.severe_from,
        items=_items(scale),
        bands=bands,
        scores=scores,
        chart=chart,
        total=len(scores) if total is None else total,
    )


def observed_default() -> str:
    """Now, in the centre's time zone, as a datetime-local input's value."""
    return now().astimezone(centre_zone()).strftime("%Y-%m-%dT%H:%M")


def withdrawal_section(case: Any, actor: Any) -> dict[str, Any]:
    """Context for templates/cases/_withdrawal.html on the case page (key ``withdrawal``):
    every scale with its form and its series (the latest `SCORES_PER_SCALE` scores of each,
    read and audited by the service). Roles without `MEDICATION_READ` get ``visible:
    False``."""
    if not allowed(actor.role, Permission.MEDICATION_READ):
        return {"withdrawal": {"visible": False}}
    scales = []
    for name, scale in WITHDRAWAL_INSTRUMENTS.items():
        found = service.list_withdrawal_scores(
            case.id,
            actor=actor,
            instrument=name,
            page=1,
            per_page=SCORES_PER_SCALE,
            newest_first=True,
        )
        scales.append(scale_view(scale, list(reversed(found["items"])), found["total"]))
    can_record = allowed(actor.role, Permission.MEDICATION_WRITE)
    closed = withdrawal_recording_error(case.status, case.discharge_date, centre_today())
    return {
        "withdrawal": {
            "visible": True,
            "case_id": case.id,
            "can_record": can_record and closed is None,
            "closed": closed if can_record else None,
            "scales": scales,
            "observed_default": observed_default(),
            "band_label": band_label,
        }
    }


# --- the form's route ----------------------------------------------------------------------------


def _item_values(scale: WithdrawalScale, form: MultiDict) -> tuple[list[Any], Errors]:
    """The items in the scale's order from fields ``items.0``, ``items.1``, ...; an item
    left unanswered is named (its place held by 0 so nothing else is reported for it; the
    label beside the field says which item it is)."""
    values: list[Any] = []
    missing: Errors = {}
    for index in range(len(scale.items)):
        raw = form.get(f"items.{index}", "").strip()
        if not raw:
            missing[f"items.{index}"] = ["Choose a score."]
            values.append(0)
            continue
        try:
            values.append(int(raw))
        except ValueError:
            values.append(raw)  # the schema names it
    return values, missing


@bp.post("/cases/<int:case_id>/withdrawal-scores")
@finds_client("case_id", client_of_case)
@page(Permission.MEDICATION_WRITE)
def record(case_id: int) -> Response:
    actor = current_actor()
    scale = WITHDRAWAL_INSTRUMENTS.get(request.form.get("instrument", ""))
    if scale is None:
        allowed_scales = ", ".join(s.label for s in WITHDRAWAL_INSTRUMENTS.values())
        raise ValidationFailed(f"Choose a withdrawal scale: {allowed_scales}.")
    items, missing = _item_values(scale, request.form)
    extra: dict[str, Any] = {"items": items}
    observed_at = local_moment(request.form.get("observed_at", ""))
    if observed_at is not None:
        extra["observed_at"] = observed_at
    try:
        try:
            data = load(WithdrawalScoreCreateSchema(), request.form, **extra)
        except FormInvalid as invalid:
            raise FormInvalid({**invalid.errors, **missing}) from invalid
        if missing:
            raise FormInvalid(missing)
        recorded = service.record_withdrawal_score(case_id, data, actor=actor)
    except FormInvalid as invalid:
        db.session.rollback()
        return _form_page(case_id, scale, 422, invalid.errors)
    except DomainError as error:
        if error.code in (403, 404):
            raise
        db.session.rollback()
        return _form_page(case_id, scale, error.code, domain_errors(error))
    db.session.commit()
    if not recorded.severe:
        return redirect(url_for("web.cases.show", case_id=case_id) + "#withdrawal", 303)
    return _severe_page(case_id, scale, recorded)


def _form_page(case_id: int, scale: WithdrawalScale, status: int, errors: Errors) -> Response:
    """The scale's form again, its values kept and each message beside its field (404 for
    a case the caller may not see)."""
    case = episodes.get_case(case_id, actor=current_actor(), action="case.read_for_withdrawal")
    db.session.commit()
    return render(
        "medication/withdrawal_form.html",
        status,
        case_id=case.id,
        scale=scale_view(scale, []),
        errors=errors,
        form=request.form,
        observed_default=observed_default(),
    )


def _severe_page(case_id: int, scale: WithdrawalScale, recorded: service.RecordedScore) -> Response:
    """The urgent finding: the flag's latest note (the service's words, with its taper
    suggestion) and, when the service suggests it, the pause form for each approved plan."""
    actor = current_actor()
    flag = flags.get_flag(recorded.flag_id, actor=actor) if recorded.flag_id is not None else None
    history = (flag.history or []) if flag is not None else []
    note = history[-1].get("note") if history else (flag.note if flag is not None else None)
    plans = []
    if recorded.taper_pause_suggested:
        approved = tapers.list_taper_plans(
            case_id, actor=actor, status=TaperStatus.APPROVED, page=1, per_page=10
        )["items"]
        plans = [plan_view(plan, chart=False) for plan in approved]
    db.session.commit()
    return render(
        "medication/withdrawal_recorded.html",
        201,
        case_id=case_id,
        scale=scale,
        score=recorded.record,
        flag=flag,
        flag_note=note,
        pause_suggested=recorded.taper_pause_suggested,
        plans=plans,
        band_label=band_label,
        pause_reason=f"Severe withdrawal score ({scale.label} {recorded.score}).",
    )
