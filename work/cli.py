"""`flask --app wsgi work-sweep`: run the worker's sweep once, in this process (what the
periodic task does every 5 minutes; idempotent, so running it by hand is always safe)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.extensions import db
from work import service


@click.command("work-sweep")
@with_appcontext
def sweep_command() -> None:
    """Write the notifications of every due work-queue item now (idempotent)."""
    created = service.sweep()
    db.session.commit()
    click.echo(f"{created} new notifications")
