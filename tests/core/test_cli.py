"""Command line: create-user and seed-demo."""

from __future__ import annotations

import sqlalchemy as sa

from auth.cli import DEMO_PASSWORD
from auth.models import User
from cases.episodes.models import Case
from core.extensions import db


def test_seed_demo_is_idempotent_and_prints_one_login_per_role(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    for role in ("intake", "counsellor", "clinician", "manager", "admin"):
        assert f"{role}@demo.centre" in first.output
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "already present" in second.output
    assert DEMO_PASSWORD in first.output  # printed when the accounts are created
    assert DEMO_PASSWORD not in second.output  # not in the log of every later start
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Case.id))).scalar() == 3
        emails = db.session.execute(sa.select(User.email)).scalars().all()
    assert len(emails) == len(set(emails))


def test_seed_demo_refuses_in_production(app):
    app.config["ENV_NAME"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["seed-demo"])
    finally:
        app.config["ENV_NAME"] = "development"
    assert result.exit_code != 0 and "production" in result.output


def test_create_user_enforces_the_password_policy(app):
    runner = app.test_cli_runner()
    weak = runner.invoke(
        args=[
            "create-user",
            "--email",
            "a@b.org",
            "--name",
            "A B",
            "--role",
            "admin",
            "--password",
            "password1234",
        ]
    )
    assert weak.exit_code != 0
    ok = runner.invoke(
        args=[
            "create-user",
            "--email",
            "a@b.org",
            "--name",
            "A B",
            "--role",
            "admin",
            "--password",
            "tidal-copper-lantern-9",
        ]
    )
    assert ok.exit_code == 0, ok.output
    with app.app_context():
        assert db.session.execute(sa.select(User).where(User.email == "a@b.org")).scalar_one()
