"""Emergency access ("break the glass"): a counsellor or clinician's own access to one
client's record for a few hours, with the reason they gave, reviewed afterwards by a manager.

The access itself is an `emergency` caseload membership (`auth.models.CaseloadMembership`,
written with its end), so every caseload check in every domain admits it and nothing else
needs to know; the grant holds why it was asked for and what the review found."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.models import CaseloadMembership
from core.db import Base, NeverDeleted, UTCDateTime, enum_column


class ReviewOutcome(enum.StrEnum):
    #: the emergency justified the access.
    APPROPRIATE = "appropriate"
    #: it did not: a still-live access ends at once; the centre follows it up.
    INAPPROPRIATE = "inappropriate"


class EmergencyAccessGrant(NeverDeleted, Base):
    __tablename__ = "emergency_access_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the access: who, which client, from when until when.
    membership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("caseload_memberships.id"), unique=True
    )
    reason: Mapped[str] = mapped_column(sa.Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    outcome: Mapped[ReviewOutcome | None] = mapped_column(enum_column(ReviewOutcome))
    note: Mapped[str | None] = mapped_column(sa.Text)

    membership: Mapped[CaseloadMembership] = relationship(lazy="joined", innerjoin=True)

    @property
    def user_id(self) -> int:
        return self.membership.staff_id

    @property
    def client_id(self) -> int:
        return self.membership.client_id

    @property
    def granted_at(self) -> datetime:
        return self.membership.started_at

    @property
    def expires_at(self) -> datetime:
        """When the access ends (earlier than asked when a review found it inappropriate)."""
        assert self.membership.ended_at is not None
        return self.membership.ended_at


def client_of_grant(grant_id: int) -> sa.Select[tuple[int]]:
    """The client a grant gave access to (for the audit of a refused request)."""
    return (
        sa.select(CaseloadMembership.client_id)
        .join(EmergencyAccessGrant, EmergencyAccessGrant.membership_id == CaseloadMembership.id)
        .where(EmergencyAccessGrant.id == grant_id)
    )
