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
    "auth.list_audit_events": {M, A},
    "intake.create_client": {IN, CL},
    "intake.list_clients": {IN, CO, CL, M},
    "intake.get_client": {IN, CO, CL, M},
    "intake.update_client": {IN, CO, CL},
    "intake.archive_client": {IN, CL},
    "intake.restore_client": {IN, CL},
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
    "cases.open_case": {CL},
    "cases.list_cases": {IN, CO, CL, M},
    "cases.get_case": {IN, CO, CL, M},
    "cases.update_case": {CL, M},
    "cases.get_waitlist": {IN, CO, CL, M},
    "cases.bed_board": {IN, CO, CL, M},
    "cases.create_bed": {M},
    "cases.update_bed": {M},
    "aftercare.discharge_case": {CL},
    "aftercare.get_aftercare_plan": {CO, CL, M},
    "aftercare.save_aftercare_plan": {CO, CL},
    "aftercare.list_aftercare_plan_versions": {CO, CL, M},
    "aftercare.list_follow_ups": {CO, CL, M},
    "aftercare.get_follow_up": {CO, CL, M},
    "aftercare.complete_follow_up": {CO, CL},
    "sessions.book_session": {CO, CL},
    "sessions.list_sessions": {CO, CL, M},
    "sessions.get_session": {CO, CL, M},
    "sessions.update_session": {CO, CL},
    "sessions.add_participant": {CO, CL},
    "sessions.withdraw_participant": {CO, CL},
    "sessions.record_attendance": {CO, CL},
    "sessions.cancel_session": {CO, CL},
    "sessions.case_attendance": {CO, CL, M},
    "sessions.list_rooms": {IN, CO, CL, M},
    "sessions.create_room": {M},
    "sessions.update_room": {M},
    "sessions.issue_calendar_token": {CO, CL},
    "sessions.revoke_calendar_token": {CO, CL},
    "sessions.staff_calendar": PUBLIC,
    "sessions.case_calendar": {CO, CL, M},
    "notes.create_note": {CO, CL},
    "notes.list_notes": {CO, CL, M},
    "notes.get_note": {CO, CL, M},
    "notes.update_note": {CO, CL},
    "notes.sign_note": {CO, CL},
    "notes.add_addendum": {CO, CL},
    "notes.get_treatment_plan": {CO, CL, M},
    "notes.save_treatment_plan": {CO, CL},
    "notes.list_treatment_plan_versions": {CO, CL, M},
    "medication.create_taper_plan": {CL},
    "medication.list_taper_plans": {CO, CL, M},
    "medication.get_taper_plan": {CO, CL, M},
    "medication.approve_taper_plan": {CL},
    "medication.pause_taper_plan": {CL},
    "medication.resume_taper_plan": {CL},
    "medication.complete_taper_plan": {CL},
    "medication.cancel_taper_plan": {CL},
    "medication.record_withdrawal_score": {CL},
    "medication.list_withdrawal_scores": {CO, CL, M},
    "reports.caseload_report": {M},
    "reports.outcomes_report": {M},
}

NON_API = {"static", "api-docs.openapi_json", "api-docs.openapi_swagger_ui"}


def api_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NON_API:
            continue
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
