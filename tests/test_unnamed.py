"""Issue 15, part 1: a signature that counts but leaves the name off the list handed to parliament."""

import csv
import io
import json
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.petitions.models import Drive, Signature
from app.records import today
from tests.helpers import deliver, link, press, sign
from tests.staff import client_as, csrf

LABEL = "Count my signature but leave my name off the list handed to parliament."


@pytest.fixture
def app(petition_app, staff_app):
    """The petition app with staff accounts: Anna signs with her name, Li without, both confirm."""
    return petition_app


def signed_both(app, inbox):
    client = app.test_client()
    assert sign(client, region="", consent_updates="y").status_code == 303
    assert sign(client, name="Li Wei", email="li@example.org", region="Uppsala", consent_updates="y",
                unnamed="y").status_code == 303
    deliver(app)
    for address in ("anna@example.org", "li@example.org"):
        [message] = inbox.to(address)
        assert "confirmed and counted" in press(client, link(message, "confirm")).get_data(as_text=True)
    return client


def unnamed_of(app, address):
    with app.app_context():
        return db.session.scalar(select(Signature.unnamed).where(Signature.email == address))


def export(app, **fields):
    organiser = client_as(app, "organiser")
    with app.app_context():
        drive_id = db.session.scalar(select(Drive.id))
    token = csrf(organiser.get(f"/en/staff/drives/{drive_id}/progress").get_data(as_text=True))
    data = {"csrf_token": token, "profile": "delivery", "format": "csv", "confirmed_only": "y", **fields}
    response = organiser.post(f"/en/staff/drives/{drive_id}/export", data=data)
    assert response.status_code == 200
    return response.data


def pack(app):
    with app.app_context():
        drive_id = db.session.scalar(select(Drive.id))
    return client_as(app, "organiser").get(f"/en/staff/drives/{drive_id}/pack").get_data(as_text=True)


def test_the_choice_is_on_the_form_and_off_by_default(app):
    client = app.test_client()
    page = client.get("/en/drives/sweden-2026").get_data(as_text=True)
    assert LABEL in page
    [checkbox] = re.findall(r'<input[^>]*name="unnamed"[^>]*>', page)
    assert 'type="checkbox"' in checkbox and "checked" not in checkbox
    assert sign(client).status_code == 303
    assert unnamed_of(app, "anna@example.org") is False
    assert sign(client, name="Li Wei", email="li@example.org", unnamed="y").status_code == 303
    assert unnamed_of(app, "li@example.org") is True


def test_an_unnamed_signature_counts_everywhere(app, inbox):
    client = signed_both(app, inbox)
    with app.app_context():
        assert db.session.scalar(select(Drive.confirmed_count)) == 2
    assert client.get("/api/v1/drives/sweden-2026").get_json()["confirmed"] == 2
    assert "<strong>2</strong> confirmed signatures" in client.get("/en/drives/sweden-2026").get_data(as_text=True)
    assert "<strong>2</strong> confirmed signatures" in pack(app)


def test_the_delivery_csv_lists_named_signers_and_counts_the_others(app, inbox):
    signed_both(app, inbox)
    day = today().isoformat()
    body = export(app).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body, newline=""))) == [
        ["name", "region", "country", "date", "source", "count"],
        ["Anna Berg", "", "Sweden", day, "online", "1"],
        ["", "", "", "", "unnamed", "1"],
    ]
    assert "Li Wei" not in body and "Uppsala" not in body


def test_the_delivery_ndjson_lists_named_signers_and_counts_the_others(app, inbox):
    signed_both(app, inbox)
    lines = export(app, format="ndjson").decode("utf-8").split("\n")
    assert [json.loads(line) for line in lines[:-1]] == [
        {"name": "Anna Berg", "region": "", "country": "Sweden", "date": today().isoformat(), "source": "online",
         "count": 1},
        {"name": None, "region": None, "country": None, "date": None, "source": "unnamed", "count": 1},
    ]


def test_without_unnamed_signers_there_is_no_summary_row(app, inbox):
    client = app.test_client()
    sign(client)
    deliver(app)
    press(client, link(inbox.to("anna@example.org")[0], "confirm"))
    assert b"unnamed" not in export(app) and b"unnamed" not in export(app, format="ndjson")
    assert "asked not to be named" not in pack(app)


def test_the_pack_gives_their_number_and_leaves_them_out_of_the_regions(app, inbox):
    """A region's count less its named rows would place an unnamed signer: they are only the number."""
    app.config["MIN_PUBLIC_COUNT"] = 1  # exact counts, to see who is in them
    signed_both(app, inbox)
    page = pack(app)
    assert "and 1 more signer who asked not to be named" in page
    assert "Li Wei" not in page
    regions = dict(re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', page))
    assert regions == {"No region given": "1"}  # Anna's; Li Wei's Uppsala is not there
    signers = re.findall(r'<tr><td dir="auto">([^<]*)</td>', page)
    assert signers == ["Anna Berg"]


def test_the_supporters_export_is_unchanged(app, inbox):
    signed_both(app, inbox)
    body = export(app, profile="supporters", format="ndjson").decode("utf-8")
    rows = [json.loads(line) for line in body.split("\n")[:-1]]
    assert [(row["name"], row["email_address"]) for row in rows] == [
        ("Anna Berg", "anna@example.org"), ("Li Wei", "li@example.org")]
    assert all("count" not in row and row["name"] for row in rows)


def test_the_mail_link_changes_the_choice_both_ways_with_a_button(app, inbox):
    client = app.test_client()
    sign(client)
    deliver(app)
    [message] = inbox.to("anna@example.org")
    naming = link(message, "naming")
    page = client.get(naming)  # a link scanner opening it changes nothing
    assert page.status_code == 200 and "your name is on the list handed to parliament" in page.get_data(as_text=True)
    assert unnamed_of(app, "anna@example.org") is False
    assert "left off the list" in press(client, naming).get_data(as_text=True)
    assert unnamed_of(app, "anna@example.org") is True
    assert "Put my name on the list" in client.get(naming).get_data(as_text=True)
    assert unnamed_of(app, "anna@example.org") is True
    assert "will be on the list" in press(client, naming).get_data(as_text=True)
    assert unnamed_of(app, "anna@example.org") is False


def test_the_choice_needs_the_forms_token(app, inbox):
    client = app.test_client()
    sign(client)
    deliver(app)
    naming = link(inbox.to("anna@example.org")[0], "naming")
    assert client.post(naming, data={}).status_code == 400
    assert unnamed_of(app, "anna@example.org") is False


def test_a_forged_naming_link_is_refused_and_withdraw_still_works(app, inbox):
    client = app.test_client()
    sign(client, unnamed="y")
    deliver(app)
    [message] = inbox.to("anna@example.org")
    assert client.get(link(message, "naming") + "x").status_code == 404
    assert client.get(link(message, "withdraw").replace("/withdraw/", "/naming/")).status_code == 404
    press(client, link(message, "confirm"))
    assert "withdrawn" in press(client, link(message, "withdraw")).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Drive.confirmed_count)) == 0
        assert db.session.scalar(select(Signature)) is None
    assert "no such signature" in press(client, link(message, "naming")).get_data(as_text=True)
