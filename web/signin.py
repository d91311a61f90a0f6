"""Screen 1: sign in, sign out, and the first-sign-in password change.

The sign-in form is protected against login CSRF by a double-submit token: a random value in
a short-lived cookie that the form must echo. Signing in issues the same server-side cookie
session as the API's `POST /auth/login`; the service counts and audits failures and locks an
email out after five (429), exactly as for the API.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from flask import Blueprint, Response, current_app, redirect, request, url_for

from auth import service
from auth.login import clear_auth_cookie, current_credential, set_auth_cookie
from auth.models import CredentialKind
from auth.schemas import LoginSchema, PasswordChangeSchema
from core import audit
from core.errors import DomainError
from core.extensions import db
from web.forms import FormInvalid, domain_errors, load
from web.pages import render
from web.security import page, public_page, safe_next, signed_in

bp = Blueprint("signin", __name__)

SIGNIN_COOKIE = "tc_signin"


def _signin_form(status: int = 200, **context: Any) -> Response:
    token = secrets.token_urlsafe(24)
    response = render("signin.html", status, signin_token=token, **context)
    response.set_cookie(
        SIGNIN_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=current_app.config["AUTH_COOKIE_SECURE"],
        max_age=3600,
        path="/sign-in",
    )
    return response


@bp.get("/sign-in")
@public_page
def sign_in() -> Response:
    if signed_in() is not None:
        return redirect(safe_next(request.args.get("next")))
    return _signin_form(next=safe_next(request.args.get("next")), expired="expired" in request.args)


def _signin_token_ok() -> bool:
    sent, kept = request.form.get("signin_token", ""), request.cookies.get(SIGNIN_COOKIE, "")
    return bool(kept) and hmac.compare_digest(sent, kept)


@bp.post("/sign-in")
@public_page
@audit.self_audited
def sign_in_post() -> Response:
    target = safe_next(request.form.get("next"))
    if not _signin_token_ok():
        return _signin_form(400, next=target, errors={"_form": ["The form expired; try again."]})
    try:
        data = load(LoginSchema(), request.form)
        issued = service.login(data["email"], data["password"], CredentialKind.COOKIE)
    except FormInvalid as invalid:
        return _signin_form(422, next=target, errors=invalid.errors)
    except DomainError as error:
        db.session.commit()  # the failed attempt is counted and audited by the service
        return _signin_form(error.code, next=target, errors={"_form": [error.message]})
    db.session.commit()
    response = redirect(target)
    set_auth_cookie(response, issued.secret)
    response.delete_cookie(SIGNIN_COOKIE, path="/sign-in")
    return response


@bp.post("/sign-out")
@page(None)
def sign_out() -> Response:
    credential = current_credential()
    if credential is not None:
        service.revoke(credential, actor=credential.user)
    db.session.commit()
    response = redirect(url_for("web.signin.sign_in"))
    clear_auth_cookie(response)
    return response


@bp.get("/password")
@page(None)
def password() -> Response:
    return render("password.html")


@bp.post("/password")
@page(None)
def password_post() -> Response:
    me = signed_in()
    credential = current_credential()
    try:
        data = load(PasswordChangeSchema(), request.form)
        service.change_password(
            me,
            data["current_password"],
            data["new_password"],
            credential_id=credential.id if credential else None,
        )
    except FormInvalid as invalid:
        return render("password.html", 422, errors=invalid.errors)
    except DomainError as error:
        return render("password.html", error.code, errors=domain_errors(error))
    db.session.commit()
    return redirect(url_for("web.home.my_day"))
