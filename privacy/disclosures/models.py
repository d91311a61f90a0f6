"""Disclosures: every time part of a client's record left the centre, under a consent
(§2.31-2.33) or in a medical emergency without one (§2.51). Together they are the accounting
of disclosures. Never edited, never deleted; what was sent is not kept, only its digest."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, NeverDeleted, UTCDateTime, utcnow


class Disclosure(NeverDeleted, Base):
    """One disclosure. Under a consent it names the consent; in an emergency it has none and
    records the nature of the emergency and the recipient's affiliation instead (§2.51(c):
    who received it and where they work, who disclosed, when, and why)."""

    __tablename__ = "disclosures"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"))
    #: the consent it was made under; none for an emergency disclosure.
    consent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("consents.id"), index=True)
    disclosed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    disclosed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recipient_name: Mapped[str] = mapped_column(sa.String(200))
    #: the recipient's class, as a class-only (TPO) consent names it.
    recipient_class: Mapped[str | None] = mapped_column(sa.String(200))
    #: an emergency's recipient: the health care facility the medical personnel work for.
    recipient_affiliation: Mapped[str | None] = mapped_column(sa.String(200))
    #: none for an emergency disclosure (its reason is `nature_of_emergency`).
    purpose: Mapped[str | None] = mapped_column(sa.String(500))
    #: the scopes of the record sent, in `privacy.consents.rules.SCOPES` order.
    information: Mapped[list[str]] = mapped_column(sa.JSON)
    counselling_notes: Mapped[bool] = mapped_column(default=False)
    #: `fhir` (a FHIR R4 Bundle).
    format: Mapped[str] = mapped_column(sa.String(20))
    #: the §2.32 notice sent with it.
    notice: Mapped[str] = mapped_column(sa.Text)
    nature_of_emergency: Mapped[str | None] = mapped_column(sa.Text)
    #: SHA-256 of the bundle sent (canonical JSON), to tell later what was sent without
    #: keeping a copy of the record.
    bundle_sha256: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (
        # the accounting: one client's disclosures in order.
        sa.Index("ix_disclosures_client_disclosed", "client_id", "disclosed_at"),
        # a consent, or an emergency: exactly one.
        sa.CheckConstraint(
            "(consent_id IS NOT NULL AND nature_of_emergency IS NULL) OR "
            "(consent_id IS NULL AND nature_of_emergency IS NOT NULL)",
            name="basis",
        ),
    )
