"""Security headers on every page type, and pages that need no inline script or style."""

import re

import pytest

from app.extensions import db
from app.staff.auth import new_user
from tests.staff import PASSWORD, csrf

PUBLIC = [
    "/en/", "/en/countries/", "/en/countries/se", "/en/countries/?status=bogus", "/en/methodology",
    "/en/privacy", "/en/drives/sweden-2026", "/en/drives/sweden-2026/check-your-mail",
    "/en/drives/sweden-2026/letter", "/en/drives/sweden-2026/letter/sent?status=held",
    "/en/signatures/confirm/not-a-token", "/en/letters/confirm/not-a-token", "/ar/countries/se",
    "/en/no-such-page", "/api/v1/countries/se", "/api/v1/countries.csv", "/api/v1/drives/sweden-2026",
]
STAFF = ["/en/staff/login", "/en/staff/", "/en/staff/users/", "/en/staff/audit/", "/en/staff/drives/1",
         "/en/staff/drives/1/progress", "/en/staff/drives/1/pack", "/en/staff/legislators/",
         "/en/staff/data/treaties/"]


@pytest.fixture
def site(letters_app):
    """The letters fixture's drive and legislators, an admin account, the rate limits off."""
    letters_app.config.update(RATELIMIT_ENABLED=False)
    with letters_app.app_context():
        db.session.add(new_user("admin@staff.example", PASSWORD, "admin"))
        db.session.commit()
    return letters_app


def logged_in(app):
    client = app.test_client()
    page = client.get("/en/staff/login").get_data(as_text=True)
    client.post("/en/staff/login", data={"csrf_token": csrf(page), "email": "admin@staff.example",
                                         "password": PASSWORD})
    return client


def every_page(app):
    public, staff = app.test_client(), logged_in(app)
    for path in PUBLIC:
        yield path, public.get(path)
    for path in STAFF:
        response = staff.get(path)
        assert response.status_code == 200, path
        yield path, response


def test_every_page_type_sends_the_security_headers(site):
    for path, response in every_page(site):
        policy = response.headers.get("Content-Security-Policy", "")
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
        assert directives.get("default-src") == "'self'", path
        assert directives.get("script-src") == "'self'" and directives.get("style-src") == "'self'", path
        assert directives.get("frame-ancestors") == "'none'", path
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        assert "Strict-Transport-Security" not in response.headers, path  # plain HTTP: no HSTS


def test_every_html_page_works_under_that_policy(site):
    """No inline script, style block, style attribute or event handler: the policy would block them."""
    for path, response in every_page(site):
        if not response.mimetype == "text/html":
            continue
        html = response.get_data(as_text=True)
        assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=|javascript:", html, re.IGNORECASE), path


def test_https_requests_get_hsts_and_secure_cookies(site):
    site.config.update(SESSION_COOKIE_SECURE=True)
    client = site.test_client()
    response = client.get("/en/staff/login", base_url="https://moratorium.test")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_behind_a_proxy_the_forwarded_scheme_counts(site):
    from werkzeug.middleware.proxy_fix import ProxyFix
    site.wsgi_app = ProxyFix(site.wsgi_app, x_for=1, x_proto=1, x_host=1)
    response = site.test_client().get("/en/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers


@pytest.mark.parametrize("path", ["/", "/en/", "/en/countries/se", "/en/no-such-page", "/api/v1/stats"])
def test_a_host_outside_trusted_hosts_gets_a_400_never_a_500(app, path):
    app.config["TRUSTED_HOSTS"] = ["moratorium.example"]
    try:
        client = app.test_client()
        refused = client.get(path, headers={"Host": "evil.example"})
        served = client.get(path, headers={"Host": "moratorium.example"})
    finally:
        app.config["TRUSTED_HOSTS"] = None
    assert refused.status_code == 400
    assert served.status_code in {200, 302, 404}


@pytest.mark.parametrize("path", ["/api/v1/stats", "/api/v1/countries/se", "/api/v1/treaties.csv", "/en/countries/",
                                  "/en/methodology"])
def test_a_method_a_route_does_not_take_gets_405_with_allow(client, path):
    response = client.delete(path)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"].split(", ")


def test_each_refusal_says_what_it_is(client, app):
    too_big = client.post("/en/drives/any", data={"x": "y" * 100_000})
    assert too_big.status_code == 413 and "Too much was sent" in too_big.get_data(as_text=True)
    wrong_method = client.delete("/en/methodology").get_data(as_text=True)
    assert "This address does not take that kind of request" in wrong_method
    assert "check the address" not in wrong_method


def test_a_server_error_is_a_page_in_the_visitors_language(databases, monkeypatch):
    from app.countries import services
    from tests.helpers import migrated_app

    fresh = migrated_app(databases.new())
    fresh.config["PROPAGATE_EXCEPTIONS"] = False

    def a_bug(day):
        raise RuntimeError("a bug")

    monkeypatch.setattr(services, "world", a_bug)
    response = fresh.test_client().get("/zh-hans/")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert '<html lang="zh-Hans"' in html and "Traceback" not in html and "a bug" not in html
    api = fresh.test_client().get("/api/v1/stats")
    assert (api.status_code, api.get_json()) == (500, {"error": "internal server error"})
