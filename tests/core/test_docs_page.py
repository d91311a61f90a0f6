"""The API docs page (`/api/docs`) loads Swagger UI from our own package, not a CDN: the page
references no other host, its assets answer 200, and the browser is told to fetch nothing
from elsewhere (no online validator either)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

DOCS = "/api/docs"


def referenced_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r'url:\s*"([^"]+)"', html)


def test_docs_page_references_no_other_host(client):
    r = client.get(DOCS)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    urls = referenced_urls(html)
    assert len(urls) >= 4, urls  # css, two scripts, the OpenAPI document
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, url
        assert url.startswith("/"), url
    assert not re.search(r"https?://", html), "the page names a host"
    assert '"validatorUrl": null' in html


def test_docs_assets_are_served_from_our_origin(client):
    html = client.get(DOCS).get_data(as_text=True)
    assets = [url for url in referenced_urls(html) if url.startswith("/static/")]
    assert {url.rsplit("/", 1)[1] for url in assets} == {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
    }
    for url in assets:
        r = client.get(url)
        assert r.status_code == 200, url
        assert len(r.get_data()) > 10_000, url
        assert r.mimetype in ("text/css", "text/javascript", "application/javascript"), url
    assert client.get("/api/openapi.json").status_code == 200


def test_docs_page_forbids_other_origins(client):
    policy = client.get(DOCS).headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "http" not in policy
