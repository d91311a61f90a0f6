"""Versioned documents: one per case, saved whole, every saved version kept.

Treatment plans and relapse-prevention (aftercare) plans work the same way, so they share
this one mechanism; each domain keeps only its own rules (who may save, when a plan may be
agreed). A document type is a :class:`VersionedDocument` naming

- `model`, the current document: one row per case with `case_id`, `version` (the optimistic
  lock of `core.db.VersionedMixin`) and `updated_by_id`;
- `version_model`, its copies: `plan_id`, `version`, `saved_at`, `saved_by_id` and the
  `copied` columns;
- the audit record types of both and the `label` its 404 uses ("This case has no {label}
  yet.").

A save that changes nothing saves nothing (same version, no copy) and is audited as such;
audit details name the version and the changed fields, never their content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from core import audit
from core.db import utcnow
from core.errors import NotFound
from core.extensions import db
from core.http import locked, paginate


@dataclass(frozen=True)
class Saved:
    """What a save did: the document, whether it was created, the fields it changed."""

    document: Any
    created: bool
    changed: list[str]


@dataclass(frozen=True)
class VersionedDocument:
    model: Any
    version_model: Any
    record_type: str
    version_record_type: str
    label: str
    copied: tuple[str, ...]
    #: versions listed newest first (treatment plans) or oldest first (aftercare plans).
    newest_first: bool = False

    def current(self, case_id: int, *, for_update: bool = False) -> Any | None:
        """The case's document, or None before its first save; `for_update` locks it."""
        stmt = sa.select(self.model).where(self.model.case_id == case_id)
        if for_update:
            stmt = locked(stmt, self.model)
        return db.session.execute(stmt).scalar_one_or_none()

    def read(self, case_id: int, client_id: int, *, actor: Any) -> Any:
        """The case's document, audited as read; 404 before its first save."""
        document = self.current(case_id)
        if document is None:
            raise NotFound(f"This case has no {self.label} yet.")
        self.audit("read", document, client_id, actor)
        return document

    def audit(self, verb: str, document: Any, client_id: int, actor: Any, **detail: Any) -> None:
        audit.record(
            f"{self.record_type}.{verb}",
            actor=actor,
            record_type=self.record_type,
            record_id=document.id,
            client_id=client_id,
            detail=detail or None,
        )

    def changed_fields(self, document: Any | None, values: Mapping[str, Any]) -> list[str]:
        """The copied fields a save of `values` changes (all of them on the first save)."""
        return sorted(
            name
            for name in self.copied
            if document is None or getattr(document, name) != values[name]
        )

    def save(
        self,
        case: Any,
        document: Any | None,
        values: Mapping[str, Any],
        *,
        actor: Any,
        changed: Sequence[str] | None = None,
    ) -> Saved:
        """Create the document or set `values` on it, keep the new version's copy and audit
        it. `changed` (default: the copied fields that differ) decides whether anything is
        stored; when given, the audit names it as `fields`."""
        named = {} if changed is None else {"fields": list(changed)}
        changed = list(self.changed_fields(document, values) if changed is None else changed)
        if document is not None and not changed:
            self.audit("update", document, case.client_id, actor, version=document.version)
            return Saved(document, False, [])
        created = document is None
        if document is None:
            document = self.model(case_id=case.id)
            db.session.add(document)
        for name, value in values.items():
            setattr(document, name, value)
        document.updated_by_id = actor.id
        db.session.flush()
        copy = {name: getattr(document, name) for name in self.copied}
        db.session.add(
            self.version_model(
                plan_id=document.id,
                version=document.version,
                saved_at=utcnow(),
                saved_by_id=actor.id,
                **copy,
            )
        )
        db.session.flush()
        verb = "create" if created else "update"
        self.audit(verb, document, case.client_id, actor, version=document.version, **named)
        return Saved(document, created, changed)

    def versions(
        self, case_id: int, client_id: int, *, actor: Any, page: int, per_page: int
    ) -> dict[str, Any]:
        """A page of the saved versions, each audited with the client's id."""
        order = self.version_model.version, self.version_model.id
        stmt = (
            sa.select(self.version_model)
            .join(self.model, self.model.id == self.version_model.plan_id)
            .where(self.model.case_id == case_id)
            .order_by(*(column.desc() for column in order) if self.newest_first else order)
        )
        result = paginate(stmt, page, per_page)
        audit.record_many(
            f"{self.record_type}.versions",
            actor=actor,
            record_type=self.version_record_type,
            rows=[(version.id, client_id) for version in result["items"]],
        )
        return result
