"""The password policy: length, common passwords, repeated patterns and too few different
characters, the centre's own words (and the published demo password), the user's own name."""

from __future__ import annotations

import pytest

from auth.credentials import DEMO_PASSWORD
from auth.passwords import policy_problems

STAFF = "/api/v1/staff"
NEW_STAFF = {"email": "pat.doe@test.centre", "name": "Pat Doe", "role": "clinician"}


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("abcabcabcabc", "repeated pattern"),
        ("abcabcabcabc!1", "repeated pattern"),
        ("ab12ab12ab12ab12", "repeated pattern"),
        ("zzzzzzzzzzzzzzzz", "repeated pattern"),
        ("aabbccaabbccddaa", "different characters"),
        ("treatment-centre", "words about this centre"),
        ("Treatment-Center-2026!", "words about this centre"),
        ("clinic-recovery-99", "words about this centre"),
        ("rehab-detox-sober-1", "words about this centre"),
        (DEMO_PASSWORD, "words about this centre"),
        ("Lantern-Harbour-2027", "words about this centre"),
    ],
)
def test_weak_passwords_are_refused_with_a_clear_reason(password, says):
    problems = policy_problems(password)
    assert problems, password
    assert any(says in problem for problem in problems), problems


@pytest.mark.parametrize(
    "password",
    [
        "correct-battery-staple-9",
        "quiet-river-stone-88",
        "tidal-copper-lantern-9",  # one product word among enough of your own
        "my-treatment-of-the-cat-7",
        "Zq8!mW2#rT5v",
    ],
)
def test_strong_passwords_pass(password):
    assert policy_problems(password) == []


@pytest.mark.parametrize("password", ["abcabcabcabc", "treatment-centre", DEMO_PASSWORD])
def test_staff_create_refuses_them_naming_the_password_field(login_as, password):
    r = login_as("admin").post(STAFF, json={**NEW_STAFF, "password": password})
    assert r.status_code == 422
    assert r.get_json()["errors"]["json"]["password"]
