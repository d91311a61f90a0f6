"""Staff accounts: listing by role, creation by admins, edits with If-Match, and
deactivation (API.md "Authentication")."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from auth.models import CaseloadMembership, MembershipKind, User
from core.db import utcnow
from core.extensions import db
from tests.factories import DEFAULT_PASSWORD, EMPTY_PAGE, make_client, make_user

STAFF = "/api/v1/staff"
ME = "/api/v1/auth/me"
NEW_STAFF = {
    "email": "new.colleague@test.centre",
    "name": "New Colleague",
    "role": "clinician",
    "password": "quiet-river-stone-88",
}


def staff_url(user_id):
    return f"{STAFF}/{user_id}"


def patch_staff(admin, user_id, changes):
    etag = admin.get(staff_url(user_id)).headers["ETag"]
    return admin.patch(staff_url(user_id), json=changes, headers={"If-Match": etag})


def user_row(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        return {"active": user.active, "role": user.role.value, "version": user.version}


@pytest.fixture
def counsellor_on_open_case(app):
    """A counsellor who is primary counsellor of one open case; returns (staff_id, case_id)."""
    with app.app_context():
        staff_id = make_user("counsellor")
        client_id = make_client()
        db.session.add(
            CaseloadMembership(
                staff_id=staff_id, client_id=client_id, case_id=4711, kind=MembershipKind.PRIMARY
            )
        )
        db.session.commit()
    return staff_id, 4711


# --- listing ---------------------------------------------------------------------------------


def test_staff_list_for_counsellor_shows_only_id_name_role(login_as):
    api = login_as("counsellor")
    r = api.get(STAFF)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert set(body) == {"items", "page", "per_page", "total", "total_is_lower_bound"}
    assert body["items"]
    for item in body["items"]:
        assert set(item) == {"id", "name", "role"}


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_staff_list_for_manager_and_admin_includes_email_and_active(login_as, role):
    api = login_as(role)
    items = api.get(STAFF).get_json()["items"]
    mine = next(item for item in items if item["id"] == api.user_id)
    assert mine["email"].endswith("@test.centre")
    assert mine["active"] is True
    assert all("email" in item and "active" in item for item in items)


def test_staff_list_filters_by_role(login_as):
    clinician = login_as("clinician")
    counsellor = login_as("counsellor")
    r = clinician.get(STAFF, query_string={"role": "counsellor", "per_page": 200})
    assert r.status_code == 200
    items = r.get_json()["items"]
    assert {item["role"] for item in items} == {"counsellor"}
    assert counsellor.user_id in {item["id"] for item in items}
    assert clinician.user_id not in {item["id"] for item in items}


@pytest.fixture
def deactivated(app):
    """A deactivated counsellor; returns its id."""
    with app.app_context():
        staff_id = make_user("counsellor", active=False)
        db.session.commit()
    return staff_id


def listed_ids(api, **params):
    body = api.get(STAFF, query_string={"per_page": 200, **params}).get_json()
    return {item["id"] for item in body["items"]}, body["total"]


@pytest.mark.parametrize("role", ["intake", "counsellor", "clinician"])
def test_staff_list_never_shows_deactivated_accounts_to_other_roles(login_as, deactivated, role):
    api = login_as(role)
    everyone, _ = listed_ids(api)
    active, _ = listed_ids(api, active="true")
    assert deactivated not in everyone and deactivated not in active
    assert api.user_id in everyone
    r = api.get(STAFF, query_string={"active": "false"})
    assert r.status_code == 200
    assert r.get_json() == EMPTY_PAGE


def test_inactive_filter_for_other_roles_reads_like_no_inactive_accounts(login_as, deactivated):
    counsellor = login_as("counsellor")
    some = counsellor.get(STAFF, query_string={"active": "false", "role": "counsellor"})
    none = counsellor.get(STAFF, query_string={"active": "false", "role": "manager"})
    assert some.get_json() == none.get_json()


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_list_deactivated_accounts(login_as, deactivated, role):
    api = login_as(role)
    inactive, total = listed_ids(api, active="false")
    assert deactivated in inactive and total >= 1
    assert deactivated in listed_ids(api)[0]
    assert deactivated not in listed_ids(api, active="true")[0]


def test_staff_list_with_unknown_role_is_422(login_as):
    r = login_as("clinician").get(STAFF, query_string={"role": "surgeon"})
    assert r.status_code == 422
    assert "role" in r.get_json()["errors"]["query"]


def test_staff_list_without_login_is_401(client):
    assert client.get(STAFF).status_code == 401


def test_staff_get_of_colleague_for_counsellor_hides_email(login_as):
    other = login_as("clinician")
    r = login_as("counsellor").get(staff_url(other.user_id))
    assert r.status_code == 200
    assert set(r.get_json()) == {"id", "name", "role"}


def test_staff_get_for_manager_has_email_and_etag(login_as):
    other = login_as("clinician")
    r = login_as("manager").get(staff_url(other.user_id))
    assert r.status_code == 200
    assert "email" in r.get_json()
    assert r.headers["ETag"]


def test_staff_get_unknown_id_is_404(login_as):
    r = login_as("admin").get(staff_url(999999))
    assert r.status_code == 404
    assert r.get_json()["code"] == 404


# --- creation --------------------------------------------------------------------------------


def test_admin_creates_staff_account(app, login_as):
    r = login_as("admin").post(STAFF, json=NEW_STAFF)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["email"] == NEW_STAFF["email"]
    assert body["role"] == "clinician"
    assert body["active"] is True
    assert "password" not in body
    assert r.headers["ETag"]
    login = app.test_client().post(
        "/api/v1/auth/login",
        json={"email": NEW_STAFF["email"], "password": NEW_STAFF["password"]},
    )
    assert login.status_code == 200


def test_manager_may_not_create_staff(app, login_as):
    r = login_as("manager").post(STAFF, json=NEW_STAFF)
    assert r.status_code == 403
    with app.app_context():
        found = db.session.execute(sa.select(User.id).where(User.email == NEW_STAFF["email"]))
        assert found.first() is None


@pytest.mark.parametrize("password", ["short-pw-1", "password1234", "new.colleague-2026"])
def test_staff_create_with_weak_password_is_422(login_as, password):
    r = login_as("admin").post(STAFF, json={**NEW_STAFF, "password": password})
    assert r.status_code == 422
    assert r.get_json()["errors"]["json"]["password"]


def test_staff_create_with_duplicate_email_is_409(login_as):
    admin = login_as("admin")
    assert admin.post(STAFF, json=NEW_STAFF).status_code == 201
    again = admin.post(STAFF, json={**NEW_STAFF, "email": NEW_STAFF["email"].upper()})
    assert again.status_code == 409
    assert again.get_json()["code"] == 409


def test_staff_create_with_unknown_field_is_422(login_as):
    r = login_as("admin").post(STAFF, json={**NEW_STAFF, "is_superuser": True})
    assert r.status_code == 422
    assert "is_superuser" in r.get_json()["errors"]["json"]


def test_staff_create_with_unknown_role_is_422(login_as):
    r = login_as("admin").post(STAFF, json={**NEW_STAFF, "role": "owner"})
    assert r.status_code == 422
    assert "role" in r.get_json()["errors"]["json"]


# --- editing with If-Match -------------------------------------------------------------------


def test_staff_patch_changes_role_and_bumps_etag(login_as):
    admin = login_as("admin")
    target = login_as("intake")
    before = admin.get(staff_url(target.user_id))
    r = admin.patch(
        staff_url(target.user_id),
        json={"role": "clinician"},
        headers={"If-Match": before.headers["ETag"]},
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["role"] == "clinician"
    assert r.headers["ETag"] != before.headers["ETag"]


def test_staff_patch_without_if_match_is_428(app, login_as):
    admin = login_as("admin")
    target = login_as("intake")
    r = admin.patch(staff_url(target.user_id), json={"role": "clinician"})
    assert r.status_code == 428
    assert r.get_json()["code"] == 428
    assert user_row(app, target.user_id)["role"] == "intake"


def test_staff_patch_with_stale_if_match_is_412(app, login_as):
    admin = login_as("admin")
    target = login_as("intake")
    stale = admin.get(staff_url(target.user_id)).headers["ETag"]
    assert patch_staff(admin, target.user_id, {"name": "Renamed Once"}).status_code == 200
    r = admin.patch(
        staff_url(target.user_id), json={"role": "clinician"}, headers={"If-Match": stale}
    )
    assert r.status_code == 412
    assert user_row(app, target.user_id)["role"] == "intake"


def test_staff_patch_with_unknown_field_is_422(login_as):
    admin = login_as("admin")
    target = login_as("intake")
    r = patch_staff(admin, target.user_id, {"email": "changed@test.centre"})
    assert r.status_code == 422
    assert "email" in r.get_json()["errors"]["json"]


def test_staff_patch_by_manager_is_403(login_as):
    manager = login_as("manager")
    target = login_as("intake")
    etag = login_as("admin").get(staff_url(target.user_id)).headers["ETag"]
    r = manager.patch(staff_url(target.user_id), json={"active": False}, headers={"If-Match": etag})
    assert r.status_code == 403


# --- deactivation ----------------------------------------------------------------------------


def test_deactivation_ends_all_sessions_of_the_user(app, login_as):
    admin = login_as("admin")
    target = login_as("clinician")
    with app.app_context():
        email = db.session.get(User, target.user_id).email
    browser = app.test_client()
    assert (
        browser.post(
            "/api/v1/auth/login", json={"email": email, "password": DEFAULT_PASSWORD}
        ).status_code
        == 200
    )
    r = patch_staff(admin, target.user_id, {"active": False})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["active"] is False
    assert target.get(ME).status_code == 401
    assert browser.get(ME).status_code == 401


def test_deactivated_user_cannot_log_in_and_reactivation_restores_login(app, login_as):
    admin = login_as("admin")
    target = login_as("intake")
    with app.app_context():
        email = db.session.get(User, target.user_id).email
    patch_staff(admin, target.user_id, {"active": False})
    creds = {"email": email, "password": DEFAULT_PASSWORD}
    assert app.test_client().post("/api/v1/auth/login", json=creds).status_code == 401
    assert patch_staff(admin, target.user_id, {"active": True}).status_code == 200
    assert app.test_client().post("/api/v1/auth/login", json=creds).status_code == 200
    assert target.get(ME).status_code == 401  # the old token stays revoked


def test_deactivating_counsellor_with_open_primary_case_is_409(
    app, login_as, counsellor_on_open_case
):
    staff_id, case_id = counsellor_on_open_case
    counsellor = login_as("counsellor", user_id=staff_id)
    admin = login_as("admin")
    before = user_row(app, staff_id)
    r = patch_staff(admin, staff_id, {"active": False})
    assert r.status_code == 409
    body = r.get_json()
    assert body["code"] == 409
    assert body["open_case_ids"] == [case_id]
    assert user_row(app, staff_id) == before
    assert counsellor.get(ME).status_code == 200


def test_moving_counsellor_with_open_primary_case_to_another_role_is_409(
    app, login_as, counsellor_on_open_case
):
    staff_id, case_id = counsellor_on_open_case
    r = patch_staff(login_as("admin"), staff_id, {"role": "clinician"})
    assert r.status_code == 409
    assert r.get_json()["open_case_ids"] == [case_id]
    assert user_row(app, staff_id)["role"] == "counsellor"


def test_deactivating_counsellor_whose_cases_ended_succeeds(app, login_as, counsellor_on_open_case):
    staff_id, _ = counsellor_on_open_case
    with app.app_context():
        db.session.execute(
            sa.update(CaseloadMembership)
            .where(CaseloadMembership.staff_id == staff_id)
            .values(ended_at=utcnow())
        )
        db.session.commit()
    r = patch_staff(login_as("admin"), staff_id, {"active": False})
    assert r.status_code == 200
    assert user_row(app, staff_id)["active"] is False


def test_deactivating_counsellor_on_care_team_only_succeeds(app, login_as):
    with app.app_context():
        staff_id = make_user("counsellor")
        db.session.add(
            CaseloadMembership(
                staff_id=staff_id,
                client_id=make_client(),
                case_id=4712,
                kind=MembershipKind.CARE_TEAM,
            )
        )
        db.session.commit()
    r = patch_staff(login_as("admin"), staff_id, {"active": False})
    assert r.status_code == 200
