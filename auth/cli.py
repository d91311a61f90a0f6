"""`flask --app wsgi create-user` and the demo accounts of `seed-demo`."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from auth import service
from auth.models import Role, User
from auth.service import DEMO_PASSWORD
from core.errors import DomainError
from core.extensions import db

#: Demo-only accounts sharing DEMO_PASSWORD (seed-demo refuses to run in production, and
#: in production they cannot sign in: `auth.service.demo_refused`).
DEMO_ACCOUNTS = [
    (Role.INTAKE, "intake@demo.centre", "Ida Intake"),
    (Role.COUNSELLOR, "counsellor@demo.centre", "Colm Counsellor"),
    (Role.COUNSELLOR, "counsellor2@demo.centre", "Cara Counsellor"),
    (Role.CLINICIAN, "clinician@demo.centre", "Dr Clare Clinician"),
    (Role.MANAGER, "manager@demo.centre", "Max Manager"),
    (Role.ADMIN, "admin@demo.centre", "Ada Admin"),
]


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.password_option("--password", help="Prompted (twice) when not given.")
def create_user_command(email: str, name: str, role: str, password: str) -> None:
    """Create a staff account."""
    try:
        user = service.create_user(
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
    created, logins = False, []
    for role, email, name in DEMO_ACCOUNTS:
        exists = db.session.execute(sa.select(User.id).where(User.email == email)).first()
        if not exists:
            service.create_user(
                email=email, name=name, role=role, password=DEMO_PASSWORD, actor=None, demo=True
            )
            created = True
        logins.append(f"  {role.value:<11} {email}")
    # The password is printed once, when the accounts are created (it is in the README too);
    # later runs name the accounts only, so logs of every start do not repeat it.
    if created:
        return ["Demo logins (password for all: " + DEMO_PASSWORD + "):", *logins]
    return ["Demo logins (already present; the demo password is in the README):", *logins]


def demo_user(email: str) -> User:
    return db.session.execute(sa.select(User).where(User.email == email)).scalar_one()
