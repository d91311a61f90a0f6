"""Results that show a stored record with values computed for one answer.

A service that answers with more than a record holds (a follow-up's status today, the flag a
withdrawal score raised, the sessions a discharge withdrew the case from) returns a small
frozen dataclass deriving from :class:`Shown`: its own fields are the computed values, and
every other attribute reads through to `record`, so a response schema dumps it as it dumps the
record. Nothing unstored is ever set on an ORM object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Shown:
    """Base of a result: `record` (the stored row) plus the subclass's computed fields."""

    record: Any

    def __getattr__(self, name: str) -> Any:
        if name == "record":  # not yet set (copying, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.record, name)
