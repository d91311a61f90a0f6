"""`flask --app wsgi create-user` and the demo accounts of `seed-demo`."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from auth import mfa, staff
from auth.credentials import DEMO_PASSWORD
from auth.models import Role, User
from core.errors import DomainError
from core.extensions import db

#: Demo-only accounts sharing DEMO_PASSWORD (seed-demo refuses to run in production, and
#: in production they cannot sign in: `auth.credentials.demo_refused`).
DEMO_ACCOUNTS = [
    (Role.INTAKE, "intake@demo.centre", "Ida Intake"),
    (Role.COUNSELLOR, "counsellor@demo.centre", "Colm Counsellor"),
    (Role.COUNSELLOR, "counsellor2@demo.centre", "Cara Counsellor"),
    (Role.CLINICIAN, "clinician@demo.centre", "Dr Clare Clinician"),
    (Role.MANAGER, "manager@demo.centre", "Max Manager"),
    (Role.ADMIN, "admin@demo.centre", "Ada Admin"),
]
#: Demo accounts enrolled in MFA with the published `mfa.DEMO_TOTP_SECRET` (the roles that
#: need MFA by default), so the demo shows the second step; refused in production like the
#: demo password.
DEMO_MFA_ROLES = frozenset({Role.CLINICIAN, Role.MANAGER, Role.ADMIN})


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.password_option("--password", help="Prompted (twice) when not given.")
def create_user_command(email: str, name: str, role: str, password: str) -> None:
    """Create a staff account."""
    try:
        user = staff.create_user(
            email=email, name=name, role=Role(role), password=password, actor=None
        )
    except DomainError as exc:
        detail = exc.errors or ""
        raise click.ClickException(f"{exc.message} {detail}".strip()) from exc
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")


def seed_demo_accounts() -> list[str]:
    """One demo account per role (two counsellors, to show caseload separation). Refused
    in production, whoever calls it."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Demo accounts are refused when ENV=production.")
    created, enrolled, logins = False, False, []
    for role, email, name in DEMO_ACCOUNTS:
        user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()
        if user is None:
            user = staff.create_user(
                email=email, name=name, role=role, password=DEMO_PASSWORD, actor=None, demo=True
            )
            created = True
        if role in DEMO_MFA_ROLES and not mfa.is_enrolled(user):
            mfa.enrol_with_secret(user, mfa.DEMO_TOTP_SECRET)
            enrolled = True
        code = " + code" if role in DEMO_MFA_ROLES else ""
        logins.append(f"  {role.value:<11} {email}{code}")
    # The password and the TOTP secret are printed once, when the accounts are created or
    # enrolled (the README has the password, docs/mfa.md the secret); later runs name the
    # accounts only, so logs of every start do not repeat them.
    lines = (
        ["Demo logins (password for all: " + DEMO_PASSWORD + "):", *logins]
        if created
        else ["Demo logins (already present; the demo password is in the README):", *logins]
    )
    if enrolled:
        lines.append(
            "Demo TOTP secret of the accounts marked + code (demo only, refused in production): "
            + mfa.DEMO_TOTP_SECRET
        )
        lines.append(
            "  add it to an authenticator app, or print a code with: python -c "
            f"\"import pyotp; print(pyotp.TOTP('{mfa.DEMO_TOTP_SECRET}').now())\""
        )
    else:
        lines.append("Accounts marked + code sign in with a TOTP code (docs/mfa.md).")
    return lines


def demo_user(email: str) -> User:
    return db.session.execute(sa.select(User).where(User.email == email)).scalar_one()
