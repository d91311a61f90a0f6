"""The work queue's rules over plain data (no Flask, no database): when each kind of item is
due, whether it is overdue, the web page it opens, the idempotency key of its reminder, and the
digest's words (counts and a link only).

- `session_today`: a scheduled session I facilitate starts today and has not ended; due at
  its start, never overdue.
- `note_unsigned`: my draft note is older than `note_sign_within` (24 h); due 24 h after it
  was written.
- `session_without_note`: a held session I facilitated (ended in the last
  `session_note_lookback`, 7 days) with a client who attended, and no note by me on that
  client's case since it began; due 24 h after it ended.
- `follow_up_due`: a follow-up assigned to me, due today or earlier; due on its date.
- `flag_unacknowledged`: an urgent active flag nobody has acknowledged; due when raised.
- `taper_to_approve` (clinicians): a draft taper plan; due 24 h after it was drafted.
- `withdrawal_check_due`: an open case whose last score is severe and older than 4 h, or in the
  moderate band and older than 8 h; due 4 h (8 h) after it was observed.
- `plan_review_due`: a goal of an open case's treatment plan reaches its review date; due on
  the earliest such date.
- `consent_expiring`: an unrevoked consent expiring within 14 days; due on its expiry date.

A timed item is overdue once its due time has passed; a dated one once its date is before
today (in the centre's time zone). Every value is a field of `QueueRules` with these defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

KINDS: tuple[str, ...] = (
    "flag_unacknowledged",
    "withdrawal_check_due",
    "session_today",
    "note_unsigned",
    "session_without_note",
    "follow_up_due",
    "taper_to_approve",
    "plan_review_due",
    "consent_expiring",
)

#: the kinds the background sweep turns into notifications (urgent flags notify at once).
SWEPT_KINDS: tuple[str, ...] = (
    "follow_up_due",
    "withdrawal_check_due",
    "plan_review_due",
    "consent_expiring",
)

#: how each kind is named on "My day" and in the digest: words that say no name, diagnosis
#: or substance.
TITLES: dict[str, str] = {
    "flag_unacknowledged": "Urgent flags to acknowledge",
    "withdrawal_check_due": "Observations due",
    "session_today": "Today's sessions",
    "note_unsigned": "Notes to sign",
    "session_without_note": "Sessions without a note",
    "follow_up_due": "Follow-ups due",
    "taper_to_approve": "Plans to approve",
    "plan_review_due": "Treatment plan reviews due",
    "consent_expiring": "Consents expiring",
}

#: what one reminder (notification) of each kind says.
REMINDER_TITLES: dict[str, str] = {
    "flag_unacknowledged": "An urgent flag to acknowledge",
    "withdrawal_check_due": "An observation due",
    "follow_up_due": "A follow-up due",
    "plan_review_due": "A treatment plan review due",
    "consent_expiring": "A consent expiring",
}


@dataclass(frozen=True)
class QueueRules:
    note_sign_within: timedelta = timedelta(hours=24)
    session_note_within: timedelta = timedelta(hours=24)
    session_note_lookback: timedelta = timedelta(days=7)
    taper_approve_within: timedelta = timedelta(hours=24)
    severe_recheck: timedelta = timedelta(hours=4)
    moderate_recheck: timedelta = timedelta(hours=8)
    #: the band (below severe) that needs a re-check within `moderate_recheck`.
    moderate_band: str = "moderate"
    consent_warning_days: int = 14


DEFAULT_RULES = QueueRules()

#: where each kind's item opens: case pages for records of a case, the client page else.
_CASE_ANCHORS = {
    "note_unsigned": "notes",
    "session_without_note": "notes",
    "follow_up_due": "follow-ups",
    "taper_to_approve": "taper",
    "withdrawal_check_due": "withdrawal",
    "plan_review_due": "plan",
}
_CLIENT_ANCHORS = {"flag_unacknowledged": "flags", "consent_expiring": ""}


def link(kind: str, *, record_id: int, case_id: int | None, client_id: int | None) -> str:
    """The web page path an item opens (ids only, never a name)."""
    if kind == "session_today":
        return f"/#session-{record_id}"
    if kind == "note_unsigned":
        return f"/cases/{case_id}#note-{record_id}"
    if kind in _CASE_ANCHORS:
        return f"/cases/{case_id}#{_CASE_ANCHORS[kind]}"
    anchor = _CLIENT_ANCHORS[kind]
    return f"/clients/{client_id}" + (f"#{anchor}" if anchor else "")


def overdue(
    kind: str, *, due_at: datetime | None, due_on: date | None, now: datetime, today: date
) -> bool:
    """Past its due time (a timed item) or its due date (a dated one); a session of today is
    an appointment, never overdue."""
    if kind == "session_today":
        return False
    if due_on is not None:
        return due_on < today
    return due_at is not None and due_at < now


def idempotency_key(user_id: int, kind: str, record_id: int, due: date | str) -> str:
    """Which reminder a notification is: one per user, kind, record and due date (for an
    urgent flag, its finding), so writing it twice keeps one."""
    due_text = due.isoformat() if isinstance(due, date) else due
    return f"{user_id}:{kind}:{record_id}:{due_text}"


def digest_text(counts: Mapping[str, int], overdue_count: int, url: str) -> str:
    """The body of one person's daily e-mail: counts per kind and a link, nothing else
    (API.md: never a name, a diagnosis or a substance)."""
    lines = ["Your work queue at the treatment centre:", ""]
    for kind in KINDS:
        if counts.get(kind):
            lines.append(f"- {TITLES[kind]}: {counts[kind]}")
    lines += ["", f"Overdue: {overdue_count}", "", f"Open My day to see them: {url}", ""]
    return "\n".join(lines)
