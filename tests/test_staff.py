"""The back office: accounts, roles on every route, launching drives, data edits, the audit log."""

import html
import io
import re
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import select

from app.audit import AuditEntry
from app.config import shipped_languages
from app.extensions import db
from app.letters.models import Legislator
from app.petitions.models import Drive
from app.staff.models import User
from app.updates.models import Update, UpdateText
from tests.helpers import serve
from tests.staff import DRIVE, PASSWORD, ROLES, TEXTS, client_as, csrf, launch, log_in, post_form


def audit_entries(app, action=None):
    with app.app_context():
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        return [(e.actor, e.action, e.target, e.before, e.after, e.source) for e in db.session.scalars(query)]


# --- every route refuses whoever may not use it -------------------------------------------

def register_reuters(app):
    """The one publisher the data-editing tests cite."""
    from app.treaties.models import Publisher

    with app.app_context():
        db.session.add(Publisher(key="reuters.com", name="Reuters", kind="press", identifies=["reuters.com"]))
        db.session.commit()


def sample_values(app):
    """A drive, a legislator, an account and a data row for the routes' URL parameters."""
    register_reuters(app)
    client = client_as(app, "campaigner")
    drive_id = launch(client)
    with app.app_context():
        person = Legislator(iso2="CZ", source_id="p1", name="Jana", email="jana@psp.example", language="cs")
        update = Update(drive_id=drive_id, texts=[UpdateText(locale="en", title="Handed over", body="Done.")])
        db.session.add_all([person, update])
        db.session.commit()
        values = {"drive_id": drive_id, "legislator_id": person.id, "tag": "en", "kind": "treaties",
                  "update_id": update.id,
                  "key": "CZ", "user_id": db.session.scalar(select(User.id).limit(1))}
    assert post_form(client, "/en/staff/data/treaties/new", {**TREATY, "change_source": FIRST}
                     ).status_code == 303
    return values


def staff_routes(app):
    """(endpoint, url, method) for every back-office route but logging in and out."""
    values = sample_values(app)
    with app.test_request_context():
        from flask import url_for
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("staff.") or rule.endpoint in {"staff.login", "staff.logout"}:
                continue
            arguments = {name: values[name] for name in rule.arguments if name != "lang_code"}
            method = "GET" if "GET" in rule.methods else "POST"
            yield rule.endpoint, url_for(rule.endpoint, lang_code="en", **arguments), method


def test_every_staff_route_declares_its_roles(staff_app):
    for endpoint, _url, _method in staff_routes(staff_app):
        assert hasattr(staff_app.view_functions[endpoint], "staff_roles"), endpoint


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_staff_route_refuses_anonymous_visitors_and_wrong_roles(staff_app, role):
    routes = list(staff_routes(staff_app))
    assert len(routes) >= 12
    client = client_as(staff_app, role)
    for endpoint, url, method in routes:
        allowed = staff_app.view_functions[endpoint].staff_roles
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": csrf(client.get("/en/staff/login").get_data(as_text=True))})
        if role is None:
            assert response.status_code == 302 and "/en/staff/login" in response.headers["Location"], endpoint
            # Only a page comes back after logging in: a form's target would answer the GET with 405.
            assert ("?next=" in response.headers["Location"]) == (method == "GET"), endpoint
        elif role == "admin" or role in allowed:
            assert response.status_code in {200, 303, 400}, (endpoint, role, response.status_code)
        else:
            assert response.status_code == 403, (endpoint, role, response.status_code)


# --- logging in -----------------------------------------------------------------------------

def test_passwords_are_stored_as_argon2id_hashes(staff_app):
    with staff_app.app_context():
        for user in db.session.scalars(select(User)):
            assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_a_wrong_password_or_unknown_address_is_refused_alike(staff_app):
    client = staff_app.test_client()
    wrong = log_in(client, "admin", password="not the password")
    unknown = log_in(client, "nobody")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "do not match an account that can log in" in response.get_data(as_text=True)
    assert client.get("/en/staff/").status_code == 302


@pytest.mark.parametrize("next_, expected", [
    ("/en/staff/users/", "/en/staff/users/"),
    ("//evil.example/steal", "/en/staff/"),
    ("https://evil.example/", "/en/staff/"),
    ("/\\evil.example", "/en/staff/"),
    ("javascript:alert(1)", "/en/staff/"),
])
def test_after_login_only_a_local_next_is_followed(staff_app, next_, expected):
    response = log_in(staff_app.test_client(), "admin", next_=next_)
    assert response.status_code == 303 and response.headers["Location"] == expected


def from_address(address):
    """log_in's keyword for a client at another address."""
    return {"REMOTE_ADDR": address}


def attempt(client, address, password, who="admin"):
    page = client.get("/en/staff/login", environ_base=from_address(address)).get_data(as_text=True)
    return client.post("/en/staff/login", environ_base=from_address(address), data={
        "csrf_token": csrf(page), "email": f"{who.upper()}@staff.example", "password": password}).status_code


def test_a_client_guessing_passwords_is_stopped(staff_app):
    staff_app.config.update(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = staff_app.test_client()
    assert [log_in(client, "admin", password="guess").status_code for _ in range(4)] == [401, 401, 401, 429]
    # Its failures are what count: the right password from another client is not held up by them.
    assert attempt(staff_app.test_client(), "192.0.2.9", PASSWORD) == 303


def test_guessing_from_many_clients_does_not_lock_the_owner_out(staff_app):
    staff_app.config.update(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute", LOGIN_ACCOUNT_FAILURES="4 per hour")
    attackers = [(staff_app.test_client(), f"198.51.100.{n}") for n in range(1, 5)]
    assert [attempt(client, address, "guess") for client, address in attackers] == [401] * 4
    # The account has had its share of failures: a client that failed on it may not try again...
    assert [attempt(client, address, "guess") for client, address in attackers] == [429] * 4
    assert attempt(attackers[0][0], attackers[0][1], PASSWORD) == 429
    # ...but the owner, from a client that has not failed, gets in.
    assert attempt(staff_app.test_client(), "203.0.113.7", PASSWORD) == 303


def test_an_inactive_account_cannot_log_in_and_its_sessions_end(staff_app):
    admin, organiser = client_as(staff_app, "admin"), client_as(staff_app, "organiser")
    assert organiser.get("/en/staff/").status_code == 200
    with staff_app.app_context():
        organiser_id = db.session.scalar(select(User.id).where(User.email == "organiser@staff.example"))
    response = post_form(admin, f"/en/staff/users/{organiser_id}",
                         {"email": "organiser@staff.example", "role": "organiser", "password": ""})
    assert response.status_code == 303  # "active" left unchecked
    assert organiser.get("/en/staff/").status_code == 302
    assert log_in(staff_app.test_client(), "organiser").status_code == 401
    # Enabled again: the old sessions stay ended.
    assert post_form(admin, f"/en/staff/users/{organiser_id}", {"email": "organiser@staff.example",
                     "role": "organiser", "active": "y", "password": ""}).status_code == 303
    assert organiser.get("/en/staff/").status_code == 302


def test_logging_out_ends_a_copied_session_cookie_too(staff_app):
    owner = client_as(staff_app, "admin")
    thief = staff_app.test_client()
    thief.set_cookie("session", owner.get_cookie("session").value)
    assert thief.get("/en/staff/").status_code == 200
    owner.post("/en/staff/logout", data={"csrf_token": csrf(owner.get("/en/staff/users/new").get_data(as_text=True))})
    assert thief.get("/en/staff/").status_code == 302


@pytest.mark.parametrize("setting", ["STAFF_IDLE_TIMEOUT", "STAFF_SESSION_LIFETIME"])
def test_a_staff_session_ends_when_idle_or_old(staff_app, monkeypatch, setting):
    from app.staff import routes

    client = client_as(staff_app, "organiser")
    assert client.get("/en/staff/").status_code == 200
    later = routes.utcnow() + timedelta(seconds=staff_app.config[setting] + 1)
    if setting == "STAFF_SESSION_LIFETIME":  # active all along: a request every few minutes
        staff_app.config["STAFF_IDLE_TIMEOUT"] = staff_app.config[setting] + 10
    monkeypatch.setattr(routes, "utcnow", lambda: later)
    response = client.get("/en/staff/")
    assert response.status_code == 302 and "/en/staff/login" in response.headers["Location"]
    assert client.get("/en/staff/").status_code == 302


def test_the_csrf_token_changes_at_login(staff_app):
    client = staff_app.test_client()
    before = csrf(client.get("/en/staff/login").get_data(as_text=True))
    assert log_in(client, "organiser").status_code == 303
    assert csrf(client.get("/en/staff/login").get_data(as_text=True)) != before


def test_a_new_password_ends_the_other_sessions_but_not_ones_own(staff_app):
    first, second = client_as(staff_app, "admin"), client_as(staff_app, "admin")
    with staff_app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.email == "admin@staff.example"))
    response = post_form(first, f"/en/staff/users/{admin_id}", {
        "email": "admin@staff.example", "role": "admin", "active": "y", "password": "a brand new passphrase"})
    assert response.status_code == 303
    assert first.get("/en/staff/users/").status_code == 200
    assert second.get("/en/staff/users/").status_code == 302
    [(_actor, _action, _target, before, after, _source)] = audit_entries(staff_app, "user.update")
    assert before == {"password": "old"} and after == {"password": "changed"}  # never the hash


def test_the_session_cookie_after_login_is_secure_and_hidden_from_scripts(staff_app):
    staff_app.config.update(SESSION_COOKIE_SECURE=True)
    response = log_in(staff_app.test_client(), "admin")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logging_out_needs_the_form_not_a_link(staff_app):
    client = client_as(staff_app, "admin")
    assert client.get("/en/staff/logout").status_code == 405
    client.post("/en/staff/logout", data={"csrf_token": csrf(client.get("/en/staff/users/new").get_data(as_text=True))})
    assert client.get("/en/staff/").status_code == 302


def test_an_admin_creates_accounts_and_bad_input_is_refused_beside_the_field(staff_app):
    admin = client_as(staff_app, "admin")
    short = post_form(admin, "/en/staff/users/new", {"email": "new@staff.example", "role": "organiser",
                                                      "password": "short", "active": "y"})
    assert short.status_code == 400 and 'id="password-error"' in short.get_data(as_text=True)
    taken = post_form(admin, "/en/staff/users/new", {"email": "ADMIN@staff.example", "role": "organiser",
                                                      "password": PASSWORD, "active": "y"})
    assert taken.status_code == 409 and "already an account" in taken.get_data(as_text=True)
    made = post_form(admin, "/en/staff/users/new", {"email": "new@staff.example", "role": "organiser",
                                                     "password": PASSWORD, "active": "y"})
    assert made.status_code == 303
    assert log_in(staff_app.test_client(), "new").status_code == 303
    assert audit_entries(staff_app, "user.create")[-1][:3] == ("admin@staff.example", "user.create",
                                                               "user:new@staff.example")


def test_the_first_account_comes_from_the_command_line_with_the_password_on_stdin(empty_app):
    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "boss@staff.example", "--role", "admin"],
                           input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert runner.invoke(args=["users", "create", "x@staff.example", "--role", "admin"], input="short\n").exit_code == 1
    again = runner.invoke(args=["users", "create", "BOSS@staff.example", "--role", "admin"], input=PASSWORD + "\n")
    assert again.exit_code == 1 and "already an account" in again.output
    client = empty_app.test_client()
    page = client.get("/en/staff/login").get_data(as_text=True)
    response = client.post("/en/staff/login", data={"csrf_token": csrf(page), "email": "boss@staff.example",
                                                    "password": PASSWORD})
    assert response.status_code == 303


# --- campaigners launch drives ---------------------------------------------------------------

def test_a_campaigner_launches_a_drive_in_steps(staff_app):
    client = client_as(staff_app, "campaigner")
    drive_id = launch(client)
    public = staff_app.test_client()
    assert public.get("/en/drives/czechia-2027").status_code == 404  # a draft
    refused = client.post(f"/en/staff/drives/{drive_id}/state", data={
        "csrf_token": csrf(client.get(f"/en/staff/drives/{drive_id}").get_data(as_text=True)),
        "action": "publish"}, follow_redirects=True)
    assert "cannot be published before its title" in refused.get_data(as_text=True)
    assert post_form(client, f"/en/staff/drives/{drive_id}/texts/en", TEXTS).status_code == 303
    preview = client.get(f"/en/staff/drives/{drive_id}/preview").get_data(as_text=True)
    assert "Czechia, declare a moratorium" in preview and "Nothing can be signed here" in preview
    assert '<button type="submit" disabled>' in preview
    overview = client.get(f"/en/staff/drives/{drive_id}").get_data(as_text=True)
    missing = re.search(r"Missing languages: ([^.]+)\.", overview).group(1).split(", ")
    assert len(missing) == len(shipped_languages()) - 1 and "Chinese (Simplified)" in missing and "English" not in missing
    published = client.post(f"/en/staff/drives/{drive_id}/state", data={"csrf_token": csrf(overview),
                                                                        "action": "publish"})
    assert published.status_code == 303
    assert public.get("/en/drives/czechia-2027").status_code == 200
    actions = [entry[1] for entry in audit_entries(staff_app)]
    assert actions == ["drive.create", "drive.text", "drive.state"]


@pytest.mark.parametrize("fields, field, message", [
    ({"slug": "Not A Slug"}, "slug", "Lowercase letters"),
    ({"goal": "0"}, "goal", "whole number"),
    ({"goal": "many"}, "goal", None),
    ({"country": "XX"}, "country", None),
    ({"opens_on": "2027-05-01", "closes_on": "2027-01-01"}, "closes_on", "cannot close before it opens"),
    ({"target_kind": "chamber", "target_value": ""}, "target_value", "name the chamber"),
])
def test_bad_drive_settings_are_refused_beside_the_field(staff_app, fields, field, message):
    response = post_form(client_as(staff_app, "campaigner"), "/en/staff/drives/new", {**DRIVE, **fields})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and (message is None or message in html)
    with staff_app.app_context():
        assert db.session.scalar(select(Drive.id)) is None


def test_a_letter_template_is_checked_when_saved(staff_app):
    client = client_as(staff_app, "campaigner")
    drive_id = launch(client)
    response = post_form(client, f"/en/staff/drives/{drive_id}/texts/en", {
        **TEXTS, "letter_subject": "Hi", "letter_body": "{{ signer_name.__class__.__mro__ }}"})
    assert response.status_code == 400 and "This template cannot be used" in response.get_data(as_text=True)


# --- data edits need a source ----------------------------------------------------------------

TREATY = {"iso2": "CZ", "dispute": "", "disputed_since": "", "signed_on": "2026-05", "signed_verified": "yes",
          "signed_by": "", "in_force_on": "", "in_force_verified": "", "in_force_by": "", "status_basis": "sourced",
          "sources": "", "public_note": "", "research_note": "Tried the Czech MFA site first."}
FIRST = "[Czech Republic and China sign extradition treaty](https://www.reuters.com/a)"  # made up for the test
SECOND = "[Czech extradition treaty enters into force](https://www.reuters.com/b)"


def test_a_data_change_needs_a_source_and_shows_at_once(staff_app):
    register_reuters(staff_app)
    client = client_as(staff_app, "campaigner")
    public = staff_app.test_client()
    assert "reuters.com/a" not in public.get("/en/countries/cz").get_data(as_text=True)
    refused = post_form(client, "/en/staff/data/treaties/new", TREATY)
    assert refused.status_code == 400 and 'id="change_source-error"' in refused.get_data(as_text=True)
    bad_date = post_form(client, "/en/staff/data/treaties/new", {**TREATY, "signed_on": "2026-13",
                                                                 "change_source": FIRST})
    assert bad_date.status_code == 400 and 'id="c-signed_on-error"' in bad_date.get_data(as_text=True)
    unregistered = post_form(client, "/en/staff/data/treaties/new", {
        **TREATY, "change_source": "[A diary](https://mixi.jp/view_diary.pl?id=1)"})
    assert unregistered.status_code == 400
    assert "mixi.jp is not a registered publisher" in unregistered.get_data(as_text=True)
    saved = post_form(client, "/en/staff/data/treaties/new", {**TREATY, "change_source": FIRST})
    assert saved.status_code == 303, re.findall(r'class="error"[^>]*>([^<]*)', saved.get_data(as_text=True))
    page = public.get("/en/countries/cz").get_data(as_text=True)
    assert '<bdi class="publisher">Reuters</bdi> (press): ' in page and "https://www.reuters.com/a" in page
    assert "Tried the Czech MFA site" not in page, "a research note is never public"
    [(actor, action, target, before, after, source)] = audit_entries(staff_app, "data.treaties")
    assert (actor, target, before, source) == ("campaigner@staff.example", "treaties:CZ", None, FIRST)
    assert after["sources"] == FIRST
    edited = post_form(client, "/en/staff/data/treaties/CZ", {**TREATY, "sources": FIRST,
                                                               "in_force_on": "2026-11-01", "in_force_verified": "yes",
                                                               "change_source": SECOND})
    assert edited.status_code == 303
    *_, before, after, source = audit_entries(staff_app, "data.treaties")[-1]
    assert before == {"in_force_on": "", "sources": FIRST}
    assert after == {"in_force_on": "2026-11-01", "sources": f"{FIRST} | {SECOND}"}
    assert source == SECOND


def test_an_edited_public_text_shows_in_english_until_translated(staff_app):
    from app.staff.data import as_cells
    from app.treaties.loader import SPECS
    from app.treaties.models import Case

    assert staff_app.test_cli_runner().invoke(args=["data", "load"]).exit_code == 0
    client = client_as(staff_app, "campaigner")
    public = staff_app.test_client()
    key = "se-2019-qiao-jianjun"
    with staff_app.app_context():
        cells = as_cells(SPECS["cases.csv"], db.session.scalar(select(Case).where(Case.key == key)))
    assert '<bdi lang="en">' not in public.get("/zh-hans/countries/se").get_data(as_text=True)
    summary = "Sweden's Supreme Court refused on 9 July 2019 to extradite Qiao Jianjun to China."
    post_form(client, f"/en/staff/data/cases/{key}", {**cells, "summary": summary, "change_source": FIRST})
    listing = client.get("/en/staff/data/cases/").get_data(as_text=True)
    assert "translations of the public text you changed are stale" in listing
    stale = public.get("/zh-hans/countries/se").get_data(as_text=True)
    assert f'<bdi lang="en">{escape(summary)}</bdi>' in stale
    assert stale.count('<bdi lang="en">') == 1, "the untouched person and court stay translated"


# --- legislators --------------------------------------------------------------------------------

def test_legislators_are_imported_from_an_upload_and_edited(staff_app):
    client = client_as(staff_app, "campaigner")
    csv_text = ("id,country,name,chamber,party,region,email,language,active\n"
                "mp-1,SE,Anna Andersson,Riksdag,S,Stockholm,anna@riksdagen.example,sv,yes\n")
    page = client.get("/en/staff/legislators/").get_data(as_text=True)
    response = client.post("/en/staff/legislators/", data={
        "csrf_token": csrf(page), "file": (io.BytesIO(csv_text.encode()), "riksdag.csv"), "country": "",
        "language": ""}, content_type="multipart/form-data")
    assert response.status_code == 303
    bad = client.post("/en/staff/legislators/", data={
        "csrf_token": csrf(page), "file": (io.BytesIO(b"id,country\nx,SE\n"), "bad.csv")},
        content_type="multipart/form-data")
    assert bad.status_code == 400 and "bad.csv, line 1: missing columns" in bad.get_data(as_text=True)
    with staff_app.app_context():
        person_id = db.session.scalar(select(Legislator.id))
    edit = post_form(client, f"/en/staff/legislators/{person_id}", {
        "name": "Anna Andersson", "title": "Dr", "chamber": "Riksdag", "party": "S", "region": "Stockholm",
        "email": "anna@riksdagen.example", "language": "klingon!", "active": "y"})
    assert edit.status_code == 400 and 'id="language-error"' in edit.get_data(as_text=True)
    edit = post_form(client, f"/en/staff/legislators/{person_id}", {
        "name": "Anna Andersson", "title": "Dr", "chamber": "Riksdag", "party": "S", "region": "Stockholm",
        "email": "anna@riksdagen.example", "language": "sv", "active": "y"})
    assert edit.status_code == 303
    actions = [(entry[1], entry[4]) for entry in audit_entries(staff_app)]
    assert actions == [("legislators.import", {"created": 1, "updated": 0, "unchanged": 0}),
                       ("legislator.update", {"title": "Dr"})]


# --- the audit log -----------------------------------------------------------------------------

def test_admins_read_and_filter_the_audit_log(staff_app):
    launch(client_as(staff_app, "campaigner"))
    admin = client_as(staff_app, "admin")
    page = admin.get("/en/staff/audit/?action=drive").get_data(as_text=True)
    assert "drive:czechia-2027" in page and "campaigner@staff.example" in page
    assert "drive:czechia-2027" not in admin.get("/en/staff/audit/?action=user").get_data(as_text=True)
    bad = admin.get("/en/staff/audit/?since=yesterday")
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.get_data(as_text=True)


@pytest.mark.browser
def test_a_campaigner_logs_in_and_launches_a_drive_in_a_browser(staff_app, browser):
    with serve(staff_app) as url:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(f"{url}/en/staff/")
        assert "/en/staff/login" in page.url
        page.get_by_label("E-mail address").fill("campaigner@staff.example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("link", name="Launch a drive").click()
        page.get_by_label("Country").select_option("PL")
        page.get_by_label("Address (slug)").fill("poland-2027")
        page.get_by_label("Goal (signatures)").fill("20000")
        page.get_by_role("button", name="Save").click()
        page.get_by_label("Title").fill("Poland, declare a moratorium")
        page.get_by_label("Summary").fill("Polish courts refused.")
        page.get_by_label("Petition text").fill("We call on Poland to stop extraditions to China.")
        page.get_by_role("button", name="Save").click()
        page.get_by_role("button", name="Publish").click()
        assert "The drive is published: it is open for signatures." in page.locator("main").inner_text()
        page.goto(f"{url}/en/drives/poland-2027")
        assert page.locator("h1").inner_text() == "Poland, declare a moratorium"
        context.close()
    assert [entry[1] for entry in audit_entries(staff_app)] == ["drive.create", "drive.text", "drive.state"]


def test_changes_from_the_command_line_are_in_the_audit_log_too(staff_app, tmp_path):
    from tests.helpers import DRIVE_YAML
    runner = staff_app.test_cli_runner()
    drive_file = tmp_path / "drive.yaml"
    drive_file.write_text(DRIVE_YAML.format(state="open"), encoding="utf-8")
    people = tmp_path / "people.csv"
    people.write_text("id,country,name,chamber,party,region,email,language,active\n"
                      "mp-1,SE,Anna,Riksdag,S,Stockholm,anna@riksdagen.example,sv,yes\n", encoding="utf-8")
    for args in (["data", "load"], ["drives", "create", "--file", str(drive_file)],
                 ["drives", "update", "--file", str(drive_file)], ["legislators", "import", str(people)]):
        assert runner.invoke(args=args).exit_code == 0, args
    entries = audit_entries(staff_app)
    assert [(actor, action) for actor, action, *_ in entries] == [
        ("command line", "data.load"), ("command line", "drive.create"), ("command line", "drive.update"),
        ("command line", "legislators.import")]
    assert entries[0][4]["treaties.csv"]["created"] > 40


PUBLISHER = {"key": "example-news.org", "name": "Example News", "kind": "press", "identifies": "example-news.org"}


def test_a_campaigner_registers_a_publisher_and_cannot_orphan_a_source(staff_app):
    register_reuters(staff_app)
    client = client_as(staff_app, "campaigner")
    about = "[About Example News](https://example-news.org/about)"  # its own site: how a new host gets in
    assert post_form(client, "/en/staff/data/publishers/new", {**PUBLISHER, "change_source": about}).status_code == 303
    cited = "[Example News reports a treaty](https://example-news.org/treaty)"
    saved = post_form(client, "/en/staff/data/treaties/new", {**TREATY, "sources": cited, "change_source": FIRST})
    assert saved.status_code == 303
    moved = post_form(client, "/en/staff/data/publishers/example-news.org",
                      {**PUBLISHER, "identifies": "example-news.example", "change_source": about})
    assert moved.status_code == 400
    assert "treaties.csv, row CZ (in the database), column sources: example-news.org is not a registered" in (
        html.unescape(moved.get_data(as_text=True)))
    assert "example-news.org/treaty" in staff_app.test_client().get("/en/countries/cz").get_data(as_text=True)


def test_rows_whose_key_has_a_slash_can_be_edited(staff_app):
    from app.treaties.models import Publisher

    with staff_app.app_context():
        db.session.add(Publisher(key="austlii.edu.au/nz/cases/NZCA", name="Court of Appeal of New Zealand",
                                 kind="court", identifies=["austlii.edu.au/nz/cases/NZCA"]))
        db.session.commit()
    client = client_as(staff_app, "campaigner")
    listing = client.get("/en/staff/data/publishers/").get_data(as_text=True)
    assert 'href="/en/staff/data/publishers/austlii.edu.au/nz/cases/NZCA"' in listing
    assert client.get("/en/staff/data/publishers/austlii.edu.au/nz/cases/NZCA").status_code == 200


def test_a_legal_basis_is_edited_with_a_registered_source(staff_app):
    register_reuters(staff_app)
    client = client_as(staff_app, "campaigner")
    basis = {"iso2": "CZ", "basis": "case_by_case", "sources": "", "public_note": "Czech law allows it.",
             "research_note": ""}
    assert post_form(client, "/en/staff/data/legal_basis/new", {**basis, "change_source": FIRST}).status_code == 303
    page = staff_app.test_client().get("/en/countries/cz").get_data(as_text=True)
    assert "Its law allows extradition without a treaty, case by case." in page and "Czech law allows it." in page


@pytest.mark.parametrize("title", ["Czechia,\rdeclare a moratorium", "Czechia,\u2028declare", "Czechia\x07"])
def test_a_title_that_would_break_a_mail_header_is_refused(staff_app, title):
    client = client_as(staff_app, "campaigner")
    drive_id = launch(client)
    response = post_form(client, f"/en/staff/drives/{drive_id}/texts/en", {**TEXTS, "title": title})
    assert response.status_code == 400 and "Please keep this to one line." in response.get_data(as_text=True)
