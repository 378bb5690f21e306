"""Shared by the back-office tests: accounts for each role, logging in through the form."""

import pytest

from app.extensions import db
from app.staff.auth import new_user
from tests.test_petitions import csrf_from as csrf  # noqa: F401  (the staff tests' name for it)

PASSWORD = "correct horse battery staple"
ROLES = ("admin", "campaigner", "organiser")


@pytest.fixture
def staff_app(empty_app):
    """An empty app with one account per role ({role}@staff.example), rate limits off."""
    empty_app.config.update(RATELIMIT_ENABLED=False)
    with empty_app.app_context():
        for role in ROLES:
            db.session.add(new_user(f"{role}@staff.example", PASSWORD, role))
        db.session.commit()
    return empty_app


def log_in(client, role, password=PASSWORD, next_=None):
    page = client.get("/en/staff/login").get_data(as_text=True)
    data = {"csrf_token": csrf(page), "email": f"{role}@staff.example", "password": password}
    if next_ is not None:
        data["next"] = next_
    return client.post("/en/staff/login", data=data)


def client_as(app, role):
    client = app.test_client()
    if role is not None:
        assert log_in(client, role).status_code == 303
    return client


def post_form(client, path, data):
    """GET a form page, then POST `data` with its CSRF token."""
    page = client.get(path).get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf(page), **data})
