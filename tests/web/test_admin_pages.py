"""Screen 12, staff accounts: the list and its filters, a new account with a temporary
password shown once, a role change, deactivation refused while a counsellor has open cases
and allowed once they are reassigned, reactivation, a temporary password that sends the user
to the password page, an MFA reset — each audited — and who may open these pages."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from auth import mfa
from auth.models import Role, User
from core.audit import AuditEvent
from core.extensions import db
from tests.factories import make_case, make_user, statements
from tests.web.conftest import sign_in_client


@pytest.fixture
def admin(sign_in):
    return sign_in("admin", name="Ada Admin")


def text_of(answer) -> str:
    return answer.get_data(as_text=True)


def user_row(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def events(app, action: str, record_id: int) -> list[AuditEvent]:
    with app.app_context():
        stmt = sa.select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.record_id == record_id
        )
        return list(db.session.scalars(stmt))


def version_in(text: str, form_action: str) -> str:
    form = text[text.index(f'action="{form_action}"') :]
    return html.unescape(re.search(r'name="version" value="([^"]*)"', form).group(1))


def post_change(browser, user_id: int, what: str, **data) -> object:
    page = text_of(browser.get(f"/admin/staff/{user_id}"))
    version = version_in(page, f"/admin/staff/{user_id}/{what}")
    return browser.post(f"/admin/staff/{user_id}/{what}", {"version": version, **data})


# --- the list ---------------------------------------------------------------------------------


def test_the_list_filters_by_role_and_status(app, admin):
    with app.app_context():
        make_user("counsellor", name="Cora Active")
        make_user("counsellor", name="Cody Gone", active=False)
        make_user("clinician", name="Clara Clinician")
        db.session.commit()
    everyone = text_of(admin.get("/admin/staff"))
    assert all(n in everyone for n in ("Cora Active", "Cody Gone", "Clara Clinician"))
    counsellors = text_of(admin.get("/admin/staff?role=counsellor"))
    assert "Cora Active" in counsellors and "Cody Gone" in counsellors
    assert "Clara Clinician" not in counsellors
    gone = text_of(admin.get("/admin/staff?role=counsellor&active=false"))
    assert "Cody Gone" in gone and "Cora Active" not in gone
    assert "Deactivated" in gone


@pytest.mark.parametrize(
    ("query", "field"),
    [("role=wizard", "role"), ("active=maybe", "active"), ("colour=red", "colour")],
)
def test_a_bad_filter_is_a_422_page_naming_the_field(admin, query, field):
    answer = admin.get(f"/admin/staff?{query}")
    assert answer.status_code == 422
    assert f'href="#f-{field}">{field}</a>' in text_of(answer)


def test_the_list_pages(app, admin):
    with app.app_context():
        for n in range(3):
            make_user("intake", name=f"Ivy Paged {n}")
        db.session.commit()
    first = text_of(admin.get("/admin/staff?role=intake&per_page=2"))
    assert "Page 1 of 2" in first and "per_page=2" in first and "role=intake" in first
    second = text_of(admin.get("/admin/staff?role=intake&per_page=2&page=2"))
    assert "Ivy Paged 2" in second and "Ivy Paged 0" not in second


def test_the_list_runs_the_same_statements_for_many_accounts(app, admin):
    admin.get("/admin/staff")  # warm up
    with statements(app) as few:
        admin.get("/admin/staff")
    with app.app_context():
        for n in range(12):
            make_user("counsellor", name=f"Many {n}")
        db.session.commit()
    with statements(app) as many:
        text = text_of(admin.get("/admin/staff"))
    assert text.count('href="/admin/staff/') >= 13
    assert len(many) == len(few) == STAFF_LIST_STATEMENTS, "\n".join(many)


#: the test's savepoint, the session's credential with its user, the count, the page of
#: accounts, and the savepoint's end (nothing was written).
STAFF_LIST_STATEMENTS = 5


# --- a new account ----------------------------------------------------------------------------


def test_a_new_account_gets_a_generated_temporary_password_shown_once(app, admin):
    answer = admin.post(
        "/admin/staff/new", {"name": "Nia New", "email": "Nia.New@test.centre", "role": "intake"}
    )
    assert answer.status_code == 201, text_of(answer)[:1500]
    password = re.search(r'id="temporary-password">([^<]+)<', text_of(answer)).group(1)
    with app.app_context():
        user = db.session.scalars(sa.select(User).where(User.email == "nia.new@test.centre")).one()
        assert user.role is Role.INTAKE and user.must_change_password
        user_id = user.id
    assert len(events(app, "staff.create", user_id)) == 1
    assert password not in text_of(admin.get(f"/admin/staff/{user_id}"))
    http = sign_in_client(app, "nia.new@test.centre", html.unescape(password))
    assert http.get("/").headers["Location"].endswith("/password")


def test_a_typed_password_must_meet_the_policy_and_nothing_is_created(app, admin):
    answer = admin.post(
        "/admin/staff/new",
        {"name": "Weak Pass", "email": "weak@test.centre", "role": "intake", "password": "short"},
    )
    assert answer.status_code == 422
    assert 'id="password-error"' in text_of(answer)
    with app.app_context():
        assert db.session.scalar(sa.select(User.id).where(User.email == "weak@test.centre")) is None


def test_the_role_starts_unchosen_and_none_chosen_is_a_422_beside_it(app, admin):
    form = text_of(admin.get("/admin/staff/new"))
    role = form[
        form.index('<select id="f-role"') : form.index("</select>", form.index('id="f-role"'))
    ]
    assert '<option value="">Choose a role</option>' in role and "selected" not in role
    answer = admin.post("/admin/staff/new", {"name": "No Role", "email": "norole@test.centre"})
    assert answer.status_code == 422
    assert 'id="role-error"' in text_of(answer) and 'aria-describedby="role-error"' in text_of(
        answer
    )
    blank = admin.post(
        "/admin/staff/new", {"name": "No Role", "email": "norole@test.centre", "role": ""}
    )
    assert blank.status_code == 422 and 'id="role-error"' in text_of(blank)
    with app.app_context():
        assert (
            db.session.scalar(sa.select(User.id).where(User.email == "norole@test.centre")) is None
        )


def test_missing_fields_and_a_taken_email_are_shown(app, admin):
    answer = admin.post("/admin/staff/new", {"name": "", "email": "not-an-email", "role": "x"})
    assert answer.status_code == 422
    for field in ("name", "email", "role"):
        assert f'id="{field}-error"' in text_of(answer)
    with app.app_context():
        make_user("intake", email="taken@test.centre")
        db.session.commit()
    taken = admin.post(
        "/admin/staff/new", {"name": "Tess Taken", "email": "taken@test.centre", "role": "intake"}
    )
    assert taken.status_code == 409
    assert "already exists" in text_of(taken)


# --- one account's changes --------------------------------------------------------------------


def test_the_role_changes_and_is_audited(app, admin):
    with app.app_context():
        user_id = make_user("intake")
        db.session.commit()
    answer = post_change(admin, user_id, "role", role="clinician")
    assert answer.status_code == 303
    assert user_row(app, user_id).role is Role.CLINICIAN
    [event] = events(app, "staff.update", user_id)
    assert event.detail["fields"] == ["role"]


def test_a_stale_form_changes_nothing(app, admin):
    with app.app_context():
        user_id = make_user("intake")
        db.session.commit()
    page = text_of(admin.get(f"/admin/staff/{user_id}"))
    old = version_in(page, f"/admin/staff/{user_id}/role")
    post_change(admin, user_id, "role", role="clinician")
    stale = admin.post(f"/admin/staff/{user_id}/role", {"version": old, "role": "manager"})
    assert stale.status_code == 412
    assert user_row(app, user_id).role is Role.CLINICIAN


def test_deactivation_is_refused_with_open_cases_then_allowed_after_reassignment(
    app, admin, login_as
):
    with app.app_context():
        counsellor_id = make_user("counsellor")
        other_id = make_user("counsellor")
        case_id = make_case(counsellor_id)
        db.session.commit()
    refused = post_change(admin, counsellor_id, "active", active="false")
    assert refused.status_code == 409
    assert f"Case {case_id}" in text_of(refused)
    assert user_row(app, counsellor_id).active
    demoted = post_change(admin, counsellor_id, "role", role="intake")
    assert demoted.status_code == 409 and user_row(app, counsellor_id).role is Role.COUNSELLOR

    clinician = login_as("clinician")
    etag = clinician.get(f"/api/v1/cases/{case_id}").headers["ETag"]
    moved = clinician.patch(
        f"/api/v1/cases/{case_id}",
        json={"primary_counsellor_id": other_id},
        headers={"If-Match": etag},
    )
    assert moved.status_code == 200, moved.get_json()
    assert post_change(admin, counsellor_id, "active", active="false").status_code == 303
    assert not user_row(app, counsellor_id).active
    assert post_change(admin, counsellor_id, "active", active="true").status_code == 303
    assert user_row(app, counsellor_id).active
    assert len(events(app, "staff.update", counsellor_id)) == 2


def test_deactivation_ends_the_users_sessions(app, admin, sign_in):
    target = sign_in("intake")
    assert target.get("/").status_code == 200
    assert post_change(admin, target.user_id, "active", active="false").status_code == 303
    assert target.http.get("/").status_code == 302  # back to sign-in


def test_a_temporary_password_sends_the_user_to_the_password_page(app, admin, sign_in):
    target = sign_in("counsellor")
    typed = "violet-compass-river-42"
    answer = post_change(admin, target.user_id, "password", temporary_password=typed)
    assert answer.status_code == 200 and typed in text_of(answer)
    assert user_row(app, target.user_id).must_change_password
    assert target.http.get("/").status_code == 302  # the old session ended
    http = sign_in_client(app, user_row(app, target.user_id).email, typed)
    assert http.get("/").headers["Location"].endswith("/password")
    assert http.get("/admin/audit").headers["Location"].endswith("/password")


def test_a_weak_temporary_password_is_refused_beside_the_field(app, admin):
    with app.app_context():
        user_id = make_user("intake")
        db.session.commit()
    answer = post_change(admin, user_id, "password", temporary_password="aaaaaaaaaaaa")
    assert answer.status_code == 422
    assert 'id="temporary_password-error"' in text_of(answer)
    assert not user_row(app, user_id).must_change_password


def test_mfa_reset_removes_the_factor_and_is_audited(app, admin):
    with app.app_context():
        user_id = make_user("clinician")
        mfa.enrol_with_secret(db.session.get(User, user_id), "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        db.session.commit()
    enrolled = text_of(admin.get(f"/admin/staff/{user_id}"))
    assert "Enrolled with an authenticator app" in enrolled
    assert "Reset multi-factor authentication" in enrolled
    answer = admin.post(f"/admin/staff/{user_id}/mfa-reset")
    assert answer.status_code == 303
    assert "was reset" in text_of(admin.get(answer.headers["Location"]))
    with app.app_context():
        assert not mfa.is_enrolled(db.session.get(User, user_id))
    assert len(events(app, "auth.mfa.reset", user_id)) == 1


def test_no_reset_without_a_factor_and_enrolment_said_where_the_role_needs_it(
    app, admin, monkeypatch
):
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", ("clinician",))
    with app.app_context():
        clinician, intake = make_user("clinician"), make_user("intake")
        db.session.commit()
    needs = text_of(admin.get(f"/admin/staff/{clinician}"))
    assert "Reset multi-factor authentication" not in needs
    assert f'action="/admin/staff/{clinician}/mfa-reset"' not in needs
    assert "will be asked to enrol at first sign-in" in needs
    free = text_of(admin.get(f"/admin/staff/{intake}"))
    assert "Reset multi-factor authentication" not in free
    assert "will be asked to enrol" not in free and "not required for their role" in free


def test_an_unknown_account_is_the_404_page(admin):
    assert admin.get("/admin/staff/999999").status_code == 404
    assert admin.post("/admin/staff/999999/mfa-reset").status_code == 404


# --- who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["intake", "counsellor", "clinician", "manager"])
def test_only_admins_manage_staff(app, sign_in, role):
    browser = sign_in(role)
    with app.app_context():
        user_id = make_user("intake")
        db.session.commit()
    assert browser.get("/admin/staff").status_code == 403
    assert browser.get(f"/admin/staff/{user_id}").status_code == 403
    created = browser.post("/admin/staff/new", {"name": "X Y", "email": "x@t.c", "role": "admin"})
    assert created.status_code == 403
    assert browser.post(f"/admin/staff/{user_id}/role", {"role": "admin"}).status_code == 403
    assert user_row(app, user_id).role is Role.INTAKE
