"""The access matrix for pages, generated from the routes: every page route has an explicit
permission; without a signed-in session it sends the browser to sign in; each role is
admitted exactly as the API's permission table (`auth.permissions.ROLES_FOR`) says — 403 for
the others, checked before anything is loaded."""

from __future__ import annotations

import re

import pytest

from auth.models import Role
from auth.permissions import ROLES_FOR

#: Values for path parameters that are not ids (an id is 999999: no such record).
SAMPLE = {"step": "substances", "action": "approve", "instrument": "phq9", "scale": "ciwa_b"}


def page_routes(app):
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("web.") or rule.endpoint.endswith(".static"):
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = re.sub(r"<int:\w+>", "999999", rule.rule)
            url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE.get(m.group(1), "x"), url)
            yield rule.endpoint, method, url, view


def test_every_page_route_declares_a_permission(app):
    routes = list(page_routes(app))
    assert len(routes) > 10
    for endpoint, _method, _url, view in routes:
        assert getattr(view, "is_page", False), f"{endpoint} is not a page route"
        assert hasattr(view, "permission"), f"{endpoint} has no explicit permission"


def test_without_a_session_every_page_sends_the_browser_to_sign_in(app, client):
    for endpoint, method, url, view in page_routes(app):
        if getattr(view, "is_public", False):
            continue
        answer = client.open(url, method=method)
        assert answer.status_code == 302, (endpoint, method, answer.status_code)
        assert answer.headers["Location"].startswith("/sign-in"), endpoint


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_roles_are_admitted_exactly_as_the_permission_table_says(app, sign_in, role):
    browser = sign_in(role)
    for endpoint, method, url, view in page_routes(app):
        if getattr(view, "is_public", False) or view.permission is None:
            continue
        admitted = Role(role) in ROLES_FOR[view.permission]
        if method == "GET":
            answer = browser.http.get(url)
        else:
            answer = browser.http.open(url, method=method, data={"csrf_token": browser.csrf})
        if admitted:
            assert answer.status_code != 403, (endpoint, method, role)
            assert answer.status_code < 500, (endpoint, method, role, answer.status_code)
        else:
            assert answer.status_code == 403, (endpoint, method, role, answer.status_code)
