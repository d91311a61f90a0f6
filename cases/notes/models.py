"""Clinical notes (progress, group, DAP, SOAP) and their addenda; a signed note is never
edited, only added to."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.episodes.models import Case
from core.db import (
    Base,
    NeverDeleted,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    enum_column,
    utcnow,
)


class NoteKind(enum.StrEnum):
    PROGRESS = "progress"
    DAP = "dap"
    SOAP = "soap"
    GROUP = "group"
    #: SUD counselling notes (42 CFR §2.11): kept apart — only the case's care team reads
    #: the text, and no export, report or disclosure carries it.
    COUNSELLING = "counselling"


class Note(NeverDeleted, TimestampMixin, VersionedMixin, Base):
    """A clinical note; signing locks it, after which only addenda may be added."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    kind: Mapped[NoteKind] = mapped_column(enum_column(NoteKind))
    #: `{text}` for progress and group, `{data, assessment, plan}` for DAP,
    #: `{subjective, objective, assessment, plan}` for SOAP.
    body: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    addenda: Mapped[list[NoteAddendum]] = relationship(
        order_by="NoteAddendum.id", viewonly=True, lazy="selectin"
    )


class NoteAddendum(NeverDeleted, Base):
    __tablename__ = "note_addenda"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(sa.ForeignKey("notes.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def client_of_note(note_id: int) -> sa.Select[tuple[int]]:
    """The client a Note belongs to (for the audit of a refused request)."""
    return sa.select(Case.client_id).join(Note, Note.case_id == Case.id).where(Note.id == note_id)
