"""One staff account (screen 12): its details and an admin's changes — role, deactivation
(refused while a counsellor is primary on open cases, listing them), reactivation, a
temporary password, an MFA reset.

Each change is `PATCH /api/v1/staff/{id}` (`auth.staff.update_user`) or the MFA reset route
(`auth.service.reset_mfa`), which check and audit it. The forms carry the account's version
(the API's If-Match): an account changed in between is not changed again unseen (412).
"""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, request, url_for

from auth import mfa
from auth import service as auth_service
from auth import staff as staff_service
from auth.models import Role, User
from auth.permissions import Permission, allowed, current_actor
from auth.schemas import StaffUpdateSchema
from core.errors import DomainError
from core.extensions import db
from web.admin import ROLE_LABELS, ROLE_OPTIONS, bp
from web.forms import FormInvalid, domain_errors, form_is_current, load
from web.pages import render
from web.security import page

STALE_ACCOUNT = (
    "The account was changed by someone else since you opened the page (shown above now); "
    "check it and make your change again."
)


def account_page(staff_id: int, status: int = 200, **extra: Any) -> Response:
    """The account page; `extra` carries a refused form back (its errors, the open cases)
    with the status of the refusal."""
    user = staff_service.get_user(staff_id)
    counsellor = user.role is Role.COUNSELLOR
    return render(
        "admin/account.html",
        status,
        user=user,
        mfa_enrolled=mfa.is_enrolled(user),
        mfa_required=user.role in mfa.required_roles(),
        open_case_ids=staff_service.open_primary_case_ids(user.id) if counsellor else [],
        role_labels=ROLE_LABELS,
        role_options=ROLE_OPTIONS,
        may_read_cases=allowed(current_actor().role, Permission.CASE_READ),
        **extra,
    )


def _refused(staff_id: int, status: int, prefix: str, errors: Any, **extra: Any) -> Response:
    """Undo what the refused change flushed, then show the account as it stands with the
    errors beside the form `prefix` names."""
    db.session.rollback()
    return account_page(staff_id, status, **{f"{prefix}_errors": errors}, **extra)


def _update(staff_id: int, fields: tuple[str, ...], prefix: str, **extra: Any) -> Any:
    """`PATCH /staff/<id>` with the posted `fields` (and `extra` values the page adds), if
    the form was rendered from the account's current version: the user changed, or the
    refused account page."""
    user = staff_service.get_user(staff_id)
    if not form_is_current(user, request.form):
        return _refused(staff_id, 412, prefix, {"_form": [STALE_ACCOUNT]})
    try:
        changes = load(StaffUpdateSchema(), request.form, **extra)
        changes = {key: value for key, value in changes.items() if key in fields}
        if not changes:
            raise FormInvalid({fields[0]: ["Choose one."]})
        staff_service.update_user(user, changes, actor=current_actor())
    except FormInvalid as invalid:
        return _refused(staff_id, 422, prefix, invalid.errors)
    except DomainError as error:
        if error.code == 404:
            raise
        open_cases = list(error.extra.get("open_case_ids") or [])
        return _refused(
            staff_id,
            error.code,
            prefix,
            domain_errors(error),
            refused_case_ids=open_cases,
            refused_for=prefix,
        )
    db.session.commit()
    return user


def _back(user: Any, anchor: str) -> Response:
    """After a change, back to the account page at its section (post/redirect/get); a
    refused change is already its page."""
    if isinstance(user, User):
        return redirect(url_for("web.admin.account", staff_id=user.id) + f"#{anchor}", 303)
    return user  # the refused page


@bp.get("/admin/staff/<int:staff_id>")
@page(Permission.STAFF_MANAGE)
def account(staff_id: int) -> Response:
    """One account: its details, open cases (a counsellor) and MFA state, with the forms."""
    return account_page(staff_id)


@bp.post("/admin/staff/<int:staff_id>/role")
@page(Permission.STAFF_MANAGE)
def change_role(staff_id: int) -> Response:
    """A new role; a counsellor primary on open cases keeps the role until reassigned."""
    return _back(_update(staff_id, ("role",), "role"), "role")


@bp.post("/admin/staff/<int:staff_id>/active")
@page(Permission.STAFF_MANAGE)
def set_active(staff_id: int) -> Response:
    """Deactivate (every session ends; refused, listing the cases, while a counsellor is
    primary on open cases) or reactivate an account."""
    return _back(_update(staff_id, ("active",), "active"), "status")


@bp.post("/admin/staff/<int:staff_id>/password")
@page(Permission.STAFF_MANAGE)
def set_password(staff_id: int) -> Response:
    """A temporary password (typed, else generated), shown this once; the user's sessions
    end and they must change it at their next sign-in."""
    user = staff_service.get_user(staff_id)
    typed = request.form.get("temporary_password", "")
    password = typed or staff_service.generate_temporary_password(user.email, user.name)
    changed = _update(staff_id, ("temporary_password",), "password", temporary_password=password)
    if not isinstance(changed, User):
        return changed
    return render("admin/password_once.html", user=changed, password=password, created=False)


@bp.post("/admin/staff/<int:staff_id>/mfa-reset")
@page(Permission.STAFF_MANAGE)
def reset_mfa(staff_id: int) -> Response:
    """`POST /staff/<id>/mfa/reset`: the app and recovery codes no longer sign the user in,
    their sessions end, and they enrol again."""
    user = staff_service.get_user(staff_id)
    auth_service.reset_mfa(user, actor=current_actor())
    db.session.commit()
    return redirect(url_for("web.admin.account", staff_id=user.id, mfa="reset") + "#mfa", 303)
