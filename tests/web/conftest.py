"""Fixtures for the web interface's page tests (Flask test client; the browser tests are in
tests/browser): `sign_in(role)` gives a `Browser` signed in through the sign-in form, with
`csrf` (the page's token) and `post()` that sends it like the forms do."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user


@dataclass
class Browser:
    http: FlaskClient
    user_id: int
    csrf: str = ""
    last: Any = field(default=None, repr=False)

    def get(self, url: str, **kw: Any) -> Any:
        self.last = self.http.get(url, **kw)
        found = re.search(r'name="csrf-token" content="([^"]+)"', self.last.get_data(as_text=True))
        if found:
            self.csrf = found.group(1)
        return self.last

    def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        if not self.csrf:
            self.get("/")
        body = {"csrf_token": self.csrf, **(data or {})}
        self.last = self.http.post(url, data=body, **kw)
        return self.last

    def htmx(self, method: str, url: str, data: dict[str, Any] | None = None) -> Any:
        headers = {"HX-Request": "true", "X-CSRF-Token": self.csrf}
        if method == "GET":
            return self.http.get(url, query_string=data or {}, headers=headers)
        return self.http.post(url, data=data or {}, headers=headers)


def sign_in_client(app: Flask, email: str, password: str = DEFAULT_PASSWORD) -> FlaskClient:
    http = app.test_client()
    page = http.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="signin_token" value="([^"]+)"', page).group(1)
    answer = http.post(
        "/sign-in", data={"email": email, "password": password, "signin_token": token}
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    return http


@pytest.fixture
def sign_in(app: Flask) -> Any:
    """`sign_in("counsellor")` → a Browser for a new user of that role (or `user_id=`)."""

    def _sign_in(role: str, *, user_id: int | None = None, **user_kw: Any) -> Browser:
        from auth.models import User

        with app.app_context():
            uid = user_id if user_id is not None else make_user(role, **user_kw)
            email = db.session.get(User, uid).email
            db.session.commit()
        browser = Browser(sign_in_client(app, email), uid)
        browser.get("/")
        return browser

    return _sign_in
