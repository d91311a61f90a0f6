"""Flask-Login wiring: every request is authenticated from a server-side credential,
either the `tc_auth` cookie (browser session, CSRF-protected) or a bearer token.

Either may also hold an enrolment-only session (`CredentialKind.ENROLMENT`, docs/mfa.md),
which stays with the transport it was issued for: the cookie one has a CSRF token, the bearer
one none. What such a session may call is `auth.permissions`'s to say."""

from __future__ import annotations

import hmac

from flask import Flask, Response, current_app, g, request

from auth.credentials import resolve_for_request
from auth.models import Credential, CredentialKind, Role, User
from core.config import ConfigError
from core.errors import Forbidden, Unauthorized
from core.extensions import db, login_manager
from core.http import READ_METHODS

AUTH_COOKIE = "tc_auth"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


@login_manager.request_loader
def load_user_from_request(_request: object) -> User | None:
    """Find the live credential behind this request; None means anonymous (401 later)."""
    secret = _bearer_secret()
    if secret:
        kinds = {CredentialKind.BEARER, CredentialKind.ENROLMENT}
        credential, emergency = _resolve(secret, kinds)
        by_cookie = False
    elif request.cookies.get(AUTH_COOKIE):
        kinds = {CredentialKind.COOKIE, CredentialKind.ENROLMENT}
        credential, emergency = _resolve(request.cookies[AUTH_COOKIE], kinds)
        by_cookie = True
    else:
        return None
    if credential is None:
        return None
    if credential.kind is CredentialKind.ENROLMENT and by_cookie != bool(credential.csrf_token):
        return None  # an enrolment-only session is used the way it was issued, never else
    g.emergency_access_live = emergency
    if db.session.is_modified(credential):
        # The idle clock's touch must outlive read-only and failed requests, which never
        # commit; the user is loaded before the route does any work, so only it is saved.
        db.session.commit()
    g.credential = credential
    return credential.user


def _resolve(secret: str, kinds: set[CredentialKind]) -> tuple[Credential | None, bool | None]:
    """The credential and its emergency access answer; on a GET of a route that reads one
    record (`auth.credentials.reads_record`), that record too, in the same statement."""
    read = getattr(current_app.view_functions.get(request.endpoint or ""), "record_read", None)
    record_id = (request.view_args or {}).get(read.param) if read is not None else None
    if request.method not in READ_METHODS or not isinstance(record_id, int):
        read, record_id = None, 0
    return resolve_for_request(secret, kinds, read, record_id)


@login_manager.unauthorized_handler
def unauthorized() -> None:
    raise Unauthorized("Authentication required.")


def current_credential() -> Credential | None:
    return g.get("credential")


def may_hold_emergency_access(user_id: int) -> bool:
    """False when this request's credential, resolved for `user_id`, found no live emergency
    access membership; True when it found one or was not asked (another user, no request)."""
    credential = current_credential()
    if credential is None or credential.user_id != user_id:
        return True
    return g.get("emergency_access_live") is not False


def forget_emergency_access_answer() -> None:
    """After a grant is made in this request: the credential's answer is stale, ask again."""
    g.pop("emergency_access_live", None)


def is_enrolment_only(credential: Credential | None) -> bool:
    return credential is not None and credential.kind is CredentialKind.ENROLMENT


def check_csrf() -> None:
    """Cookie-authenticated unsafe requests (a cookie session, or an enrolment-only session
    issued for the cookie) must echo the session's CSRF token."""
    credential = current_credential()
    if credential is None or credential.csrf_token is None:
        return
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get("X-CSRF-Token", "")
    if not credential.csrf_token or not hmac.compare_digest(sent, credential.csrf_token):
        raise Forbidden("Missing or wrong X-CSRF-Token header.")


def set_auth_cookie(response: Response, secret: str) -> None:
    response.set_cookie(
        AUTH_COOKIE,
        secret,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["AUTH_COOKIE_SECURE"],
        path="/",
    )


def clear_auth_cookie(response: Response) -> None:
    response.delete_cookie(AUTH_COOKIE, path="/")


def init_login(app: Flask) -> None:
    unknown = set(app.config["MFA_REQUIRED_ROLES"]) - {role.value for role in Role}
    if unknown:
        names = ", ".join(sorted(unknown))
        raise ConfigError(f"MFA_REQUIRED_ROLES names roles that do not exist: {names}.")
    login_manager.init_app(app)
    login_manager.session_protection = None
