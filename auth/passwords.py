"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 12
#: Fewer different characters than this is too little variety, however long.
MIN_DISTINCT = 6
#: The product's and the centre's own words, and the demo password's: an attacker's first
#: guesses. A password must have at least PRODUCT_WORDS_REST letters besides them.
PRODUCT_WORDS = (
    "treatment",
    "centre",
    "center",
    "clinic",
    "recovery",
    "rehab",
    "detox",
    "sober",
    "demo",
    "lantern",
    "harbour",
    "harbor",
)
PRODUCT_WORDS_REST = 8
_PRODUCT_WORDS = re.compile("|".join(sorted(PRODUCT_WORDS, key=len, reverse=True)))
_COMMON_FILE = Path(__file__).with_name("data") / "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text().splitlines()
    return frozenset(line.strip() for line in lines if line and not line.startswith("#"))


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST"],
        parallelism=1,
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_verification(password: str) -> None:
    """Spend the same time as a real check, so an unknown email is not faster to reject."""
    verify_password(_dummy_hash(), password)


@cache
def _dummy_hash_for(time_cost: int, memory_cost: int) -> str:
    return _hasher().hash("not-a-real-password-0000")


def _dummy_hash() -> str:
    cfg = current_app.config
    return _dummy_hash_for(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"])


def _core_word(password: str) -> str:
    """The password with leading/trailing digits and symbols removed, lower-cased."""
    return re.sub(r"^[\W\d_]+|[\W\d_]+$", "", password.lower())


def _is_repetition(text: str) -> bool:
    """`abcabc`, `xxxx`: the text is one shorter pattern said at least twice."""
    return len(text) >= 2 and (text + text).find(text, 1) < len(text)


def _monotonous(password: str) -> bool:
    lowered = password.lower()
    core = _core_word(password)
    return (
        len(set(lowered)) < MIN_DISTINCT
        or _is_repetition(lowered)
        or (len(core) >= MIN_LENGTH // 2 and _is_repetition(core))
    )


def _mostly_product_words(password: str) -> bool:
    lowered = password.lower()
    if not _PRODUCT_WORDS.search(lowered):
        return False
    rest = re.sub(r"[\W\d_]", "", _PRODUCT_WORDS.sub("", lowered))
    return len(rest) < PRODUCT_WORDS_REST


def policy_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Why a password is refused: too short; a common password (or one with digits or
    symbols added); a repeated pattern (`abcabcabcabc`) or fewer than MIN_DISTINCT different
    characters; made of the centre's own words (PRODUCT_WORDS, e.g. `treatment-centre`,
    the demo password) with fewer than PRODUCT_WORDS_REST other letters; or made of the
    user's own email or name."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Must be at least {MIN_LENGTH} characters long.")
    lowered = password.lower()
    common = common_passwords()
    if lowered in common or _core_word(password) in common:
        problems.append("Is a commonly used password; choose something less guessable.")
    if _monotonous(password):
        problems.append(
            "Is a repeated pattern or uses too few different characters "
            f"(at least {MIN_DISTINCT}); choose something less guessable."
        )
    if _mostly_product_words(password):
        problems.append(
            "Is made of words about this centre (such as treatment, centre, clinic, "
            f"recovery); add at least {PRODUCT_WORDS_REST} letters of your own."
        )
    local_part = email.split("@", 1)[0].lower()
    personal = [p for p in [local_part, *name.lower().split()] if len(p) >= 4]
    if any(p in lowered for p in personal):
        problems.append("Must not contain your email address or name.")
    return problems
