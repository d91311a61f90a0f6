"""Screen 12: admin — staff accounts (this module: the list and new accounts; one account's
changes in `web.admin_account`) and the audit trail (`web.admin_audit`).

Every page calls what the API's staff routes call (`auth.staff`, `auth.service`), which
check the rules and audit each change; the pages add no rule of their own. A new account
gets a temporary password, typed by the admin or generated, shown once on the answer to the
post (never in a URL), which the user must change at their first sign-in.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Blueprint, Response, request

from auth import staff as staff_service
from auth.models import Role
from auth.permissions import Permission, current_actor
from auth.schemas import StaffCreateSchema, StaffQuerySchema
from core.errors import DomainError
from core.extensions import db
from core.http import paginate
from web.forms import FormInvalid, domain_errors, flatten, load
from web.pages import page_count, render
from web.security import page

bp = Blueprint("admin", __name__)

ROLE_LABELS = {
    Role.INTAKE: "Intake worker",
    Role.COUNSELLOR: "Counsellor",
    Role.CLINICIAN: "Clinician",
    Role.MANAGER: "Manager",
    Role.ADMIN: "Administrator",
}
ROLE_OPTIONS = [(role.value, label) for role, label in ROLE_LABELS.items()]
ACTIVE_OPTIONS = [("true", "Active"), ("false", "Deactivated")]


def query_args(schema: ma.Schema, **converted: Any) -> dict[str, Any]:
    """The page's query string validated by the API's query schema (unknown or bad values
    are the API's 422, naming the field). Empty values are no filter; `converted` replaces
    raw values the page offers in a friendlier form (dates for timestamps)."""
    raw = {key: value for key, value in request.args.to_dict().items() if value.strip()}
    raw.update({key: value for key, value in converted.items() if value is not None})
    try:
        return schema.load(raw)
    except ma.ValidationError as error:
        raise FormInvalid(flatten(error.messages), "Please correct the marked filters.") from error


def page_links(found: dict[str, Any]) -> dict[str, int | None]:
    """The previous and next page numbers of a paginated result (None at either end; a total
    that is only a lower bound always has a next page: `web.pages.page_count`)."""
    pages = page_count(found)
    return {
        "pages": pages,
        "previous": found["page"] - 1 if found["page"] > 1 else None,
        "next": found["page"] + 1 if found["page"] < pages else None,
    }


#: what a list page shows when its filters were refused.
NOTHING_FOUND: dict[str, Any] = {"items": [], "page": 1, "per_page": 50, "total": 0}


def listing(found: dict[str, Any], errors: dict[str, Any] | None) -> dict[str, Any]:
    """A list page's shared context: the page of results, its links, the filters kept."""
    return {
        "found": found,
        "links": page_links(found),
        "filters": kept_filters(),
        "filtered": filtered(),
        "errors": errors or {},
    }


def kept_filters() -> dict[str, str]:
    """The query string's non-empty values but the page number: what the page links keep."""
    return {k: v for k, v in request.args.items() if v.strip() and k != "page"}


def filtered() -> bool:
    """Whether the list is narrowed by a filter (paging and page size are no filter)."""
    return any(k not in ("page", "per_page") for k in kept_filters())


def _staff_list(status: int = 200, errors: Any = None) -> Response:
    """The list page; with `errors` (bad filters) the form alone, naming the fields."""
    found = NOTHING_FOUND
    if not errors:
        args = query_args(StaffQuerySchema())
        stmt = staff_service.list_staff(args.get("role"), args.get("active"), include_inactive=True)
        found = paginate(stmt, args["page"], args["per_page"])
    return render(
        "admin/staff.html",
        status,
        **listing(found, errors),
        role_labels=ROLE_LABELS,
        role_options=ROLE_OPTIONS,
        active_options=ACTIVE_OPTIONS,
    )


@bp.get("/admin/staff")
@page(Permission.STAFF_MANAGE)
def staff() -> Response:
    """Staff accounts by name, filtered by role and active (`GET /api/v1/staff`'s query)."""
    try:
        return _staff_list()
    except FormInvalid as invalid:
        return _staff_list(422, invalid.errors)


@bp.get("/admin/staff/new")
@page(Permission.STAFF_MANAGE)
def new() -> Response:
    """The new-account form (name, email, role, an optional typed temporary password)."""
    return render("admin/new.html", form={}, role_options=ROLE_OPTIONS)


@bp.post("/admin/staff/new")
@page(Permission.STAFF_MANAGE)
def create() -> Response:
    """`POST /api/v1/staff` with a temporary password (the one typed, else a generated one)
    that must be changed at first sign-in; the answer shows it this once."""
    form = request.form
    typed = form.get("password", "")
    password = typed or staff_service.generate_temporary_password(
        form.get("email", ""), form.get("name", "")
    )
    try:
        data = load(StaffCreateSchema(), form, password=password, must_change_password=True)
        user = staff_service.create_user(actor=current_actor(), **data)
    except FormInvalid as invalid:
        return _new_form(422, invalid.errors)
    except DomainError as error:
        return _new_form(error.code, domain_errors(error))
    db.session.commit()
    return render("admin/password_once.html", 201, user=user, password=password, created=True)


def _new_form(status: int, errors: Any) -> Response:
    """The refused form again, with its errors (nothing kept: the request is rolled back);
    the password typed is never echoed back."""
    db.session.rollback()
    return render(
        "admin/new.html", status, form=request.form, errors=errors, role_options=ROLE_OPTIONS
    )


# One account's page and its changes, and the audit trail: their routes register on `bp`.
from web import admin_account, admin_audit  # noqa: E402

__all__ = ["admin_account", "admin_audit", "bp", "query_args"]
