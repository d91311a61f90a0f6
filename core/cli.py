"""Command-line entry points shared by all domains (`flask --app wsgi ...`).

Domains contribute commands and demo-data seeders; `core.app` wires them in, so this module
depends on no domain."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import click
from flask import Flask, current_app

from core.extensions import db

#: A seeder adds demo data (idempotently) and returns lines to print.
Seeder = Callable[[], list[str]]


def register(app: Flask, *, seeders: Sequence[Seeder], commands: Sequence[click.Command]) -> None:
    for command in commands:
        app.cli.add_command(command)

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Add demo data and one demo account per role (idempotent; refused in production)."""
        if current_app.config["ENV_NAME"] == "production":
            raise click.ClickException("seed-demo refuses to run when ENV=production.")
        lines: list[str] = []
        for seeder in seeders:
            lines.extend(seeder())
        db.session.commit()
        click.echo("\n".join(lines))
