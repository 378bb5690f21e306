"""Shared by the back-office tests: accounts for each role (staff_app, in conftest.py), logging in through
the form, launching a drive."""

from sqlalchemy import select

from app.extensions import db
from app.petitions.models import Drive
from tests.helpers import csrf_from

csrf = csrf_from  # the staff tests' name for it

PASSWORD = "correct horse battery staple"
ROLES = ("admin", "campaigner", "organiser")


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


DRIVE = {"country": "CZ", "slug": "czechia-2027", "goal": "5000", "opens_on": "", "closes_on": "",
         "main_locale": "en", "target_kind": "all", "target_value": ""}
TEXTS = {"title": "Czechia, declare a moratorium", "summary": "The Supreme Court refused.",
         "petition": "We call on Czechia to stop extraditions to China.", "letter_subject": "",
         "letter_body": ""}


def launch(client, **fields):
    response = post_form(client, "/en/staff/drives/new", {**DRIVE, **fields})
    assert response.status_code == 303, response.get_data(as_text=True)
    with client.application.app_context():
        return db.session.scalar(select(Drive.id).where(Drive.slug == fields.get("slug", DRIVE["slug"])))
