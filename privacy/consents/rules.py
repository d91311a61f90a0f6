"""42 CFR Part 2 consent rules over plain data (no Flask, no database).

- What a consent must hold to be recorded (§2.31): a recipient (a name; a TPO consent may
  name a class of recipients instead), at least one scope of information — or SUD counselling
  notes and nothing else (they need a consent of their own) — and an expiry date or event.
- Whether a consent is current on a day: signed by then, not revoked on or before it, not
  past its `expires_on` (the last day it covers).
- Whether it covers a disclosure: the same recipient (by name, or for a class-only consent
  the same class), the same purpose, every scope asked for, and counselling notes only under
  a consent for them. Names, classes and purposes are compared ignoring case and spacing.

Each check answers with the first element that fails (a `Refusal`) or None, in the order a
reader of the consent would look: revoked, expired, recipient, purpose, counselling notes,
scopes."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

#: The scopes of the record a consent or disclosure names, in the order they are shown.
SCOPES: tuple[str, ...] = (
    "demographics",
    "diagnoses",
    "assessments",
    "flags",
    "cases",
    "treatment_plan",
    "medications",
    "sessions",
    "aftercare",
    "notes",
)


def in_scope_order(scopes: Iterable[str]) -> list[str]:
    """`scopes` without repeats, in `SCOPES` order."""
    given = set(scopes)
    return [scope for scope in SCOPES if scope in given]


def same_text(a: str | None, b: str | None) -> bool:
    """Two names or purposes are the same when they differ at most in case and spacing."""
    if a is None or b is None:
        return False
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


@dataclass(frozen=True)
class Recipient:
    name: str | None = None
    #: a class of recipients ("my treating providers"), for a TPO consent.
    class_: str | None = None

    def shown(self) -> str:
        return self.name or self.class_ or ""


@dataclass(frozen=True)
class ConsentTerms:
    """What a stored consent says, as the rules need it."""

    kind: str
    recipient: Recipient
    purpose: str
    information: frozenset[str]
    counselling_notes: bool
    signed_on: date
    expires_on: date | None = None
    revoked_on: date | None = None


@dataclass(frozen=True)
class Asked:
    """What a disclosure asks to send."""

    recipient: Recipient
    purpose: str
    information: frozenset[str]
    counselling_notes: bool = False


@dataclass(frozen=True)
class Refusal:
    """Why a consent does not allow a disclosure: the failing element (`revoked`, `expired`,
    `not_signed`, `recipient`, `purpose`, `counselling_notes`, `scope`), a sentence, and for
    `scope` the scopes not covered."""

    element: str
    message: str
    scopes: tuple[str, ...] = ()


# --- recording a consent ------------------------------------------------------------------


def consent_problems(
    *,
    kind: str,
    recipient: Recipient,
    information: Collection[str],
    counselling_notes: bool,
    signed_on: date,
    expires_on: date | None,
    expiry_event: str | None,
) -> dict[str, str]:
    """What stops a consent from being recorded, by field (empty when nothing does)."""
    problems: dict[str, str] = {}
    if kind == "specific" and not recipient.name:
        problems["recipient"] = "A specific consent names its recipient (recipient.name)."
    elif not (recipient.name or recipient.class_):
        problems["recipient"] = "Name the recipient, or for a TPO consent a class of recipients."
    if counselling_notes and information:
        problems["information"] = (
            "A consent to disclose SUD counselling notes names nothing else: record the "
            "other information on a consent of its own."
        )
    elif not counselling_notes and not information:
        problems["information"] = "Name at least one scope of information."
    elif len(set(information)) != len(information):
        problems["information"] = "Name each scope once."
    if expires_on is None and not expiry_event:
        problems["expires_on"] = "Give an expiry date (expires_on) or event (expiry_event)."
    elif expires_on is not None and expires_on < signed_on:
        problems["expires_on"] = f"Must not be before the signature date {signed_on}."
    return problems


# --- disclosing under it ------------------------------------------------------------------


def not_current(terms: ConsentTerms, on: date) -> Refusal | None:
    """None when the consent is in force on `on`; else why not."""
    if terms.revoked_on is not None and terms.revoked_on <= on:
        return Refusal("revoked", f"The consent was revoked on {terms.revoked_on}.")
    if terms.signed_on > on:
        return Refusal("not_signed", f"The consent is signed on {terms.signed_on}, after {on}.")
    if terms.expires_on is not None and terms.expires_on < on:
        return Refusal("expired", f"The consent expired on {terms.expires_on}.")
    return None


def status_on(terms: ConsentTerms, on: date) -> str:
    """`active`, `revoked` or `expired` on `on`."""
    refused = not_current(terms, on)
    return refused.element if refused else "active"


def _recipient(terms: ConsentTerms, asked: Asked) -> Refusal | None:
    consented = terms.recipient
    if consented.name:
        if same_text(consented.name, asked.recipient.name):
            return None
        return Refusal(
            "recipient",
            f"The consent names the recipient {consented.name!r}, not {asked.recipient.shown()!r}.",
        )
    if same_text(consented.class_, asked.recipient.class_):
        return None
    return Refusal(
        "recipient",
        f"The consent covers the class of recipients {consented.class_!r}; the recipient's "
        "class (recipient.class) must be that one.",
    )


def not_covered(terms: ConsentTerms, asked: Asked) -> Refusal | None:
    """None when the consent covers what `asked` would send; else the first element that
    it does not cover."""
    refusal = _recipient(terms, asked)
    if refusal is not None:
        return refusal
    if not same_text(terms.purpose, asked.purpose):
        return Refusal(
            "purpose", f"The consent is for the purpose {terms.purpose!r}, not {asked.purpose!r}."
        )
    if asked.counselling_notes and not terms.counselling_notes:
        return Refusal(
            "counselling_notes",
            "SUD counselling notes are disclosed only under a consent for them alone; this "
            "consent does not cover them.",
        )
    missing = tuple(in_scope_order(asked.information - terms.information))
    if missing:
        return Refusal(
            "scope", f"The consent does not cover: {', '.join(missing)}.", scopes=missing
        )
    return None


def refusal(terms: ConsentTerms, asked: Asked, on: date) -> Refusal | None:
    """None when a disclosure of `asked` on `on` is allowed under the consent."""
    return not_current(terms, on) or not_covered(terms, asked)
