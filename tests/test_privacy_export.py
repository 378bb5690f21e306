"""`flask privacy export`: a person sees everything held under their address, and erasure removes all of it."""

import json

import pytest
from sqlalchemy import select

from app.audit import AuditEntry
from app.extensions import db
from app.letters import proofs
from tests.helpers import DRIVE_YAML, WRITER, csrf_from, deliver, link, press, prove, set_drive, sign, write
from tests.test_privacy import anywhere

OTHER = "other@example.org"


def sign_on(client, slug, **fields):
    page = client.get(f"/en/drives/{slug}").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "name": "Wang Fang", "email": WRITER, "residence": "DK",
            "region": "København", "accept_privacy": "y", **fields}
    return client.post(f"/en/drives/{slug}", data=data)


def export(app, *args):
    result = app.test_cli_runner().invoke(args=["privacy", "export", *args])
    return result


def exported(app, tmp_path, address=WRITER):
    path = tmp_path / "export.json"
    result = export(app, address, "--output", str(path))
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text(encoding="utf-8")), path.read_text(encoding="utf-8"), result.stderr


def audit_entries(app, action):
    with app.app_context():
        return [(e.target, e.after) for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action))]


@pytest.fixture
def two_drives(letters_app, inbox, tmp_path):
    """WRITER signed two drives (one confirmed, one not, asking for updates) and wrote a letter; OTHER signed too."""
    set_drive(letters_app, tmp_path, "open", "create",
              yaml=DRIVE_YAML.replace("sweden-2026", "denmark-2026").replace("country: SE", "country: DK"))
    client = letters_app.test_client()
    sign(client, email=WRITER, name="Wang Fang", region="Skåne")
    sign(letters_app.test_client(), email=OTHER, name="Li Na")
    deliver(letters_app)
    press(client, link(inbox.to(WRITER)[-1], "confirm"))
    sign_on(client, "denmark-2026", consent_updates="y")
    prove(client)
    write(client, personal="Words only I wrote.")
    deliver(letters_app)
    return letters_app


def test_the_export_holds_every_signature_letter_and_mail_of_the_address_and_nobody_elses(two_drives, tmp_path):
    data, text, said = exported(two_drives, tmp_path, WRITER.upper())
    assert said == "exported 2 signatures, 1 letters, 2 mails\n"
    assert data["address"] == WRITER.upper() and data["exported_at"]
    sweden, denmark = data["signatures"]
    assert (sweden["drive"], sweden["state"], sweden["region"], sweden["residence"], sweden["consent_updates"]) == (
        "sweden-2026", "confirmed", "Skåne", "SE", False)
    assert (denmark["drive"], denmark["state"], denmark["region"], denmark["consent_updates"]) == (
        "denmark-2026", "pending", "København", True)
    assert sweden["name"] == "Wang Fang" and sweden["email"] == WRITER and sweden["locale"] == "en"
    assert sweden["confirmed_at"].endswith("+00:00") and denmark["confirmed_at"] is None
    [letter] = data["letters"]
    assert letter["personal"] == "Words only I wrote." and letter["state"] == "released"
    assert {d["legislator"] for d in letter["deliveries"]} <= {"Anna Andersson", "Li Wei", "Cecilia Carlsson"}
    assert letter["deliveries"] and all(d["state"] == "sent" and d["sent_at"] for d in letter["deliveries"])
    assert [m["kind"] for m in data["messages"]] == ["confirmation"] * 2
    assert data["messages"][0]["state"] == "sent" and data["messages"][0]["subject"]
    assert "Skåne" in text  # UTF-8 as it is, not \u escapes
    for elsewhere in (OTHER, "Li Na", "/confirm/", "riksdagen.example", "email_key"):
        assert elsewhere not in text, elsewhere


def test_after_erasure_the_export_is_empty_and_both_are_logged_under_the_same_digest(two_drives, tmp_path):
    exported(two_drives, tmp_path)
    assert two_drives.test_cli_runner().invoke(args=["privacy", "erase", WRITER]).exit_code == 0
    data, _, said = exported(two_drives, tmp_path)
    assert (data["signatures"], data["letters"], data["messages"]) == ([], [], [])
    assert said == "nothing is held under this address\n"
    first, second = audit_entries(two_drives, "privacy.export")
    assert first[1] == {"signatures": 2, "letters": 1, "messages": 2}
    assert second[1] == {"signatures": 0, "letters": 0, "messages": 0}
    [(erased, _)] = audit_entries(two_drives, "privacy.erase")
    assert first[0] == second[0] == erased and erased.startswith("person:")
    assert anywhere(two_drives, WRITER) == [] and anywhere(two_drives, "Wang Fang") == []
    # A letter's proof lives in the writer's own session cookie only: no table holds it.
    with two_drives.app_context():
        assert anywhere(two_drives, proofs.proof(WRITER)) == []
    assert exported(two_drives, tmp_path, OTHER)[0]["signatures"]  # nobody else's was touched


def test_the_export_goes_to_standard_output_as_utf8_json(petition_app, inbox):
    sign(petition_app.test_client(), locale="zh-hans", name="王芳", email=WRITER)
    result = export(petition_app, WRITER)
    assert result.exit_code == 0, result.stderr
    [signature] = json.loads(result.stdout_bytes.decode("utf-8"))["signatures"]
    assert (signature["name"], signature["locale"], signature["state"]) == ("王芳", "zh-hans", "pending")
    assert "王芳" in result.stdout_bytes.decode("utf-8")


@pytest.mark.parametrize("address", ["", "nobody", "@example.org", "someone@", "two words@example.org"])
def test_a_bad_address_is_refused_and_nothing_is_logged(petition_app, address):
    result = export(petition_app, address)
    assert result.exit_code == 2 and "is not an e-mail address" in result.stderr
    assert result.stdout == "" and audit_entries(petition_app, "privacy.export") == []


def test_an_unwritable_output_is_refused_and_nothing_is_logged(petition_app, tmp_path):
    result = export(petition_app, WRITER, "--output", str(tmp_path / "missing" / "export.json"))
    assert result.exit_code == 1 and "cannot write" in result.stderr
    assert audit_entries(petition_app, "privacy.export") == []


def test_the_privacy_page_says_how_to_ask_for_a_copy(client, app):
    page = client.get("/en/privacy").get_data(as_text=True)
    assert "To ask what we hold about you" in page and app.config["CORRECTIONS_EMAIL"] in page
    assert "we send the copy only to that address" in page
