"""Every route has an explicit permission, answers 401 without login, and admits exactly
the roles API.md's "Who sees what" table names (403 for the others, before any parsing).

A new route fails `test_every_route_is_in_the_matrix` until it is added to EXPECTED_ROLES."""

from __future__ import annotations

import re

import pytest

from auth.models import Role

IN, CO, CL, M, A = "intake", "counsellor", "clinician", "manager", "admin"
EVERYONE = {IN, CO, CL, M, A}
PUBLIC = None

#: endpoint → roles allowed to call it (API.md), or PUBLIC.
EXPECTED_ROLES: dict[str, set[str] | None] = {
    "auth.login": PUBLIC,
    "auth.issue_token": PUBLIC,
    "auth.logout": EVERYONE,
    "auth.me": EVERYONE,
    "auth.change_password": EVERYONE,
    "auth.list_staff": EVERYONE,
    "auth.get_staff": EVERYONE,
    "auth.create_staff": {A},
    "auth.update_staff": {A},
    "auth.start_mfa_enrolment": EVERYONE,
    "auth.confirm_mfa_enrolment": EVERYONE,
    "auth.reset_staff_mfa": {A},
    "auth.list_audit_events": {M, A},
    "clients.create_client": {IN, CL},
    "clients.list_clients": {IN, CO, CL, M},
    "clients.get_client": {IN, CO, CL, M},
    "clients.update_client": {IN, CO, CL},
    "clients.archive_client": {IN, CL},
    "clients.restore_client": {IN, CL},
    "assessments.create_assessment": {IN, CO, CL},
    "assessments.list_assessments": {IN, CO, CL, M},
    "assessments.get_assessment": {IN, CO, CL, M},
    "assessments.update_assessment": {IN, CO, CL},
    "assessments.submit_assessment": {IN, CO, CL},
    "flags.list_client_flags": {IN, CO, CL, M},
    "flags.raise_manual_flag": {CO, CL},
    "flags.list_flags": {IN, CO, CL, M},
    "flags.get_flag": {IN, CO, CL, M},
    "flags.resolve_flag": {CL},
    "flags.acknowledge_flag": {CO, CL},
    "episodes.open_case": {CL},
    "episodes.list_cases": {IN, CO, CL, M},
    "episodes.get_case": {IN, CO, CL, M},
    "episodes.update_case": {CL, M},
    "episodes.get_waitlist": {IN, CO, CL, M},
    "episodes.bed_board": {IN, CO, CL, M},
    "episodes.create_bed": {M},
    "episodes.update_bed": {M},
    "discharge.discharge_case": {CL},
    "plans.get_aftercare_plan": {CO, CL, M},
    "plans.save_aftercare_plan": {CO, CL},
    "plans.list_aftercare_plan_versions": {CO, CL, M},
    "follow_ups.list_follow_ups": {CO, CL, M},
    "follow_ups.get_follow_up": {CO, CL, M},
    "follow_ups.complete_follow_up": {CO, CL},
    "sessions.book_session": {CO, CL},
    "sessions.list_sessions": {CO, CL, M},
    "sessions.get_session": {CO, CL, M},
    "sessions.update_session": {CO, CL},
    "sessions.add_participant": {CO, CL},
    "sessions.withdraw_participant": {CO, CL},
    "sessions.record_attendance": {CO, CL},
    "sessions.cancel_session": {CO, CL},
    "sessions.case_attendance": {CO, CL, M},
    "rooms.list_rooms": {IN, CO, CL, M},
    "rooms.create_room": {M},
    "rooms.update_room": {M},
    "calendars.issue_calendar_token": {CO, CL},
    "calendars.revoke_calendar_token": {CO, CL},
    "calendars.staff_calendar": PUBLIC,
    "calendars.case_calendar": {CO, CL, M},
    "notes.create_note": {CO, CL},
    "notes.list_notes": {CO, CL, M},
    "notes.get_note": {CO, CL, M},
    "notes.update_note": {CO, CL},
    "notes.sign_note": {CO, CL},
    "notes.add_addendum": {CO, CL},
    "treatment_plans.get_treatment_plan": {CO, CL, M},
    "treatment_plans.save_treatment_plan": {CO, CL},
    "treatment_plans.list_treatment_plan_versions": {CO, CL, M},
    "tapers.create_taper_plan": {CL},
    "tapers.list_taper_plans": {CO, CL, M},
    "tapers.get_taper_plan": {CO, CL, M},
    "tapers.approve_taper_plan": {CL},
    "tapers.pause_taper_plan": {CL},
    "tapers.resume_taper_plan": {CL},
    "tapers.complete_taper_plan": {CL},
    "tapers.cancel_taper_plan": {CL},
    "withdrawal.record_withdrawal_score": {CL},
    "withdrawal.list_withdrawal_scores": {CO, CL, M},
    "reports.caseload_report": {M},
    "reports.outcomes_report": {M},
    "consents.create_consent": {IN, CL},
    "consents.list_consents": {IN, CO, CL, M},
    "consents.get_consent": {IN, CO, CL, M},
    "consents.revoke_consent": {IN, CL},
    "disclosures.create_disclosure": {CL, M},
    "disclosures.list_disclosures": {CL, M},
    "disclosures.create_emergency_disclosure": {CL},
    "disclosures.list_emergency_disclosures": {CL, M},
    "emergency.request_emergency_access": {CO, CL},
    "emergency.list_emergency_access": {M},
    "emergency.review_emergency_access": {M},
    "fhir.export_client": {CL, M},
    "work.my_work": EVERYONE,
    "work.my_notifications": EVERYONE,
    "work.read_notification": EVERYONE,
}

NON_API = {"static", "api-docs.openapi_json", "api-docs.openapi_swagger_ui"}


def api_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NON_API or not rule.rule.startswith("/api/v1"):
            continue  # page routes have their own matrix (tests/web/test_page_access.py)
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        assert len(methods) == 1, f"{rule.endpoint} serves several methods"
        url = re.sub(r"<(?:\w+:)?(\w+)>", "999999", rule.rule)
        yield rule.endpoint, methods[0], url


def call(http, method, url, **kw):
    if method in {"POST", "PUT", "PATCH"}:
        kw.setdefault("json", {})
    return http.open(url, method=method, **kw)


def test_every_route_is_in_the_matrix(app):
    endpoints = {endpoint for endpoint, _, _ in api_routes(app)}
    assert endpoints == set(EXPECTED_ROLES), "add new routes to EXPECTED_ROLES"


def test_every_route_declares_a_permission(app):
    for endpoint, _, _ in api_routes(app):
        view = app.view_functions[endpoint]
        assert hasattr(view, "permission"), f"{endpoint} has no explicit permission"
        assert (view.permission is None) == (EXPECTED_ROLES[endpoint] is PUBLIC), endpoint


def test_every_non_public_route_answers_401_without_login(app, client):
    for endpoint, method, url in api_routes(app):
        if EXPECTED_ROLES[endpoint] is PUBLIC:
            continue
        response = call(client, method, url)
        assert response.status_code == 401, (endpoint, response.status_code)
        assert response.is_json and response.get_json()["code"] == 401
        assert "Location" not in response.headers


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_roles_are_admitted_exactly_as_the_matrix_says(app, login_as, role):
    for endpoint, method, url in api_routes(app):
        allowed = EXPECTED_ROLES[endpoint]
        if allowed is PUBLIC:
            continue
        api = login_as(role)  # fresh login each time: logout revokes its token
        response = call(api.http, method, url, headers={"Authorization": f"Bearer {api.token}"})
        if role in allowed:
            assert response.status_code not in (401, 403), (endpoint, role, response.get_json())
        else:
            assert response.status_code == 403, (endpoint, role, response.status_code)
            assert set(response.get_json()) >= {"code", "status", "message"}
