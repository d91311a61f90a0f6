"""Every page links the site's icon (a small SVG served with the web package's static files),
so browsers stop asking for a missing /favicon.ico; the pages' CSP allows it (same origin)."""

from __future__ import annotations

import re

from web.security import PAGE_CSP


def _icon_href(text: str) -> str:
    found = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', text)
    assert found, "no icon link"
    return found.group(1)


def test_pages_signed_in_or_not_link_the_svg_icon(app, sign_in):
    signed_out = app.test_client().get("/sign-in")
    assert _icon_href(signed_out.get_data(as_text=True)) == "/static/web/favicon.svg"
    counsellor = sign_in("counsellor")
    assert _icon_href(counsellor.get("/").get_data(as_text=True)) == "/static/web/favicon.svg"
    assert _icon_href(counsellor.get("/calendar").get_data(as_text=True)).startswith("/")


def test_the_icon_is_served_as_svg_and_the_csp_allows_it(app):
    icon = app.test_client().get("/static/web/favicon.svg")
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    assert icon.get_data(as_text=True).startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert len(icon.get_data()) < 1024
    assert "img-src 'self'" in PAGE_CSP
