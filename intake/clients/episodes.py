"""The client record lists the client's episodes of care, which the cases domain keeps.

Intake sits below cases and imports nothing of it, so the lookup is handed in: the
composition root's set-up puts a function under :data:`EPISODES_LOOKUP` in
``app.extensions`` (cases provides it), and the client routes wrap what they return in a
:class:`ClientRecord`. An app composed without cases shows no episodes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app

from core.shown import Shown
from intake.clients.models import Client

#: ``app.extensions`` key of the lookup: client ids -> each client's episodes, oldest first.
EPISODES_LOOKUP = "intake.client_episodes"
EpisodeLookup = Callable[[Sequence[int]], Mapping[int, Sequence[Any]]]


@dataclass(frozen=True)
class ClientRecord(Shown):
    """A client as the client routes show it: the stored client and its episodes."""

    record: Client
    episodes: Sequence[Any]


def with_episodes(clients: Sequence[Client]) -> list[ClientRecord]:
    """The clients with their episodes, in one lookup for all of them."""
    lookup: EpisodeLookup | None = current_app.extensions.get(EPISODES_LOOKUP)
    found = lookup([c.id for c in clients]) if lookup and clients else {}
    return [ClientRecord(c, found.get(c.id, ())) for c in clients]


def record_of(client: Client) -> ClientRecord:
    """One client with its episodes."""
    return with_episodes([client])[0]
