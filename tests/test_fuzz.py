"""Schemathesis, in process, against our own OpenAPI document, signed in as each role:
no server error, responses conform to the documented schemas and content types, and
invalid input is rejected. CI runs a bounded number of examples per operation and role;
`FUZZ_EXAMPLES=50 FUZZ_COVERAGE=1 python3 dev.py test tests/test_fuzz.py` runs the long
campaign the README reports."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
)

from auth.models import Role
from centre import create_app

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
#: Routes that end the caller's own credentials; fuzzing them would sign the fuzzer out.
SELF_REVOKING = {
    ("POST", "/api/v1/auth/logout"),
    ("DELETE", "/api/v1/auth/calendar-token"),
    ("POST", "/api/v1/auth/password"),
}
CHECKS = [
    not_a_server_error,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def _openapi_document() -> dict:
    """Our OpenAPI document, rendered by an app on an in-memory database."""
    spec_app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "fuzz"})
    return spec_app.test_client().get("/api/openapi.json").get_json()


schema = schemathesis.openapi.from_dict(_openapi_document())
# The coverage phase (boundary values for every field) is thorough but takes minutes per
# role; CI runs the random phase only, FUZZ_COVERAGE=1 adds it for the long campaign.
schema.config.phases.coverage.enabled = os.environ.get("FUZZ_COVERAGE") == "1"


def _contract_test(role: str):
    @schema.parametrize()
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    def test(case, app, login_as):
        if (case.method.upper(), case.path) in SELF_REVOKING:
            return
        token = _token(login_as, role)
        REQUESTS[role] = REQUESTS.get(role, 0) + 1
        case.call_and_validate(app=app, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    return test


_TOKENS: dict[tuple[int, str], str] = {}
REQUESTS: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def _report_request_count():
    """With FUZZ_REPORT=path, write how many requests the campaign sent, per role."""
    yield
    path = os.environ.get("FUZZ_REPORT")
    if path:
        with open(path, "w") as out:
            out.write(f"total {sum(REQUESTS.values())}\n")
            out.writelines(f"{role} {count}\n" for role, count in sorted(REQUESTS.items()))


def _token(login_as, role: str) -> str:
    """One signed-in user per role per test (hypothesis calls the body many times)."""
    key = (id(login_as), role)
    if key not in _TOKENS:
        _TOKENS[key] = login_as(role).token
    return _TOKENS[key]


test_contract_as_intake = _contract_test(Role.INTAKE.value)
test_contract_as_counsellor = _contract_test(Role.COUNSELLOR.value)
test_contract_as_clinician = _contract_test(Role.CLINICIAN.value)
test_contract_as_manager = _contract_test(Role.MANAGER.value)
test_contract_as_admin = _contract_test(Role.ADMIN.value)
