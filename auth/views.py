"""Staff authentication and account routes (API.md "Authentication")."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import make_response
from flask_smorest import Blueprint

from auth import service, staff
from auth.login import clear_auth_cookie, current_credential, set_auth_cookie
from auth.models import CredentialKind, Role, User
from auth.permissions import Permission, allowed, current_actor, permission_required, public
from auth.schemas import (
    LoginResultSchema,
    LoginSchema,
    PasswordChangeSchema,
    RecoveryCodesSchema,
    StaffCreateSchema,
    StaffQuerySchema,
    StaffSchema,
    StaffUpdateSchema,
    TokenRequestSchema,
    TokenSchema,
    TotpConfirmSchema,
    TotpEnrolmentSchema,
)
from core import audit, audit_trail
from core.extensions import db
from core.http import check_if_match, page_schema, paginate, set_etag

bp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Staff login and accounts")


@bp.post("/auth/login")
@public
@audit.self_audited
@bp.arguments(LoginSchema)
@bp.response(200, LoginResultSchema)
def login(data: dict[str, Any]) -> Any:
    """Start a browser session: sets the `tc_auth` cookie and returns the CSRF token that
    cookie-authenticated unsafe requests must send as `X-CSRF-Token`. Five failures for one
    email within 15 minutes lock that email out for 15 minutes (429).

    Once enrolled in MFA, `otp` (a code of the authenticator app, or a recovery code) is
    needed: without it, 401 `{mfa_required: true}`; a wrong one counts as a failure. A user
    whose role requires MFA and who has not enrolled gets an enrolment-only session
    (`mfa_enrolment_required: true`, docs/mfa.md)."""
    issued = service.login(
        data["email"], data["password"], CredentialKind.COOKIE, otp=data.get("otp")
    )
    db.session.commit()
    body = LoginResultSchema().dump(
        {
            "user": issued.user,
            "csrf_token": issued.credential.csrf_token,
            "mfa_enrolment_required": issued.credential.kind is CredentialKind.ENROLMENT,
        }
    )
    response = make_response(body, 200)
    set_auth_cookie(response, issued.secret)
    return response


@bp.post("/auth/tokens")
@public
@audit.self_audited
@bp.arguments(TokenRequestSchema)
@bp.response(201, TokenSchema)
def issue_token(data: dict[str, Any]) -> Any:
    """Issue a bearer token (`Authorization: Bearer <token>`); shown once, stored hashed.
    `otp` and enrolment-only tokens as for `POST /auth/login`."""
    issued = service.login(
        data["email"],
        data["password"],
        CredentialKind.BEARER,
        data.get("label"),
        otp=data.get("otp"),
    )
    db.session.commit()
    cred = issued.credential
    return {
        "token": issued.secret,
        "expires_at": cred.expires_at,
        "label": cred.label,
        "mfa_enrolment_required": cred.kind is CredentialKind.ENROLMENT,
    }


@bp.post("/auth/logout")
@permission_required(Permission.SELF)
@bp.response(204)
def logout() -> Any:
    """End this session, or revoke the bearer token used; replaying it then gets 401."""
    credential = current_credential()
    if credential is not None:
        service.revoke(credential, actor=current_actor())
    db.session.commit()
    response = make_response("", 204)
    clear_auth_cookie(response)
    return response


@bp.get("/auth/me")
@permission_required(Permission.SELF)
@bp.response(200, StaffSchema)
def me() -> Any:
    return current_actor()


@bp.post("/auth/password")
@permission_required(Permission.SELF)
@bp.arguments(PasswordChangeSchema)
@bp.response(204)
def change_password(data: dict[str, Any]) -> Any:
    """Change your password; all your other sessions and tokens end."""
    credential = current_credential()
    staff.change_password(
        current_actor(),
        data["current_password"],
        data["new_password"],
        credential_id=credential.id if credential else None,
    )
    db.session.commit()
    return make_response("", 204)


@bp.post("/auth/mfa/totp")
@permission_required(Permission.SELF)
@bp.response(201, TotpEnrolmentSchema)
def start_mfa_enrolment() -> Any:
    """Start enrolling an authenticator app: a new secret, its `otpauth://` URI and the QR
    code of it (SVG). Not in force until confirmed; asking again replaces the secret. 409
    once enrolled (an admin resets it)."""
    enrolment = service.start_mfa_enrolment(current_actor())
    db.session.commit()
    return enrolment


@bp.post("/auth/mfa/totp/confirm")
@permission_required(Permission.SELF)
@bp.arguments(TotpConfirmSchema)
@bp.response(200, RecoveryCodesSchema)
def confirm_mfa_enrolment(data: dict[str, Any]) -> Any:
    """Confirm enrolment with a code of the app (422 on `code` when wrong): returns ten
    recovery codes, shown this once. Every other session and token of yours ends; an
    enrolment-only session used here ends too: sign in again with a code."""
    credential = current_credential()
    codes = service.confirm_mfa_enrolment(current_actor(), data["code"], credential)
    db.session.commit()
    response = make_response({"recovery_codes": codes}, 200)
    enrolment_cookie = credential is not None and credential.kind is CredentialKind.ENROLMENT
    if enrolment_cookie and credential.csrf_token:
        clear_auth_cookie(response)
    return response


@bp.post("/staff/<int:staff_id>/mfa/reset")
@permission_required(Permission.STAFF_MANAGE)
@bp.response(204)
def reset_staff_mfa(staff_id: int) -> Any:
    """Reset a staff member's multi-factor authentication (a lost phone): their app and
    recovery codes no longer sign them in, their sessions and tokens end, and they enrol
    again. Audited."""
    user = staff.get_user(staff_id)
    service.reset_mfa(user, actor=current_actor())
    db.session.commit()
    return make_response("", 204)


@bp.get("/staff")
@permission_required(Permission.STAFF_LIST)
@bp.arguments(StaffQuerySchema, location="query")
@bp.response(200, page_schema(StaffSchema))
def list_staff(args: dict[str, Any]) -> Any:
    """Every signed-in user sees id, name and role of active colleagues; managers and admins
    also see email and whether the account is active, and deactivated accounts. For other
    roles `active=false` answers an empty page (as if there were no deactivated accounts)."""
    manages = allowed(current_actor().role, Permission.STAFF_READ)
    stmt = staff.list_staff(args.get("role"), args.get("active"), include_inactive=manages)
    page = paginate(stmt, args["page"], args["per_page"])
    if not manages:
        page["items"] = [_public_view(u) for u in page["items"]]
    return page


def _public_view(user: User) -> SimpleNamespace:
    """Only id, name and role: the schema leaves out attributes an object does not have."""
    return SimpleNamespace(id=user.id, name=user.name, role=user.role)


@bp.post("/staff")
@permission_required(Permission.STAFF_MANAGE)
@bp.arguments(StaffCreateSchema)
@bp.response(201, StaffSchema)
def create_staff(data: dict[str, Any]) -> Any:
    user = staff.create_user(actor=current_actor(), **data)
    db.session.commit()
    set_etag(user)
    return user


@bp.get("/staff/<int:staff_id>")
@permission_required(Permission.STAFF_LIST)
@bp.response(200, StaffSchema)
def get_staff(staff_id: int) -> Any:
    user = staff.get_user(staff_id)
    actor = current_actor()
    if user.id != actor.id and not allowed(actor.role, Permission.STAFF_READ):
        return _public_view(user)
    set_etag(user)
    return user


@bp.patch("/staff/<int:staff_id>")
@permission_required(Permission.STAFF_MANAGE)
@bp.arguments(StaffUpdateSchema)
@bp.response(200, StaffSchema)
def update_staff(data: dict[str, Any], staff_id: int) -> Any:
    """Change name or role, deactivate (ends all sessions; 409 listing `open_case_ids`
    while a counsellor is primary on open cases), or set a temporary password."""
    user = staff.get_user(staff_id)
    check_if_match(user)
    staff.update_user(user, data, actor=current_actor())
    db.session.commit()
    set_etag(user)
    return user


@bp.get("/audit-events")
@permission_required(Permission.AUDIT_READ)
@bp.arguments(audit_trail.AuditQuerySchema, location="query")
@bp.response(200, page_schema(audit_trail.AuditEventSchema))
def list_audit_events(args: dict[str, Any]) -> Any:
    """The audit trail, newest first, filtered by client, actor, action and time."""
    page = audit_trail.read_events(args, actor=current_actor())
    db.session.commit()
    return page


__all__ = ["Role", "bp"]
