"""Who may do what: one table from `Permission` to roles (API.md "Who sees what"), the
decorator every route carries, and the caseload predicates that narrow counsellors to
their own clients (a live emergency access grant puts that client on the caseload of the one
who asked for it until it runs out: `privacy.emergency`).

Function-level permission answers 403; object-level access (a client not on the caller's
caseload) answers 404 from the services, so no response reveals that the record exists.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from copy import deepcopy
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from flask_login import current_user

from auth.login import check_csrf, current_credential, is_enrolment_only
from auth.models import Role, User
from core.errors import Forbidden, Unauthorized

F = TypeVar("F", bound=Callable[..., Any])

IN, CO, CL, M, A = Role.INTAKE, Role.COUNSELLOR, Role.CLINICIAN, Role.MANAGER, Role.ADMIN
ALL_ROLES = frozenset(Role)


class Permission(enum.Enum):
    # Signed-in basics
    SELF = "self"
    STAFF_LIST = "staff.list"
    STAFF_READ = "staff.read"
    STAFF_MANAGE = "staff.manage"
    AUDIT_READ = "audit.read"
    # Clients, assessments, flags
    CLIENT_CREATE = "client.create"
    CLIENT_ARCHIVE = "client.archive"
    CLIENT_EDIT = "client.edit"
    CLIENT_READ = "client.read"
    ASSESSMENT_WRITE = "assessment.write"
    FLAG_RAISE = "flag.raise"
    FLAG_ACKNOWLEDGE = "flag.acknowledge"
    FLAG_RESOLVE = "flag.resolve"
    # Placement and cases
    CASE_READ = "case.read"
    CASE_PLACE = "case.place"
    CASE_REASSIGN = "case.reassign"
    CLINICAL_RECORD_WRITE = "clinical_record.write"
    CLINICAL_RECORD_READ = "clinical_record.read"
    MEDICATION_WRITE = "medication.write"
    MEDICATION_READ = "medication.read"
    SESSION_WRITE = "session.write"
    SESSION_READ = "session.read"
    OWN_CALENDAR = "calendar.own"
    FACILITY_READ = "facility.read"
    FACILITY_MANAGE = "facility.manage"
    REPORT_READ = "report.read"
    # 42 CFR Part 2: consents, disclosures, export, emergency access
    CONSENT_WRITE = "consent.write"
    CONSENT_READ = "consent.read"
    DISCLOSE = "disclosure.write"
    DISCLOSURE_READ = "disclosure.read"
    EMERGENCY_DISCLOSE = "disclosure.emergency"
    FHIR_EXPORT = "fhir.export"
    EMERGENCY_ACCESS = "emergency_access.request"
    EMERGENCY_ACCESS_REVIEW = "emergency_access.review"


#: API.md "Who sees what". `own` restrictions for counsellors are applied per record.
ROLES_FOR: dict[Permission, frozenset[Role]] = {
    Permission.SELF: ALL_ROLES,
    Permission.STAFF_LIST: ALL_ROLES,
    Permission.STAFF_READ: frozenset({M, A}),
    Permission.STAFF_MANAGE: frozenset({A}),
    Permission.AUDIT_READ: frozenset({M, A}),
    Permission.CLIENT_CREATE: frozenset({IN, CL}),
    Permission.CLIENT_ARCHIVE: frozenset({IN, CL}),
    Permission.CLIENT_EDIT: frozenset({IN, CO, CL}),
    Permission.CLIENT_READ: frozenset({IN, CO, CL, M}),
    Permission.ASSESSMENT_WRITE: frozenset({IN, CO, CL}),
    Permission.FLAG_RAISE: frozenset({CO, CL}),
    Permission.FLAG_ACKNOWLEDGE: frozenset({CO, CL}),
    Permission.FLAG_RESOLVE: frozenset({CL}),
    Permission.CASE_READ: frozenset({IN, CO, CL, M}),
    Permission.CASE_PLACE: frozenset({CL}),
    Permission.CASE_REASSIGN: frozenset({CL, M}),
    Permission.CLINICAL_RECORD_WRITE: frozenset({CO, CL}),
    Permission.CLINICAL_RECORD_READ: frozenset({CO, CL, M}),
    Permission.MEDICATION_WRITE: frozenset({CL}),
    Permission.MEDICATION_READ: frozenset({CO, CL, M}),
    Permission.SESSION_WRITE: frozenset({CO, CL}),
    Permission.SESSION_READ: frozenset({CO, CL, M}),
    Permission.OWN_CALENDAR: frozenset({CO, CL}),
    Permission.FACILITY_READ: frozenset({IN, CO, CL, M}),
    Permission.FACILITY_MANAGE: frozenset({M}),
    Permission.REPORT_READ: frozenset({M}),
    Permission.CONSENT_WRITE: frozenset({IN, CL}),
    Permission.CONSENT_READ: frozenset({IN, CO, CL, M}),
    Permission.DISCLOSE: frozenset({CL, M}),
    Permission.DISCLOSURE_READ: frozenset({CL, M}),
    Permission.EMERGENCY_DISCLOSE: frozenset({CL}),
    Permission.FHIR_EXPORT: frozenset({CL, M}),
    Permission.EMERGENCY_ACCESS: frozenset({CO, CL}),
    Permission.EMERGENCY_ACCESS_REVIEW: frozenset({M}),
}

#: Endpoints a user who must change their password may still use.
_ALLOWED_BEFORE_PASSWORD_CHANGE = {"auth.me", "auth.logout", "auth.change_password"}
#: Endpoints an enrolment-only session (a user who must enrol in MFA first) may use.
ALLOWED_BEFORE_MFA_ENROLMENT = frozenset(
    {"auth.me", "auth.logout", "auth.start_mfa_enrolment", "auth.confirm_mfa_enrolment"}
)
ENROL_FIRST = "Enrol in multi-factor authentication first."


def allowed(role: Role, permission: Permission) -> bool:
    return role in ROLES_FOR[permission]


def permission_required(permission: Permission) -> Callable[[F], F]:
    """401 without a valid login, 403 when the role lacks `permission`; checked before the
    request body is parsed. The permission is kept on the view for the access-matrix test."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            _require(permission)
            return view(*args, **kwargs)

        wrapper.permission = permission  # type: ignore[attr-defined]
        _document(wrapper, permission)
        return wrapper  # type: ignore[return-value]

    return decorator


def _document(view: Any, permission: Permission) -> None:
    """Name the permission and the roles holding it in the route's OpenAPI entry."""
    roles = ", ".join(sorted(r.value for r in ROLES_FOR[permission]))
    doc = deepcopy(getattr(view, "_apidoc", {}))
    manual = doc.setdefault("manual_doc", {})
    manual["security"] = [{"bearer": []}, {"cookie": []}]
    note = f"Permission `{permission.value}` (roles: {roles})."
    manual["description"] = f"{manual.get('description', '')}\n\n{note}".strip()
    view._apidoc = doc


def public(view: F) -> F:
    """Marks a route that needs no login (login itself, token issue, feeds with a token)."""
    view.permission = None  # type: ignore[attr-defined]
    return view


def _require(permission: Permission) -> None:
    if not current_user.is_authenticated:
        raise Unauthorized("Authentication required.")
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    g.actor = user
    check_csrf()
    if is_enrolment_only(current_credential()):
        # the enrolment routes come first; a temporary password is changed after it
        if _endpoint() not in ALLOWED_BEFORE_MFA_ENROLMENT:
            raise Forbidden(ENROL_FIRST)
    elif user.must_change_password and _endpoint() not in _ALLOWED_BEFORE_PASSWORD_CHANGE:
        raise Forbidden("You must change your temporary password first.")
    if not allowed(user.role, permission):
        raise Forbidden("Your role does not allow this.")


def _endpoint() -> str | None:
    return request.endpoint


def current_actor() -> User:
    """The signed-in user, for views to pass to services as `actor=`."""
    return current_user._get_current_object()  # type: ignore[attr-defined]
