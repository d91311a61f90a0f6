"""What every page shares: rendering with the session's context, the error pages, and the
headers every page answer carries (CSP without inline scripts, `Cache-Control: no-store`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, make_response, render_template, request

from core.clock import centre_zone
from core.errors import DomainError
from core.http import etag_of
from web.forms import Errors
from web.security import PAGE_CSP, csrf_token, signed_in

ERROR_TITLES = {
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    412: "Changed by someone else",
    422: "Please check the form",
    429: "Too many attempts",
}


def render(template: str, status: int = 200, **context: Any) -> Response:
    """A page. Templates get `me` (the signed-in user), `csrf_token()` and `errors`."""
    context.setdefault("errors", {})
    response = make_response(render_template(template, **context), status)
    return response


def local(moment: Any, pattern: str = "%d %b %Y %H:%M") -> str:
    """A timestamp in the centre's time zone (template filter `local`)."""
    if moment is None:
        return ""
    return moment.astimezone(centre_zone()).strftime(pattern)


def _context() -> dict[str, Any]:
    return {
        "me": g.get("actor") or signed_in(),
        "csrf_token": csrf_token,
        "idle_minutes": current_app.config["SESSION_IDLE_MINUTES"],
    }


def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = PAGE_CSP
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def _error_page(error: DomainError) -> Response:
    title = ERROR_TITLES.get(error.code, "Something went wrong")
    return render("error.html", error.code, title=title, message=error.message)


def field_errors(errors: Errors, name: str) -> list[str]:
    return errors.get(name, [])


def install(bp: Blueprint) -> None:
    bp.context_processor(_context)
    bp.after_request(_headers)
    bp.register_error_handler(DomainError, _error_page)
    bp.add_app_template_global(etag_of, "version_tag")  # a form's hidden version
    bp.add_app_template_filter(local)


def page_count(found: dict[str, Any]) -> int:
    """How many pages a paged result has, for a pager's "of N" and its next link: at least
    one, and past the current page when the total is only a lower bound
    (`core.http.TOTAL_CAP`), so the next page is always reachable."""
    pages = max((found["total"] + found["per_page"] - 1) // found["per_page"], 1)
    if found.get("total_is_lower_bound"):
        return max(pages, found["page"] + 1)
    return pages
