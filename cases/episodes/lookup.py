"""The episodes of care shown on the client record (intake's `ClientRecord`): cases provides
the lookup, the composition root's set-up hands it to intake."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import lazyload

from cases.episodes.models import Case
from core.extensions import db
from intake.clients.episodes import EPISODES_LOOKUP


def episodes_by_client(client_ids: Sequence[int]) -> dict[int, list[Case]]:
    """Each client's cases, oldest first, in one query for all of `client_ids`."""
    stmt = (
        sa.select(Case)
        .where(Case.client_id.in_(client_ids))
        .order_by(Case.client_id, Case.opened_at, Case.id)
        # the record lists episodes without their care teams or level histories: those
        # load only if something asks for them.
        .options(lazyload(Case.care_team), lazyload(Case.level_history))
    )
    found: dict[int, list[Case]] = {}
    for case in db.session.scalars(stmt):
        found.setdefault(case.client_id, []).append(case)
    return found


def provide_client_episodes(app: Flask) -> None:
    """Set-up step: let the client routes list each client's episodes."""
    app.extensions[EPISODES_LOOKUP] = episodes_by_client
