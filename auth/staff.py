"""Staff accounts and passwords: the password policy on every new password, changing one's
own, creating staff, listing and reading them, and an admin's changes (role, deactivation
with the open-case check, a temporary password). Services flush and audit; views commit."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import current_app

from auth.credentials import is_demo_account, normalise_email
from auth.models import CaseloadMembership, MembershipKind, Role, User
from auth.passwords import hash_password, policy_problems, verify_password
from auth.service import revoke_all
from core import audit
from core.db import utcnow
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from core.http import get_or_404


def _check_policy(password: str, email: str, name: str, field: str) -> None:
    problems = policy_problems(password, email=email, name=name)
    if problems:
        raise ValidationFailed(
            "The password does not meet the policy.", errors={"json": {field: problems}}
        )


def change_password(user: User, current: str, new: str, *, credential_id: int | None) -> None:
    """Set a new password; every other session and token of the user ends."""
    if not verify_password(user.password_hash, current):
        raise ValidationFailed("The current password is wrong.", field="current_password")
    if current == new:
        raise ValidationFailed("Choose a password you have not just used.", field="new_password")
    _check_policy(new, user.email, user.name, "new_password")
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    revoke_all(user.id, except_id=credential_id)
    audit.record("auth.password.change", actor=user, record_type="user", record_id=user.id)


def create_user(
    *,
    email: str,
    name: str,
    role: Role,
    password: str,
    actor: User | None,
    must_change_password: bool = False,
    demo: bool = False,
) -> User:
    """A new staff account (409 for a taken email). The password must meet the policy,
    except for a `demo` account (`seed-demo`): its password is published, and the policy
    refuses exactly that password for every real account. Demo accounts are refused in
    production and must use the demo domain."""
    email = normalise_email(email)
    if db.session.execute(sa.select(User.id).where(User.email == email)).first():
        raise Conflict("A staff account with this email already exists.")
    if demo and (current_app.config["ENV_NAME"] == "production" or not is_demo_account(email)):
        raise Conflict("Demo accounts exist only outside production, under the demo domain.")
    if not demo:
        _check_policy(password, email, name, "password")
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("staff.create", actor=actor, record_type="user", record_id=user.id)
    return user


def get_user(user_id: int) -> User:
    return get_or_404(User, user_id, "staff member")


def list_staff(
    role: Role | None = None, active: bool | None = None, *, include_inactive: bool
) -> sa.Select:
    """Staff accounts by name. Only callers who may read staff accounts (manager, admin:
    `include_inactive`) see deactivated ones and may filter on `active`. For everyone else
    the list is of active accounts whatever they ask: `active=true` or no filter lists them,
    and `active=false` gives an empty page, which reads exactly like a centre with no
    deactivated accounts."""
    stmt = sa.select(User).order_by(User.name, User.id)
    if role is not None:
        stmt = stmt.where(User.role == role)
    if not include_inactive:
        stmt = stmt.where(User.active.is_(True))
        return stmt.where(sa.false()) if active is False else stmt
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    return stmt


def staff_names(ids: Iterable[int | None]) -> dict[int, str]:
    """Names of the staff members among `ids` (None ignored), in one query for all of them."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = db.session.execute(sa.select(User.id, User.name).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows}


def open_primary_case_ids(staff_id: int) -> list[int]:
    stmt = (
        sa.select(CaseloadMembership.case_id)
        .where(
            CaseloadMembership.staff_id == staff_id,
            CaseloadMembership.kind == MembershipKind.PRIMARY,
            CaseloadMembership.ended_at.is_(None),
        )
        .order_by(CaseloadMembership.case_id)
    )
    return [cid for cid in db.session.execute(stmt).scalars() if cid is not None]


def update_user(user: User, changes: dict[str, Any], *, actor: User) -> User:
    """Admin edits: name, role, active, a temporary password. Deactivating, or moving a
    counsellor out of the role, is refused while they are primary counsellor on open cases."""
    leaving = changes.get("active") is False or (
        "role" in changes and changes["role"] is not Role.COUNSELLOR
    )
    if leaving and user.role is Role.COUNSELLOR:
        case_ids = open_primary_case_ids(user.id)
        if case_ids:
            raise Conflict(
                "This counsellor is primary counsellor on open cases; reassign them first.",
                open_case_ids=case_ids,
            )
    if "temporary_password" in changes:
        _check_policy(changes["temporary_password"], user.email, user.name, "temporary_password")
        user.password_hash = hash_password(changes["temporary_password"])
        user.must_change_password = True
        revoke_all(user.id)
    for key in ("name", "role", "active"):
        if key in changes:
            setattr(user, key, changes[key])
    if changes.get("active") is False:
        revoke_all(user.id)
    db.session.flush()
    audit.record(
        "staff.update",
        actor=actor,
        record_type="user",
        record_id=user.id,
        detail={"fields": sorted(changes)},
    )
    return user


#: Letters and digits that cannot be misread for one another when read out or copied.
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def generate_temporary_password(email: str, name: str) -> str:
    """A random temporary password meeting the policy (four groups of five characters,
    ~99 bits), for an admin to hand over once; the user must change it at next sign-in.
    The policy is asked, not assumed, so a stricter policy cannot be bypassed."""
    while True:
        groups = ("".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(5)) for _ in range(4))
        password = "-".join(groups)
        if not policy_problems(password, email=email, name=name):
            return password
