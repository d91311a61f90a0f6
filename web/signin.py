"""Screen 1: sign in (with the second step of multi-factor authentication, and enrolment),
sign out, and the first-sign-in password change.

The sign-in forms are protected against login CSRF by a double-submit token: a random value in
a short-lived cookie that the form must echo. Signing in issues the same server-side cookie
session as the API's `POST /auth/login`; the service counts and audits failures and locks an
email out after five (429), exactly as for the API.

Multi-factor authentication (docs/mfa.md):

- A user enrolled in MFA who gives a right password gets no session yet, but a pending
  credential (`CredentialKind.MFA_PENDING`: server-side, bound to the user, a few minutes,
  used once) in the `tc_mfa` cookie of the sign-in pages, and the code page. The password is
  never put in a page or a cookie again; the code is checked (and counted, as a login attempt)
  against that credential, which the session then replaces.
- A user whose role requires MFA and who has not enrolled gets an enrolment-only session
  (`CredentialKind.ENROLMENT`, in the `tc_auth` cookie, with a CSRF token) that opens only the
  enrolment page and sign-out: every other page sends it to sign in, and signing in sends it
  to enrolment. Confirming shows the recovery codes once and ends that session: the user
  signs in again, with a code.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, redirect, request, url_for
from flask_login import current_user

from auth import mfa, service, staff
from auth.login import UNSAFE_METHODS, clear_auth_cookie, current_credential, set_auth_cookie
from auth.models import CredentialKind, User
from auth.schemas import LoginSchema, PasswordChangeSchema
from core import audit
from core.errors import DomainError, Forbidden, ValidationFailed
from core.extensions import db
from web.forms import FormInvalid, domain_errors, load
from web.pages import render
from web.security import page, public_page, safe_next, signed_in

bp = Blueprint("signin", __name__)

F = TypeVar("F", bound=Callable[..., Any])

SIGNIN_COOKIE = "tc_signin"
#: the pending credential of a sign-in waiting for its code (sign-in pages only).
MFA_COOKIE = "tc_mfa"
SIGNIN_PATH = "/sign-in"


def _signin_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="Strict",
        secure=current_app.config["AUTH_COOKIE_SECURE"],
        max_age=max_age,
        path=SIGNIN_PATH,
    )


def _form_page(template: str, status: int = 200, **context: Any) -> Response:
    """A sign-in form page with a fresh double-submit token."""
    token = secrets.token_urlsafe(24)
    response = render(template, status, signin_token=token, **context)
    _signin_cookie(response, SIGNIN_COOKIE, token, 3600)
    return response


def _signin_form(status: int = 200, **context: Any) -> Response:
    return _form_page("signin.html", status, **context)


def _code_form(status: int = 200, **context: Any) -> Response:
    return _form_page("mfa_code.html", status, **context)


def _enrolling() -> bool:
    """Whether this browser holds an enrolment-only session."""
    credential = current_credential() if current_user.is_authenticated else None
    return credential is not None and credential.kind is CredentialKind.ENROLMENT


@bp.get("/sign-in")
@public_page
def sign_in() -> Response:
    if signed_in() is not None:
        return redirect(safe_next(request.args.get("next")))
    if _enrolling():
        return redirect(url_for("web.signin.mfa_enrol"))
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
        data.pop("otp", None)  # the code has its own step, never beside the password
        issued = service.login(
            data["email"], data["password"], CredentialKind.COOKIE, defer_code=True
        )
    except FormInvalid as invalid:
        return _signin_form(422, next=target, errors=invalid.errors)
    except DomainError as error:
        db.session.commit()  # the failed attempt is counted and audited by the service
        return _signin_form(error.code, next=target, errors={"_form": [error.message]})
    db.session.commit()
    kind = issued.credential.kind
    if kind is CredentialKind.MFA_PENDING:
        response = redirect(url_for("web.signin.sign_in_code", next=target))
        minutes = current_app.config["MFA_PENDING_MINUTES"]
        _signin_cookie(response, MFA_COOKIE, issued.secret, minutes * 60)
        return response
    response = redirect(
        url_for("web.signin.mfa_enrol") if kind is CredentialKind.ENROLMENT else target
    )
    set_auth_cookie(response, issued.secret)
    response.delete_cookie(SIGNIN_COOKIE, path=SIGNIN_PATH)
    return response


# --- the second step: the code -------------------------------------------------------------


def _pending_user() -> User | None:
    """The user whose sign-in waits for a code in this browser (a live pending credential)."""
    secret = request.cookies.get(MFA_COOKIE)
    if not secret:
        return None
    credential = service.resolve_credential(secret, {CredentialKind.MFA_PENDING})
    return credential.user if credential is not None else None


def _start_again(message: str | None = None) -> Response:
    response = (
        _signin_form(401, next="/", errors={"_form": [message]})
        if message
        else redirect(url_for("web.signin.sign_in"))
    )
    response.delete_cookie(MFA_COOKIE, path=SIGNIN_PATH)
    return response


@bp.get("/sign-in/code")
@public_page
def sign_in_code() -> Response:
    if _pending_user() is None:
        return _start_again()
    return _code_form(next=safe_next(request.args.get("next")))


@bp.post("/sign-in/code")
@public_page
@audit.self_audited
def sign_in_code_post() -> Response:
    target = safe_next(request.form.get("next"))
    if not _signin_token_ok():
        return _code_form(400, next=target, errors={"_form": ["The form expired; try again."]})
    pending = request.cookies.get(MFA_COOKIE, "")
    otp = request.form.get("otp", "").strip()
    if not pending:
        return _start_again()
    if not otp or len(otp) > 64:
        return _code_form(422, next=target, errors={"otp": ["Enter the code."]})
    try:
        issued = service.complete_login(pending, otp)
    except DomainError as error:
        db.session.commit()  # a wrong code is counted and audited by the service
        if error.code == 401 and not error.extra.get("mfa_required"):
            return _start_again(error.message)  # the pending sign-in is over
        return _code_form(error.code, next=target, errors={"otp": [error.message]})
    db.session.commit()
    response = redirect(target)
    set_auth_cookie(response, issued.secret)
    response.delete_cookie(MFA_COOKIE, path=SIGNIN_PATH)
    response.delete_cookie(SIGNIN_COOKIE, path=SIGNIN_PATH)
    return response


# --- enrolment ---------------------------------------------------------------------------------


def _check_csrf(credential: Any) -> None:
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    if not credential.csrf_token or not hmac.compare_digest(sent, credential.csrf_token):
        raise Forbidden("The form has expired or did not come from this site; reload the page.")


def session_page(*, password_first: bool) -> Callable[[F], F]:
    """A page for any browser session, an enrolment-only one included (enrolment, sign-out):
    without one it sends the browser to sign in; unsafe requests need the session's CSRF
    token. With `password_first`, a full session with a temporary password goes to the
    password page first (as `web.security.page` does)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            credential = current_credential() if current_user.is_authenticated else None
            kinds = (CredentialKind.COOKIE, CredentialKind.ENROLMENT)
            if credential is None or credential.kind not in kinds or not credential.csrf_token:
                return redirect(url_for("web.signin.sign_in", next=request.full_path.rstrip("?")))
            _check_csrf(credential)
            full = credential.kind is CredentialKind.COOKIE
            if password_first and full and credential.user.must_change_password:
                return redirect(url_for("web.signin.password"))
            return view(*args, **kwargs)

        wrapper.permission = None  # type: ignore[attr-defined]
        wrapper.is_page = True  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _enrol_page(status: int = 200, **context: Any) -> Response:
    return render("mfa_enrol.html", status, enrolling=_enrolling(), **context)


@bp.get("/mfa/enrol")
@session_page(password_first=True)
def mfa_enrol() -> Response:
    """Set up the authenticator app: the QR code, the secret to type, the confirm form. The
    secret shown stays the same when the page is reloaded, until it is confirmed."""
    me = _me()
    if mfa.is_enrolled(me):
        return _enrol_page(enrolled=True)
    enrolment = service.start_mfa_enrolment(me, keep_pending=True, inline=True)
    db.session.commit()
    return _enrol_page(enrolment=enrolment)


@bp.post("/mfa/enrol")
@session_page(password_first=True)
def mfa_enrol_post() -> Response:
    me = _me()
    credential = current_credential()
    code = request.form.get("code", "").strip()
    try:
        if not code or len(code) > 64:
            raise ValidationFailed("Enter the code the app shows.", field="code")
        codes = service.confirm_mfa_enrolment(me, code, credential)
    except ValidationFailed as error:
        factor = mfa.factor_of(me)
        if factor is None or factor.confirmed_at is not None:
            raise
        enrolment = mfa.provisioning(me, factor, inline=True)
        return _enrol_page(error.code, enrolment=enrolment, errors=domain_errors(error))
    db.session.commit()
    ended = credential is not None and credential.kind is CredentialKind.ENROLMENT
    response = render("mfa_recovery.html", recovery_codes=codes, signed_out=ended)
    if ended:
        clear_auth_cookie(response)
    return response


@bp.post("/sign-out")
@session_page(password_first=False)
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
        staff.change_password(
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
