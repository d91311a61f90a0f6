"""Screens 3 and 5: clients — search as you type, registration with the duplicate warning —
and the client page (header, assessments, episodes, flags: acknowledge, resolve, raise)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, request, url_for

from auth.permissions import Permission, allowed, current_actor
from core.audit import finds_client
from core.clock import centre_today
from core.errors import DomainError
from core.extensions import db
from intake.assessments import service as assessments
from intake.clients import service
from intake.clients.episodes import record_of
from intake.clients.schemas import ClientCreateSchema
from intake.flags import service as flags
from intake.flags.models import client_of_flag
from intake.flags.rules import FLAG_TYPES
from intake.flags.schemas import ManualFlagSchema, ResolveSchema
from web.forms import FormInvalid, domain_errors, load
from web.pages import render
from web.security import page

bp = Blueprint("clients", __name__)

SEARCH_LIMIT = 25
#: fewer characters than this are not searched: one or two letters match much of a registry
#: and no index can narrow them (the trigram indexes need three); the page says so instead.
MIN_SEARCH = 3


def age_on(born: Any) -> int:
    today = centre_today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _results(q: str | None) -> Response:
    partial = bool(request.headers.get("HX-Request"))
    template = "clients/_results.html" if partial else "clients/search.html"
    if q and len(q) < MIN_SEARCH:
        return render(template, q=q, too_short=MIN_SEARCH, clients=[], age_on=age_on)
    found = service.list_clients(
        actor=current_actor(), q=q, status=None, page=1, per_page=SEARCH_LIMIT
    )
    db.session.commit()
    return render(
        template,
        q=q or "",
        clients=found["items"],
        total=found["total"],
        more=found["total_is_lower_bound"],
        age_on=age_on,
    )


@bp.get("/clients")
@page(Permission.CLIENT_READ)
def search() -> Response:
    """The registry, most recent first. Searching posts the words (a name never goes in a
    URL); an htmx request (typing) gets just the results table."""
    return _results(None)


@bp.post("/clients/search")
@page(Permission.CLIENT_READ)
def search_post() -> Response:
    return _results(request.form.get("q", "").strip()[:200] or None)


@bp.get("/clients/new")
@page(Permission.CLIENT_CREATE)
def new() -> Response:
    return render("clients/new.html", form={})


@bp.post("/clients/new")
@page(Permission.CLIENT_CREATE)
def create() -> Response:
    actor = current_actor()
    try:
        data = load(ClientCreateSchema(), request.form)
        client = service.register_client(data, actor=actor)
    except FormInvalid as invalid:
        return render("clients/new.html", 422, form=request.form, errors=invalid.errors)
    except service.DuplicateClient as found:
        db.session.rollback()
        service.audit_duplicate_probe(found, actor=actor, client_id=None)
        db.session.commit()
        return render("clients/new.html", 409, form=request.form, duplicate=found, errors={})
    except DomainError as error:
        return render(
            "clients/new.html", error.code, form=request.form, errors=domain_errors(error)
        )
    db.session.commit()
    return redirect(url_for("web.clients.show", client_id=client.id), 303)


def _client_page(client_id: int, status: int = 200, **extra: Any) -> Response:
    actor = current_actor()
    client = record_of(service.get_client(client_id, actor=actor))
    page_of = {"page": 1, "per_page": 50}
    found_assessments = assessments.list_assessments(
        client_id, actor=actor, status=None, **page_of
    )["items"]
    found_flags = flags.list_client_flags(client_id, actor=actor, status=None, **page_of)["items"]
    db.session.commit()
    return render(
        "clients/show.html",
        status,
        client=client,
        age=age_on(client.date_of_birth),
        assessments=found_assessments,
        flags=found_flags,
        flag_type_options=[(t, t.replace("_", " ")) for t in sorted(FLAG_TYPES)],
        may=lambda p: allowed(actor.role, Permission[p]),
        **extra,
    )


@bp.get("/clients/<int:client_id>")
@page(Permission.CLIENT_READ)
def show(client_id: int) -> Response:
    return _client_page(client_id)


@bp.post("/clients/<int:client_id>/flags")
@page(Permission.FLAG_RAISE)
def raise_flag(client_id: int) -> Response:
    try:
        data = load(ManualFlagSchema(), request.form)
        flags.raise_manual_flag(client_id, data, actor=current_actor())
    except FormInvalid as invalid:
        db.session.rollback()
        return _client_page(client_id, 422, flag_errors=invalid.errors, flag_form=request.form)
    except DomainError as error:
        if error.code == 404:
            raise
        db.session.rollback()
        return _client_page(client_id, error.code, flag_errors=domain_errors(error))
    db.session.commit()
    return redirect(url_for("web.clients.show", client_id=client_id) + "#flags", 303)


def _flag_action(flag_id: int, act: Any) -> Response:
    actor = current_actor()
    flag = flags.get_flag(flag_id, actor=actor, action="flag.read_for_update")
    act(flag, actor)
    db.session.commit()
    return redirect(url_for("web.clients.show", client_id=flag.client_id) + "#flags", 303)


@bp.post("/flags/<int:flag_id>/acknowledge")
@finds_client("flag_id", client_of_flag)
@page(Permission.FLAG_ACKNOWLEDGE)
def acknowledge_flag(flag_id: int) -> Response:
    return _flag_action(flag_id, lambda flag, actor: flags.acknowledge_flag(flag, actor=actor))


@bp.post("/flags/<int:flag_id>/resolve")
@finds_client("flag_id", client_of_flag)
@page(Permission.FLAG_RESOLVE)
def resolve_flag(flag_id: int) -> Response:
    actor = current_actor()
    flag = flags.get_flag(flag_id, actor=actor, action="flag.read_for_update")
    try:
        data = load(ResolveSchema(), request.form)
    except FormInvalid as invalid:
        db.session.rollback()
        return _client_page(flag.client_id, 422, resolve_errors={flag_id: invalid.errors})
    flags.resolve_flag(flag, data["reason"], actor=actor)
    db.session.commit()
    return redirect(url_for("web.clients.show", client_id=flag.client_id) + "#flags", 303)
