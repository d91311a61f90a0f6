"""Who may open a page: the API's permissions, sign-in and CSRF, for HTML.

A page route carries :func:`page` with the same `Permission` as its API twin. Without a
signed-in browser session it redirects to the sign-in page (coming back afterwards); a role
without the permission gets the 403 page; a user who must change a temporary password is sent
to the password page first. Every unsafe request (form post or htmx call) must carry the
session's CSRF token, as the `csrf_token` form field or the `X-CSRF-Token` header the page's
script adds to htmx requests. Caseload filtering is the services': a record on another
caseload is the same 404 page as an unknown id.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import g, redirect, request, url_for
from flask_login import current_user

from auth.login import UNSAFE_METHODS, current_credential
from auth.models import CredentialKind, User
from auth.permissions import Permission, allowed
from core.errors import Forbidden

F = TypeVar("F", bound=Callable[..., Any])

#: Pages a user with a temporary password may still open.
BEFORE_PASSWORD_CHANGE = {"web.signin.password", "web.signin.sign_out"}

#: Every page answer: no caching of client data, scripts only from our origin.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def csrf_token() -> str:
    """The signed-in session's CSRF token (empty when signed out)."""
    credential = current_credential()
    return credential.csrf_token or "" if credential is not None else ""


def _check_csrf() -> None:
    if request.method not in UNSAFE_METHODS:
        return
    credential = current_credential()
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    expected = credential.csrf_token if credential is not None else ""
    if not expected or not hmac.compare_digest(sent, expected):
        raise Forbidden("The form has expired or did not come from this site; reload the page.")


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another host)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def signed_in() -> User | None:
    """The user of this browser session (a bearer token does not open pages)."""
    if not current_user.is_authenticated:
        return None
    credential = current_credential()
    if credential is None or credential.kind is not CredentialKind.COOKIE:
        return None
    return current_user._get_current_object()  # type: ignore[attr-defined]


def page(permission: Permission | None) -> Callable[[F], F]:
    """A page route needing `permission` (None: only a signed-in session)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = signed_in()
            if user is None:
                return redirect(url_for("web.signin.sign_in", next=request.full_path.rstrip("?")))
            g.actor = user
            _check_csrf()
            if user.must_change_password and request.endpoint not in BEFORE_PASSWORD_CHANGE:
                return redirect(url_for("web.signin.password"))
            if permission is not None and not allowed(user.role, permission):
                raise Forbidden("Your role does not allow this page.")
            return view(*args, **kwargs)

        wrapper.permission = permission  # type: ignore[attr-defined]
        wrapper.is_page = True  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def public_page(view: F) -> F:
    """A page anyone may open (sign-in). Its form posts still need the sign-in form's token,
    which is the anonymous CSRF cookie's (see `web.signin`)."""
    view.permission = None  # type: ignore[attr-defined]
    view.is_page = True  # type: ignore[attr-defined]
    view.is_public = True  # type: ignore[attr-defined]
    return view
