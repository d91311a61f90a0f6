"""The dashboard's figures, kept for a few minutes.

The two reports count the whole centre (every open case, a period's discharges), so they cost
what the centre's size costs: a quarter of a second at 100,000 clients. The manager dashboard
shows them on every visit; it shows a copy computed at most `DASHBOARD_MAX_AGE_SECONDS`
ago (default 300) instead, says when it was computed, and offers a fresh one (`?fresh=1`).
The API's report routes always compute (an export wants today's numbers, and `bench.run` (a)
measures them). Each copy is kept per process for the dates it was asked with; at most
`KEPT` of them, the oldest forgotten first. Every visit is still audited as a read of the
report, computed or not (`reports.reading`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from core.db import utcnow

KEPT = 32
_EXTENSION = "reports.snapshots"


class Snapshots:
    """Computed reports by key, each with the moment it was computed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: OrderedDict[Hashable, tuple[datetime, dict[str, Any]]] = OrderedDict()

    def get(
        self, key: Hashable, max_age: timedelta | None, compute: Callable[[], dict[str, Any]]
    ) -> tuple[dict[str, Any], datetime]:
        """The copy under `key` if computed less than `max_age` ago, else (and always when
        `max_age` is None) a fresh one, kept."""
        now = utcnow()
        with self._lock:
            found = self._kept.get(key)
        if found is not None and max_age is not None and now - found[0] < max_age:
            return found[1], found[0]
        report = compute()
        with self._lock:
            self._kept[key] = (now, report)
            self._kept.move_to_end(key)
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        return report, now


def snapshot(
    key: Hashable, compute: Callable[[], dict[str, Any]], *, fresh: bool = False
) -> tuple[dict[str, Any], datetime]:
    """A report and when it was computed: the app's copy when it is recent enough (and
    `fresh` is not asked for), else computed now."""
    kept = current_app.extensions.setdefault(_EXTENSION, Snapshots())
    seconds = current_app.config["DASHBOARD_MAX_AGE_SECONDS"]
    max_age = None if fresh or not seconds else timedelta(seconds=seconds)
    return kept.get(key, max_age, compute)
