"""Whose client data a staff member sees, as SQL: counsellors their own caseload, everyone
else the whole centre (API.md "Who sees what"). A live emergency access grant puts that
client on the caseload of the one who asked for it until it runs out (`privacy.emergency`).

Two forms of the same rule: `client_visibility` for a user already known (a Python value),
and `visible_to` for a user who is a row of the same statement (the credential's user, when
a read is looked up with its credential: `auth.credentials.reads_record`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from auth.models import CaseloadMembership, Role, User
from core.db import utcnow

#: Roles whose access to client data is limited to their own caseload.
CASELOAD_SCOPED_ROLES = frozenset({Role.COUNSELLOR})


def is_caseload_scoped(user: User) -> bool:
    return user.role in CASELOAD_SCOPED_ROLES


def caseload_client_ids(staff_id: Any, now: Any = None) -> sa.Select[tuple[int]]:
    """A subquery of the client ids on a staff member's active caseload: memberships not
    ended, or ending later than `now` (default: this moment; a live emergency access grant,
    whose membership is written with its end: so it counts like any other until then, and
    not a moment after). `staff_id` and `now` may be values, columns or bound parameters."""
    ended_at = CaseloadMembership.ended_at
    return sa.select(CaseloadMembership.client_id).where(
        CaseloadMembership.staff_id == staff_id,
        sa.or_(ended_at.is_(None), ended_at > (utcnow() if now is None else now)),
    )


def client_visibility(user: User, client_id_column: Any) -> sa.ColumnElement[bool]:
    """SQL predicate: may `user` see rows whose client is `client_id_column`?"""
    if not is_caseload_scoped(user):
        return sa.true()
    return client_id_column.in_(caseload_client_ids(user.id))


def visible_to(client_id_column: Any, now: Any) -> sa.ColumnElement[bool]:
    """`client_visibility` for the user of the `users` row in the same statement, with the
    caseload's end compared to `now` (a bound parameter)."""
    return sa.or_(
        User.role.not_in(CASELOAD_SCOPED_ROLES),
        client_id_column.in_(caseload_client_ids(User.id, now)),
    )


def can_see_client(user: User, client_id: int, session: Any) -> bool:
    """The per-record form of `client_visibility`, for single-record routes."""
    if not is_caseload_scoped(user):
        return True
    stmt = sa.select(
        sa.exists(caseload_client_ids(user.id).where(CaseloadMembership.client_id == client_id))
    )
    return bool(session.execute(stmt).scalar())
