"""Consents to disclose (42 CFR §2.31): who discloses, to whom, for what, how much and what
kind of information, until when, signed by whom and on what day. A consent is never edited
and never deleted: a change is a new consent; revocation is recorded on it, once."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, NeverDeleted, UTCDateTime, enum_column, utcnow


class ConsentKind(enum.StrEnum):
    #: one consent for all future disclosures for treatment, payment and health care
    #: operations (§2.33(b), 2024); it may name a class of recipients.
    TPO = "tpo"
    #: a disclosure to a named recipient for a stated purpose.
    SPECIFIC = "specific"


class SignatureMethod(enum.StrEnum):
    WET = "wet"  #: signed on paper (the paper is kept by the centre)
    TYPED = "typed"
    ELECTRONIC = "electronic"


class Consent(NeverDeleted, Base):
    """A client's written consent. `information` holds scopes of the record
    (`privacy.consents.rules.SCOPES`); `counselling_notes` is a consent to disclose SUD
    counselling notes, which then names nothing else (they need a consent of their own).
    It lapses on `expires_on` (the last day it covers) or at `expiry_event`, whichever
    comes first; an event is for staff to watch (they record it as a revocation)."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    #: the programme permitted to disclose, as the consent names it (the centre).
    discloser: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[ConsentKind] = mapped_column(enum_column(ConsentKind))
    #: a named recipient, or (a TPO consent) a class of recipients ("my treating providers").
    recipient_name: Mapped[str | None] = mapped_column(sa.String(200))
    recipient_class: Mapped[str | None] = mapped_column(sa.String(200))
    purpose: Mapped[str] = mapped_column(sa.String(500))
    #: the scopes of the record the consent covers, in `SCOPES` order.
    information: Mapped[list[str]] = mapped_column(sa.JSON)
    counselling_notes: Mapped[bool] = mapped_column(default=False)
    expires_on: Mapped[date | None]
    expiry_event: Mapped[str | None] = mapped_column(sa.String(500))
    signed_on: Mapped[date]
    signature_method: Mapped[SignatureMethod] = mapped_column(enum_column(SignatureMethod))
    #: who signed: the client, or the representative signing for them.
    signed_by: Mapped[str] = mapped_column(sa.String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    #: the day the client revoked it (no disclosure under it from that day on).
    revoked_on: Mapped[date | None]
    revoke_reason: Mapped[str | None] = mapped_column(sa.Text)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.CheckConstraint(
            "recipient_name IS NOT NULL OR recipient_class IS NOT NULL", name="recipient"
        ),
        sa.CheckConstraint("expires_on IS NOT NULL OR expiry_event IS NOT NULL", name="expiry"),
    )


def client_of_consent(consent_id: int) -> sa.Select[tuple[int]]:
    """The client a consent belongs to (for the audit of a refused request)."""
    return sa.select(Consent.client_id).where(Consent.id == consent_id)
