"""The consent rules over plain data: is a consent current on a day, does it cover a
disclosure, and which element fails first."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from privacy.consents.rules import (
    Asked,
    ConsentTerms,
    Recipient,
    consent_problems,
    not_covered,
    not_current,
    refusal,
    same_text,
    status_on,
)

DAY = date(2026, 12, 1)
GP = Recipient("Riverside GP Practice")
TERMS = ConsentTerms(
    kind="tpo",
    recipient=GP,
    purpose="treatment",
    information=frozenset({"diagnoses", "medications"}),
    counselling_notes=False,
    signed_on=date(2026, 11, 1),
    expires_on=date(2027, 11, 1),
)
ASKED = Asked(recipient=GP, purpose="treatment", information=frozenset({"diagnoses"}))


def test_a_consent_covering_everything_asked_allows_it():
    assert refusal(TERMS, ASKED, DAY) is None
    assert refusal(TERMS, replace(ASKED, information=TERMS.information), DAY) is None


@pytest.mark.parametrize(
    ("terms", "element"),
    [
        (replace(TERMS, revoked_on=DAY), "revoked"),
        (replace(TERMS, expires_on=date(2026, 11, 30)), "expired"),
        (replace(TERMS, signed_on=date(2026, 12, 2)), "not_signed"),
    ],
)
def test_a_consent_not_current_is_refused_for_that(terms, element):
    assert refusal(terms, ASKED, DAY).element == element
    assert status_on(terms, DAY) == element


def test_the_expiry_date_is_the_last_day_covered_and_revocation_counts_from_its_day():
    assert not_current(replace(TERMS, expires_on=DAY), DAY) is None
    assert not_current(replace(TERMS, revoked_on=date(2026, 12, 2)), DAY) is None
    assert status_on(TERMS, DAY) == "active"


def test_revocation_is_reported_before_expiry():
    both = replace(TERMS, revoked_on=date(2026, 11, 10), expires_on=date(2026, 11, 20))
    assert not_current(both, DAY).element == "revoked"


def test_the_recipient_must_be_the_one_named_ignoring_case_and_spacing():
    assert (
        not_covered(TERMS, replace(ASKED, recipient=Recipient(" riverside  gp practice"))) is None
    )
    refused = not_covered(TERMS, replace(ASKED, recipient=Recipient("Hillside Clinic")))
    assert refused.element == "recipient" and "Riverside GP Practice" in refused.message


def test_a_class_only_consent_needs_the_recipient_to_be_of_that_class():
    by_class = replace(TERMS, recipient=Recipient(class_="my treating providers"))
    named = Recipient("Dr Patel", "My treating providers")
    assert not_covered(by_class, replace(ASKED, recipient=named)) is None
    refused = not_covered(by_class, replace(ASKED, recipient=Recipient("Dr Patel")))
    assert refused.element == "recipient"


def test_the_purpose_must_be_the_one_stated():
    refused = not_covered(TERMS, replace(ASKED, purpose="payment"))
    assert refused.element == "purpose"


def test_every_scope_must_be_covered_and_the_missing_ones_are_named_in_order():
    asked = replace(ASKED, information=frozenset({"notes", "diagnoses", "demographics"}))
    refused = not_covered(TERMS, asked)
    assert (refused.element, refused.scopes) == ("scope", ("demographics", "notes"))
    assert "demographics, notes" in refused.message


def test_counselling_notes_only_under_a_consent_for_them():
    asked = replace(ASKED, information=frozenset(), counselling_notes=True)
    assert not_covered(TERMS, asked).element == "counselling_notes"
    notes_only = replace(TERMS, information=frozenset(), counselling_notes=True)
    assert not_covered(notes_only, asked) is None
    assert not_covered(notes_only, ASKED).element == "scope"


def test_elements_fail_in_a_readers_order():
    everything_wrong = Asked(
        Recipient("Someone"), "payment", frozenset({"notes"}), counselling_notes=True
    )
    assert refusal(replace(TERMS, revoked_on=DAY), everything_wrong, DAY).element == "revoked"
    assert not_covered(TERMS, everything_wrong).element == "recipient"
    assert not_covered(TERMS, replace(everything_wrong, recipient=GP)).element == "purpose"


def test_same_text_needs_two_texts():
    assert same_text("A  b", "a B") and not same_text(None, None) and not same_text("a", None)


def test_what_a_consent_needs_to_be_recorded():
    base = {
        "kind": "tpo",
        "recipient": GP,
        "information": ["diagnoses"],
        "counselling_notes": False,
        "signed_on": DAY,
        "expires_on": None,
        "expiry_event": "discharge",
    }
    assert consent_problems(**base) == {}
    assert set(consent_problems(**{**base, "expiry_event": None})) == {"expires_on"}
    assert set(consent_problems(**{**base, "kind": "specific", "recipient": Recipient()})) == {
        "recipient"
    }
    assert set(consent_problems(**{**base, "counselling_notes": True})) == {"information"}
    assert consent_problems(**{**base, "counselling_notes": True, "information": []}) == {}
