"""Multi-factor authentication: a TOTP authenticator (RFC 6238, with pyotp) and single-use
recovery codes (docs/mfa.md).

- Enrolment: `start_enrolment` writes a fresh secret, unconfirmed, and gives the
  `otpauth://` URI and its QR code (an SVG made here, by segno: nothing leaves the server);
  `confirm_enrolment` takes a first right code, confirms the factor and returns ten recovery
  codes, shown once and stored as argon2id hashes like passwords (`auth.passwords`).
- A code (`use_code`) is either six digits of the current 30-second step, the one before or
  the one after (clock drift), or an unused recovery code. A step is accepted once: a code of
  the last used step, or of an earlier one, is refused, so an overheard code cannot be
  replayed. Taking a step or a recovery code is one conditional UPDATE, so two requests
  racing with the same code cannot both win.
- Counting wrong codes towards the lockout, the sessions and the audit are `auth.service`'s.

The time comes from `core.clock.now` (pyotp is given `for_time`), so tests freeze it.
"""

from __future__ import annotations

import hmac
import io
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app

from auth.models import RecoveryCode, Role, TotpFactor, User
from auth.passwords import hash_password, verify_password
from core.db import utcnow
from core.errors import Conflict, ValidationFailed
from core.extensions import db

ISSUER = "Treatment centre"
DIGITS = 6
STEP_SECONDS = 30
#: steps either side of the current one a code may come from (a phone's clock a little off).
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 10
#: lower-case letters and digits without the look-alikes 0/o and 1/i/l (31 symbols: a code
#: of ten carries about 49 bits).
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

#: The demo accounts' published TOTP secret (`seed-demo` prints it, docs/mfa.md names it).
#: Like the demo password it is refused in production, whatever account holds it.
DEMO_TOTP_SECRET = "DEMODEMODEMODEMODEMODEMODEMODEMO"

_TOTP_SHAPE = re.compile(rf"^\d{{{DIGITS}}}$")
_RECOVERY_SHAPE = re.compile(rf"^[{RECOVERY_ALPHABET}]{{{RECOVERY_CODE_LENGTH}}}$")


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str
    #: a standalone SVG document (`xmlns`, no XML declaration).
    qr_svg: str


# --- who has, and who needs, a second factor --------------------------------------------------


def factor_of(user: User) -> TotpFactor | None:
    return db.session.get(TotpFactor, user.id)


def is_enrolled(user: User) -> bool:
    """Whether every sign-in of `user` needs a code (a confirmed factor)."""
    stmt = sa.select(TotpFactor.user_id).where(
        TotpFactor.user_id == user.id, TotpFactor.confirmed_at.is_not(None)
    )
    return db.session.execute(stmt).first() is not None


def required_roles() -> frozenset[Role]:
    return frozenset(Role(name) for name in current_app.config["MFA_REQUIRED_ROLES"])


def must_enrol(user: User) -> bool:
    """A user whose role needs MFA (MFA_REQUIRED_ROLES) and who has not enrolled yet: such a
    sign-in gets an enrolment-only session."""
    return user.role in required_roles() and not is_enrolled(user)


# --- enrolment ---------------------------------------------------------------------------------


def _uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str, *, inline: bool = False) -> str:
    """The QR code of `uri` as SVG: a standalone document, or (`inline`) an `<svg>` element
    to put in a page (no namespace needed in HTML; no script, so the page's CSP allows it)."""
    code = segno.make(uri, error="m")
    options = {"scale": 4, "border": 4, "light": "#fff", "title": "QR code for your app"}
    if inline:
        return code.svg_inline(**options)
    out = io.BytesIO()
    code.save(out, kind="svg", xmldecl=False, **options)
    return out.getvalue().decode()


def provisioning(user: User, factor: TotpFactor, *, inline: bool = False) -> Enrolment:
    uri = _uri(user, factor.secret)
    return Enrolment(factor.secret, uri, qr_svg(uri, inline=inline))


def start_enrolment(user: User, *, keep_pending: bool = False) -> TotpFactor:
    """A new, unconfirmed secret for `user` (409 once enrolled: an admin resets it first).
    A secret given earlier and never confirmed is replaced, unless `keep_pending` (the web
    page shows the same one again when reloaded)."""
    factor = factor_of(user)
    if factor is not None and factor.confirmed_at is not None:
        raise Conflict(
            "Multi-factor authentication is already set up; an administrator can reset it."
        )
    if factor is not None and keep_pending:
        return factor
    secret = pyotp.random_base32(32)
    if factor is None:
        factor = TotpFactor(user_id=user.id, secret=secret)
        db.session.add(factor)
    else:
        factor.secret, factor.created_at, factor.last_used_step = secret, utcnow(), None
    db.session.flush()
    return factor


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Confirm the pending secret with a first right code (422 on `code` otherwise) and give
    the recovery codes, in the form they are typed (`abcde-fghjk`)."""
    factor = factor_of(user)
    if factor is None or factor.confirmed_at is not None:
        raise Conflict("Start enrolment first: there is no secret waiting for a code.")
    step = _matching_step(factor.secret, code, utcnow())
    if step is None:
        raise ValidationFailed(
            "That code is not right; check the app's clock and try the next code.", field="code"
        )
    factor.confirmed_at = utcnow()
    factor.last_used_step = step
    return _new_recovery_codes(user)


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_password(c)) for c in codes)
    db.session.flush()
    half = RECOVERY_CODE_LENGTH // 2
    return [f"{c[:half]}-{c[half:]}" for c in codes]


def enrol_with_secret(user: User, secret: str) -> None:
    """Enrol `user` with a given secret, confirmed (the demo accounts: `seed-demo`)."""
    factor = factor_of(user)
    if factor is None:
        db.session.add(TotpFactor(user_id=user.id, secret=secret, confirmed_at=utcnow()))
    else:
        factor.secret, factor.confirmed_at, factor.last_used_step = secret, utcnow(), None
    db.session.flush()


def remove(user: User) -> bool:
    """Forget the user's factor and recovery codes (an admin's reset); whether there was one."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    factor = factor_of(user)
    if factor is None:
        return False
    db.session.delete(factor)
    db.session.flush()
    return True


def unused_recovery_codes(user: User) -> int:
    stmt = sa.select(sa.func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    )
    return db.session.execute(stmt).scalar_one()


# --- checking a code at sign-in ----------------------------------------------------------------


def _demo_secret_refused(secret: str) -> bool:
    production = current_app.config["ENV_NAME"] == "production"
    return production and hmac.compare_digest(secret, DEMO_TOTP_SECRET)


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The step (within VALID_WINDOW of now) whose code `code` is, or None."""
    code = "".join(code.split())
    if not _TOTP_SHAPE.match(code):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = totp.timecode(now)
    found = None
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _take_step(user: User, step: int) -> bool:
    """Record `step` as used unless it, or a later one, was used before (atomically)."""
    last = TotpFactor.last_used_step
    result = db.session.execute(
        sa.update(TotpFactor)
        .where(
            TotpFactor.user_id == user.id,
            TotpFactor.confirmed_at.is_not(None),
            sa.or_(last.is_(None), last < step),
        )
        .values(last_used_step=step)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def normalise_recovery_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code).lower()


def _take_recovery_code(user: User, code: str, now: datetime) -> bool:
    code = normalise_recovery_code(code)
    if not _RECOVERY_SHAPE.match(code):
        return False
    stmt = sa.select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    )
    for row in db.session.execute(stmt).scalars():
        if verify_password(row.code_hash, code):
            result = db.session.execute(
                sa.update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1
    return False


def use_code(user: User, code: str) -> str | None:
    """Check and use up a code of an enrolled user: `"totp"` or `"recovery_code"` when it
    signs them in, None when it is wrong, of a step used before, too old, or a recovery code
    used already. (Counting the failure is the caller's: `auth.service`.)"""
    factor = factor_of(user)
    if factor is None or factor.confirmed_at is None or _demo_secret_refused(factor.secret):
        return None
    now = utcnow()
    step = _matching_step(factor.secret, code, now)
    if step is not None:
        return "totp" if _take_step(user, step) else None
    return "recovery_code" if _take_recovery_code(user, code, now) else None
