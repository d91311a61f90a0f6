"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 12
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


def policy_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Why a password is refused: too short, a common password (or one with digits or
    symbols added), or made of the user's own email or name."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Must be at least {MIN_LENGTH} characters long.")
    lowered = password.lower()
    common = common_passwords()
    if lowered in common or _core_word(password) in common or len(set(lowered)) <= 2:
        problems.append("Is a commonly used password; choose something less guessable.")
    local_part = email.split("@", 1)[0].lower()
    personal = [p for p in [local_part, *name.lower().split()] if len(p) >= 4]
    if any(p in lowered for p in personal):
        problems.append("Must not contain your email address or name.")
    return problems
