"""A record read ahead, in the same statement as the request's credential
(`auth.credentials.reads_record`), kept for the route's service to take instead of
selecting it again.

What is kept is the answer of the caseload-checked select for one record id as seen by one
user: the row (the record and any columns read with it), or None when no record of that id
is visible to them (unknown or on another caseload, alike). A service asks with the same
entity, id and viewer; anything else, or a request that read nothing ahead, selects as
usual."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context

from core.errors import not_found

_KEY = "prefetched_record"


def keep(entity: type, record_id: int, viewer_id: int, row: tuple[Any, ...] | None) -> None:
    g.setdefault(_KEY, {})[(entity, record_id, viewer_id)] = row


def take_row(entity: type, record_id: int, viewer_id: int, kind: str) -> tuple[Any, ...] | None:
    """The row read ahead for this record and viewer (taken: asked once), None when nothing
    was read ahead; 404 "No such {kind}." when it was and found no visible record."""
    if not has_request_context():
        return None
    kept = g.get(_KEY)
    key = (entity, record_id, viewer_id)
    if not kept or key not in kept:
        return None
    row = kept.pop(key)
    if row is None:
        raise not_found(kind)
    return row
