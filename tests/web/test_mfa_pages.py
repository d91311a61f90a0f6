"""Multi-factor authentication in the web sign-in (docs/mfa.md): the second step asks for the
code against a server-side pending credential (never the password again), an unenrolled user
of an MFA role is sent to the enrolment page (QR code inline, the secret as text, confirm,
the recovery codes once), and that enrolment-only session opens nothing else."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from auth import mfa
from auth.models import Credential, CredentialKind, User
from core import clock as core_clock
from core.config import DEFAULT_MFA_REQUIRED_ROLES
from core.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def default_mfa_roles(app):
    """The shipped default (clinician, manager, admin), whatever the suite's config says."""
    saved = app.config["MFA_REQUIRED_ROLES"]
    app.config["MFA_REQUIRED_ROLES"] = tuple(DEFAULT_MFA_REQUIRED_ROLES.split(","))
    yield
    app.config["MFA_REQUIRED_ROLES"] = saved


@pytest.fixture
def staff(app):
    """A committed account of `role` (enrolled with SECRET when `enrolled`): its email."""

    def _make(role, *, enrolled=False):
        with app.app_context():
            uid = make_user(role)
            user = db.session.get(User, uid)
            if enrolled:
                mfa.enrol_with_secret(user, SECRET)
            db.session.commit()
            return user.email

    return _make


def code(secret=SECRET, seconds=0):
    return pyotp.TOTP(secret).at(core_clock.now() + timedelta(seconds=seconds))


def token_of(page):
    return re.search(r'name="signin_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def csrf_of(page):
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def password_step(http, email, next_="/"):
    form = http.get(f"/sign-in?next={next_}")
    return http.post(
        "/sign-in",
        data={
            "email": email,
            "password": DEFAULT_PASSWORD,
            "signin_token": token_of(form),
            "next": next_,
        },
    )


def code_step(http, otp, next_="/"):
    form = http.get(f"/sign-in/code?next={next_}")
    assert form.status_code == 200, form.headers.get("Location")
    return http.post(
        "/sign-in/code", data={"otp": otp, "signin_token": token_of(form), "next": next_}
    )


# --- the second step -------------------------------------------------------------------------


def test_an_enrolled_user_signs_in_in_two_steps(app, staff, clock):
    email = staff("counsellor", enrolled=True)
    http = app.test_client()
    first = password_step(http, email, "/clients")
    assert first.status_code == 302
    assert first.headers["Location"].startswith("/sign-in/code?next=")
    assert http.get_cookie("tc_auth") is None  # no session yet
    pending = http.get_cookie("tc_mfa", path="/sign-in")
    assert pending is not None and pending.http_only and pending.same_site == "Strict"
    page = http.get("/sign-in/code?next=/clients")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="otp"' in html
    assert DEFAULT_PASSWORD not in html and 'name="password"' not in html
    assert "recovery code" in html
    assert http.get("/clients").status_code == 302  # not signed in while the code is awaited

    done = code_step(http, code(), "/clients")
    assert done.status_code == 302 and done.headers["Location"] == "/clients"
    assert http.get_cookie("tc_auth") is not None
    assert http.get("/clients").status_code == 200
    with app.app_context():
        pending_rows = db.session.execute(
            sa.select(Credential.revoked_at).where(Credential.kind == CredentialKind.MFA_PENDING)
        ).scalars()
        assert all(revoked is not None for revoked in pending_rows)  # used once


def test_a_wrong_code_is_shown_beside_the_field_and_counted(app, staff, clock):
    email = staff("counsellor", enrolled=True)
    http = app.test_client()
    password_step(http, email)
    wrong = f"{(int(code()) + 1) % 1_000_000:06d}"
    answer = code_step(http, wrong)
    assert answer.status_code == 401
    assert "wrong" in answer.get_data(as_text=True)
    assert http.get_cookie("tc_auth") is None
    from auth.models import LoginThrottle

    with app.app_context():
        assert db.session.get(LoginThrottle, email).failures == 1
    assert code_step(http, code()).status_code == 302  # the same pending sign-in, retried


def test_the_pending_sign_in_is_used_once_and_expires(app, staff, clock):
    email = staff("counsellor", enrolled=True)
    http = app.test_client()
    password_step(http, email)
    pending = http.get_cookie("tc_mfa", path="/sign-in").value
    assert code_step(http, code()).status_code == 302
    replay = app.test_client()
    replay.set_cookie("tc_mfa", pending, path="/sign-in")
    assert replay.get("/sign-in/code").headers["Location"].endswith("/sign-in")

    late = app.test_client()
    password_step(late, email)
    clock.after(timedelta(minutes=6))
    form = late.get("/sign-in")
    answer = late.post(
        "/sign-in/code", data={"otp": code(), "signin_token": token_of(form), "next": "/"}
    )
    assert answer.status_code == 401
    assert "sign in again" in answer.get_data(as_text=True)
    assert late.get_cookie("tc_auth") is None


def test_a_recovery_code_signs_in_on_the_form_once(app, staff, clock):
    email = staff("manager")
    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one()
        mfa.start_enrolment(user)
        recovery = mfa.confirm_enrolment(user, code(mfa.factor_of(user).secret))
        db.session.commit()
    http = app.test_client()
    password_step(http, email)
    assert code_step(http, recovery[0]).status_code == 302
    again = app.test_client()
    password_step(again, email)
    assert code_step(again, recovery[0]).status_code == 401


def test_the_code_form_needs_its_token(app, staff, clock):
    email = staff("counsellor", enrolled=True)
    http = app.test_client()
    password_step(http, email)
    answer = http.post("/sign-in/code", data={"otp": code(), "next": "/"})
    assert answer.status_code == 400
    assert http.get_cookie("tc_auth") is None


# --- enrolment -------------------------------------------------------------------------------


def test_an_unenrolled_clinician_is_sent_to_enrol_then_signs_in_with_a_code(app, staff, clock):
    email = staff("clinician")
    http = app.test_client()
    first = password_step(http, email, "/clients")
    assert first.status_code == 302 and first.headers["Location"] == "/mfa/enrol"
    # every other page sends the enrolment-only session to sign in, which sends it to enrol
    home = http.get("/clients")
    assert home.status_code == 302 and home.headers["Location"].startswith("/sign-in")
    assert http.get("/sign-in").headers["Location"] == "/mfa/enrol"
    assert http.get("/api/v1/clients").status_code == 403

    page = http.get("/mfa/enrol")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<svg" in html and "<script>" not in html.split("</head>")[1]
    assert "script-src 'self';" in page.headers["Content-Security-Policy"]
    secret = re.search(r'<code id="mfa-secret">([A-Z2-7]+)</code>', html).group(1)
    assert http.get("/mfa/enrol").get_data(as_text=True).count(secret) == 1  # same on reload

    bad = http.post("/mfa/enrol", data={"csrf_token": csrf_of(page), "code": "000000"})
    if code(secret) == "000000":
        pytest.skip("the right code happened to be 000000")
    assert bad.status_code == 422 and secret in bad.get_data(as_text=True)

    done = http.post("/mfa/enrol", data={"csrf_token": csrf_of(page), "code": code(secret)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.get_data(True))
    assert len(codes) == 10
    assert done.headers["Cache-Control"] == "no-store"
    assert http.get_cookie("tc_auth") is None  # the enrolment-only session ended
    assert http.get("/mfa/enrol").status_code == 302

    clock.after(timedelta(seconds=30))
    assert password_step(http, email).headers["Location"].startswith("/sign-in/code")
    assert code_step(http, code(secret)).status_code == 302
    assert http.get("/").status_code == 200


def test_the_enrolment_form_needs_the_csrf_token(app, staff, clock):
    email = staff("admin")
    http = app.test_client()
    password_step(http, email)
    http.get("/mfa/enrol")
    assert http.post("/mfa/enrol", data={"code": "123456"}).status_code == 403


def test_signing_out_ends_an_enrolment_only_session(app, staff):
    email = staff("clinician")
    http = app.test_client()
    password_step(http, email)
    page = http.get("/mfa/enrol")
    assert 'action="/sign-out"' in page.get_data(as_text=True)
    out = http.post("/sign-out", data={"csrf_token": csrf_of(page)})
    assert out.status_code == 302
    assert http.get("/mfa/enrol").status_code == 302
    assert http.get("/api/v1/auth/me").status_code == 401


def test_an_enrolled_user_sees_that_on_the_enrolment_page(app, staff, clock):
    email = staff("counsellor", enrolled=True)
    http = app.test_client()
    password_step(http, email)
    code_step(http, code())
    page = http.get("/mfa/enrol")
    assert page.status_code == 200 and "already set up" in page.get_data(as_text=True)
    assert "<svg" not in page.get_data(as_text=True)


def test_a_counsellor_may_enrol_from_the_page_and_stays_signed_in(app, staff, clock):
    email = staff("counsellor")
    http = app.test_client()
    assert password_step(http, email).headers["Location"] == "/"
    page = http.get("/mfa/enrol")
    secret = re.search(r'<code id="mfa-secret">([A-Z2-7]+)</code>', page.get_data(True)).group(1)
    done = http.post("/mfa/enrol", data={"csrf_token": csrf_of(page), "code": code(secret)})
    assert done.status_code == 200 and "Continue" in done.get_data(as_text=True)
    assert http.get("/").status_code == 200
