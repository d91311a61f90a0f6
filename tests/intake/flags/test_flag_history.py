"""A flag's history and re-alert (CLINICAL.md §3, rule version 2): one entry per finding;
every urgent finding clears the acknowledgement, even at the same severity; a lesser finding
is recorded without clearing it."""

from __future__ import annotations

import pytest

from core.db import utcnow
from core.extensions import db
from intake.flags.models import Flag, FlagSeverity
from intake.flags.service import FlagRequest, raise_flag
from tests.factories import make_client


def finding(severity: str, note: str) -> FlagRequest:
    return FlagRequest(type="suicide_risk", severity=severity, source_kind="screening", note=note)


@pytest.fixture
def acknowledged(app):
    """An acknowledged flag raised at `severity`; yields a function raising a new finding."""

    def _make(severity: str) -> Flag:
        client_id = make_client()
        flag = raise_flag(client_id, finding(severity, "first"), actor=None)
        flag.acknowledged_at = utcnow()
        db.session.flush()
        return flag

    with app.app_context():
        yield _make


@pytest.mark.parametrize(
    ("held", "new", "severity", "cleared"),
    [
        ("urgent", "urgent", "urgent", True),  # same severity, still a new alarm
        ("warning", "urgent", "urgent", True),
        ("info", "warning", "warning", True),  # a higher severity is seen again
        ("warning", "warning", "warning", False),
        ("urgent", "info", "urgent", False),
        ("urgent", "warning", "urgent", False),
    ],
)
def test_every_urgent_finding_re_alerts(acknowledged, held, new, severity, cleared):
    flag = acknowledged(held)
    same = raise_flag(flag.client_id, finding(new, "second"), actor=None)
    assert same.id == flag.id
    assert same.severity is FlagSeverity(severity)
    assert (same.acknowledged_at is None) is cleared
    assert [(h["severity"], h["note"]) for h in same.history] == [(held, "first"), (new, "second")]
    assert same.note == "first\nsecond"


def test_the_first_finding_opens_the_history(app):
    with app.app_context():
        flag = raise_flag(make_client(), finding("warning", "seen"), actor=None)
        (entry,) = flag.history
        assert entry == {
            "at": flag.raised_at.isoformat(),
            "source": "screening",
            "severity": "warning",
            "note": "seen",
        }
