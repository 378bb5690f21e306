"""Signing a country petition: double opt-in through a real SMTP server, exact counts."""

import re
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import delete as sa_delete
from sqlalchemy import func, select

from app.extensions import db
from app.outbox.models import OutboxMessage
from app.petitions.models import Drive, Signature
from app.records import today
from tests.helpers import axe_violations, csrf_from, deliver, link, press, run_together, selects, serve, set_drive, sign


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def confirmed_count(app):
    with app.app_context():
        return db.session.scalar(select(Drive.confirmed_count))


def test_sign_confirm_by_mail_and_count_once(petition_app, inbox):
    client = petition_app.test_client()
    response = sign(client)
    assert response.status_code == 303 and response.headers["Location"].endswith("/check-your-mail")
    assert count(petition_app, Signature) == 1 and confirmed_count(petition_app) == 0
    assert inbox.messages == []  # nothing leaves before a worker runs
    deliver(petition_app)
    [message] = inbox.to("anna@example.org")
    assert message["Subject"] == "Please confirm your signature: Sweden, declare a moratorium"
    assert message.get_body(preferencelist=("html",)) is not None
    confirm = link(message, "confirm")
    client.get(confirm)  # a link scanner opening the link...
    assert confirmed_count(petition_app) == 0  # ...confirms nothing
    assert "confirmed and counted" in press(client, confirm).get_data(as_text=True)
    assert confirmed_count(petition_app) == 1
    assert "already confirmed" in press(client, confirm).get_data(as_text=True)
    assert confirmed_count(petition_app) == 1
    assert client.get("/api/v1/drives/sweden-2026").get_json()["confirmed"] == 1
    assert "<strong>1</strong> confirmed signature" in client.get("/en/drives/sweden-2026").get_data(as_text=True)


def test_the_cached_drive_page_gives_each_visitor_their_own_token(petition_app):
    petition_app.config["PAGE_REVISION_TTL"] = 3600  # no revision read in between
    first, second = petition_app.test_client(), petition_app.test_client()
    page_one = first.get("/en/drives/sweden-2026").get_data(as_text=True)
    page_two, statements = selects(petition_app, second, "/en/drives/sweden-2026")
    one, two = csrf_from(page_one), csrf_from(page_two)
    # The second view came from the cache: one query (the drive's counts), not the texts, the
    # targets and the rest; it is the same page but for the visitor's own token.
    assert len(statements) == 1, statements
    assert one != two and page_one.replace(one, "") == page_two.replace(two, "")
    data = {"name": "Anna", "email": "anna@example.org", "residence": "SE", "accept_privacy": "y"}
    assert second.post("/en/drives/sweden-2026", data={**data, "csrf_token": one}).status_code == 400
    assert second.post("/en/drives/sweden-2026", data={**data, "csrf_token": two}).status_code == 303


def test_the_mail_is_in_the_signers_language(petition_app, inbox):
    sign(petition_app.test_client(), locale="zh-hans", email="li@example.org")
    deliver(petition_app)
    [message] = inbox.to("li@example.org")
    assert message["Subject"] == "请确认您的签名：瑞典，请宣布暂停向中国引渡"
    assert "/zh-hans/signatures/confirm/" in message.get_body(preferencelist=("plain",)).get_content()
    assert 'lang="zh-Hans"' in message.get_body(preferencelist=("html",)).get_content()


def test_signing_again_looks_the_same_and_resends_a_few_times(petition_app, inbox):
    client = petition_app.test_client()
    first = sign(client)
    again = [sign(client, email=address) for address in ["ANNA@example.org", "Anna@Example.org", "anna@EXAMPLE.org", "anna@example.org"]]
    assert all(r.status_code == 303 and r.headers["Location"] == first.headers["Location"] for r in again)
    assert count(petition_app, Signature) == 1
    deliver(petition_app)
    assert len(inbox.to("anna@example.org")) == 3  # the first and two more, then no more


@pytest.mark.parametrize("fields, field, message", [
    ({"name": "   "}, "name", "Please give your name."),
    ({"name": "x" * 201}, "name", "to 200 characters or fewer"),
    ({"name": "Anna\u0000Berg"}, "name", "control characters"),
    ({"name": "Anna\u202eBerg"}, "name", "control characters"),
    ({"email": "not-an-address"}, "email", "does not look like an e-mail address"),
    ({"email": "anna@example.org\r\nBcc: victim@example.org"}, "email", None),
    ({"email": ""}, "email", "Please give your e-mail address"),
    ({"email": "ånna@exämple.org"}, "email", "does not look like an e-mail address"),
    ({"residence": "XX"}, "residence", "Please choose a country from the list."),
    ({"residence": ""}, "residence", "Please choose your country of residence."),
    ({"region": "r" * 101}, "region", "to 100 characters or fewer"),
    ({"accept_privacy": None}, "accept_privacy", "Please accept the privacy notice"),
])
def test_bad_input_is_refused_beside_the_field_and_stores_nothing(petition_app, fields, field, message):
    response = sign(petition_app.test_client(), **fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    if message:
        assert message in html
    assert count(petition_app, Signature) == 0 and count(petition_app, OutboxMessage) == 0


def test_input_is_trimmed_and_normalised(petition_app):
    sign(petition_app.test_client(), name="  Ame\u0301lie Durand ", region=" 75011 ")
    with petition_app.app_context():
        signature = db.session.scalar(select(Signature))
    assert (signature.name, signature.region) == ("Amélie Durand", "75011")


def test_a_form_without_its_csrf_token_is_shown_again_as_filled_in(petition_app):
    response = petition_app.test_client().post("/en/drives/sweden-2026", data={"name": "Anna Berg"})
    assert response.status_code == 400 and count(petition_app, Signature) == 0
    html = response.get_data(as_text=True)
    assert "This form expired. Please send it again." in html and 'value="Anna Berg"' in html


def test_a_bot_filling_the_honeypot_sees_success_and_stores_nothing(petition_app):
    response = sign(petition_app.test_client(), website="http://spam.example")
    assert response.status_code == 303
    assert count(petition_app, Signature) == 0 and count(petition_app, OutboxMessage) == 0


def test_signing_is_rate_limited_per_client(petition_app):
    petition_app.config["SIGN_RATE_LIMIT"] = "3 per minute"
    client = petition_app.test_client()
    statuses = [sign(client, email=f"p{i}@example.org").status_code for i in range(4)]
    assert statuses == [303, 303, 303, 429]
    assert count(petition_app, Signature) == 3


def test_a_closed_drive_can_be_neither_signed_nor_confirmed(petition_app, inbox, tmp_path):
    client = petition_app.test_client()
    sign(client)
    deliver(petition_app)
    set_drive(petition_app, tmp_path, "closed", "update")
    page = client.get("/en/drives/sweden-2026").get_data(as_text=True)
    assert "closed and can no longer be signed" in page and '<form method="post"' not in page
    with petition_app.app_context():  # closed through its file as through the back office: retention runs from today
        assert db.session.scalar(select(Drive.closes_on)) == today()
    confirm = link(inbox.to("anna@example.org")[0], "confirm")
    page = client.get(confirm)
    response = client.post(confirm, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 409 and "closed" in response.get_data(as_text=True)
    assert confirmed_count(petition_app) == 0


def test_posting_to_a_closed_drive_is_refused(petition_app, tmp_path):
    client = petition_app.test_client()
    page = client.get("/en/drives/sweden-2026").get_data(as_text=True)
    set_drive(petition_app, tmp_path, "closed", "update")
    response = client.post("/en/drives/sweden-2026", data={
        "csrf_token": csrf_from(page), "name": "Anna", "email": "anna@example.org",
        "residence": "SE", "accept_privacy": "y"})
    assert response.status_code == 409 and count(petition_app, Signature) == 0


def test_withdrawing_deletes_and_uncounts(petition_app, inbox):
    client = petition_app.test_client()
    sign(client)
    deliver(petition_app)
    message = inbox.to("anna@example.org")[0]
    press(client, link(message, "confirm"))
    assert confirmed_count(petition_app) == 1
    assert "withdrawn" in press(client, link(message, "withdraw")).get_data(as_text=True)
    assert count(petition_app, Signature) == 0 and confirmed_count(petition_app) == 0
    assert "no such signature" in press(client, link(message, "withdraw")).get_data(as_text=True)
    assert confirmed_count(petition_app) == 0


def test_stopping_updates_keeps_the_signature(petition_app, inbox):
    client = petition_app.test_client()
    sign(client, consent_updates="y")
    deliver(petition_app)
    press(client, link(inbox.to("anna@example.org")[0], "unsubscribe"))
    with petition_app.app_context():
        signature = db.session.scalar(select(Signature))
    assert signature is not None and signature.consent_updates is False


@pytest.mark.parametrize("purpose", ["confirm", "withdraw", "unsubscribe"])
def test_a_forged_link_is_refused(petition_app, purpose):
    response = petition_app.test_client().get(f"/en/signatures/{purpose}/MQ.forged.token")
    assert response.status_code == 404 and "not valid" in response.get_data(as_text=True)


def test_a_confirmation_link_expires(petition_app, inbox):
    client = petition_app.test_client()
    sign(client)
    deliver(petition_app)
    petition_app.config["CONFIRMATION_MAX_AGE"] = -1
    assert client.get(link(inbox.to("anna@example.org")[0], "confirm")).status_code == 404


def test_simultaneous_signatures_count_exactly(petition_app, inbox):
    # 8 people sign at once, and 4 of them twice more in different case.
    pages = {}

    def one(i):
        client = petition_app.test_client()
        address = f"Person{i % 8}@example.org" if i < 8 else f"PERSON{i % 4}@EXAMPLE.ORG"
        response = sign(client, email=address)
        pages[i] = response.status_code

    run_together(16, one)
    assert set(pages.values()) == {303}
    assert count(petition_app, Signature) == 8
    deliver(petition_app)
    received = Counter(m["To"].lower() for m in inbox.messages)
    # Persons 0-3 signed three times: the first mail and two re-sends; 4-7 once: one mail.
    assert received == {f"person{i}@example.org": 3 if i < 4 else 1 for i in range(8)}

    def confirm_all(i):
        message = next(m for m in inbox.messages if m["To"].lower() == f"person{i % 8}@example.org")
        press(petition_app.test_client(), link(message, "confirm"))

    run_together(16, confirm_all)  # everyone confirms twice, at the same time
    assert confirmed_count(petition_app) == 8


@pytest.mark.browser
def test_a_person_signs_and_confirms_in_a_browser_without_javascript(petition_app, inbox, browser):
    petition_app.config["SERVER_NAME"] = None
    with serve(petition_app) as url:
        petition_app.config["PUBLIC_URL"] = url  # links must point at the live server
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(f"{url}/en/countries/se")
        page.get_by_role("link", name=re.compile("Sign the petition")).click()
        page.get_by_label("Full name").fill("Ingrid Svensson")
        page.get_by_label("E-mail address").fill("ingrid@example.org")
        page.get_by_label("Country of residence").select_option("SE")
        page.get_by_label("I have read the privacy notice").check()
        page.get_by_role("button", name="Sign").click()
        assert page.locator("h1").inner_text() == "Check your e-mail"
        deliver(petition_app)
        [message] = inbox.to("ingrid@example.org")
        text = message.get_body(preferencelist=("plain",)).get_content()
        page.goto(re.search(r"http://\S+/signatures/confirm/\S+", text).group(0))
        page.get_by_role("button", name="Confirm your signature").click()
        assert "confirmed and counted" in page.locator("main").inner_text()
        page.goto(f"{url}/en/drives/sweden-2026")
        assert "1 confirmed signature" in page.locator(".progress").inner_text()
        context.close()
        # The drive page, with its form's error messages showing, passes axe-core too.
        scripted = browser.new_context()
        page = scripted.new_page()
        page.goto(f"{url}/zh-hans/drives/sweden-2026")
        page.locator("form button[type=submit]").click()
        assert page.locator(".error").count() >= 3
        assert axe_violations(page) == []
        scripted.close()


def test_a_draft_drive_is_not_public(empty_app, tmp_path):
    set_drive(empty_app, tmp_path, "draft", "create")
    client = empty_app.test_client()
    assert client.get("/en/drives/sweden-2026").status_code == 404
    assert client.get("/api/v1/drives/sweden-2026").status_code == 404
    assert "There is no open petition for Sweden yet." in client.get("/en/countries/se").get_data(as_text=True)


def test_the_country_page_links_its_open_drive_in_the_visitors_language(petition_app):
    assert petition_app.test_cli_runner().invoke(args=["data", "load"]).exit_code == 0  # its cases too
    response = petition_app.test_client().get("/zh-hans/countries/se")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="/zh-hans/drives/sweden-2026"' in html and "瑞典，请宣布暂停向中国引渡" in html
    assert "乔建军" in html  # the case below the drive, in the data's own translation


def test_a_missing_translation_falls_back_to_the_main_language_visibly(petition_app):
    with petition_app.app_context():
        from app.petitions.models import DriveText

        db.session.execute(sa_delete(DriveText).where(DriveText.locale == "zh-hans"))
        db.session.commit()
    html = petition_app.test_client().get("/zh-hans/drives/sweden-2026").get_data(as_text=True)
    assert '<h1 lang="en" dir="ltr">Sweden, declare a moratorium</h1>' in html
    assert 'class="caveat"' in html


@pytest.mark.parametrize("content, message", [
    ("slug: Bad Slug\n", "slug: Lowercase letters, digits and hyphens only"),
    ("slug: ok\ncountry: XX\n", "country: 'XX' is not an ISO"),
    ("slug: ok\ncountry: SE\nstate: open\ngoal: 0\n", "goal: Please give a whole number of signatures."),
    ("slug: ok\ncountry: SE\ngoal: 5\nopens_on: 2027-01-01\ncloses_on: 2026-01-01\n", "closes_on: The drive cannot close before it opens."),
    ("slug: ok\ncountry: SE\ngoal: 5\ntexts: {fr: {title: a, summary: b, petition: c}}\n", "give at least the main language (en)"),
    ("slug: ok\ncountry: SE\ngoal: 5\ncolour: red\n", "unknown fields: colour"),
    ("- not a mapping\n", "must be a mapping"),
    ("slug: [unclosed\n", "while parsing"),
    ('slug: ok\ncountry: SE\ngoal: 5\ntexts: {en: {title: "A\\rB", summary: b, petition: c}}\n',
     "texts.en.title: Please keep this to one line."),
    ("slug: ok\ncountry: SE\ngoal: 5\ntexts: {en: {title: " + "x" * 201 + ", summary: b, petition: c}}\n",
     "texts.en.title: Please keep this to 200 characters or fewer."),
])
def test_a_bad_drive_file_is_refused_with_a_message(empty_app, tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    result = empty_app.test_cli_runner().invoke(args=["drives", "create", "--file", str(path)])
    assert result.exit_code != 0 and message in result.output
    assert count(empty_app, Drive) == 0


def test_the_example_drive_file_loads(empty_app):
    from app.config import ROOT

    result = empty_app.test_cli_runner().invoke(args=["drives", "create", "--file", str(ROOT / "examples/drive-sweden.yaml")])
    assert result.exit_code == 0, result.output
    assert "drive sweden-moratorium: open, en, zh-hans" in result.output


def test_an_old_link_never_touches_a_later_signature_with_the_same_id(petition_app, inbox):
    client = petition_app.test_client()
    sign(client, email="first@example.org")
    deliver(petition_app)
    withdraw_first = link(inbox.to("first@example.org")[0], "withdraw")
    press(client, withdraw_first)
    sign(client, email="second@example.org")  # SQLite may hand out the freed id again
    assert "no such signature" in press(client, withdraw_first).get_data(as_text=True)
    assert count(petition_app, Signature) == 1


def test_stopping_updates_after_withdrawing_says_there_is_no_signature(petition_app, inbox):
    client = petition_app.test_client()
    sign(client, consent_updates="y")
    deliver(petition_app)
    message = inbox.to("anna@example.org")[0]
    press(client, link(message, "withdraw"))
    assert "no such signature" in press(client, link(message, "unsubscribe")).get_data(as_text=True)


@pytest.mark.parametrize("path", ["/en/drives/%00", "/api/v1/drives/%00", "/en/drives/" + "x" * 300])
def test_odd_slugs_are_a_404(petition_app, path):
    assert petition_app.test_client().get(path).status_code == 404


def test_an_oversized_post_is_refused_before_it_is_read(petition_app):
    response = sign(petition_app.test_client(), name="x" * 100_000)
    assert response.status_code == 413 and count(petition_app, Signature) == 0


def test_rate_limits_can_live_in_redis_shared_by_every_process(databases):
    import uuid

    import redis

    from tests.helpers import migrated_app, unavailable

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379").ping()
    except redis.ConnectionError:
        unavailable("Redis at 127.0.0.1:6379 is not reachable")
    prefix = f"moratorium-test-{uuid.uuid4().hex[:8]}"
    settings = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379", "RATELIMIT_KEY_PREFIX": prefix,
                "SIGN_RATE_LIMIT": "2 per minute"}
    url = databases.new()
    first, second = migrated_app(url, settings), migrated_app(url, settings)  # two "processes"
    path = Path(__file__).resolve().parent.parent / "examples" / "drive-sweden.yaml"
    assert first.test_cli_runner().invoke(args=["drives", "create", "--file", str(path)]).exit_code == 0
    statuses = [sign_example(app.test_client(), i) for i, app in enumerate([first, second, first])]
    assert statuses == [303, 303, 429]
    client = redis.Redis.from_url("redis://127.0.0.1:6379")
    keys = client.keys(f"*{prefix}*")
    # The client is counted under a keyed hash: no raw address reaches Redis.
    assert keys and not any(b"127.0.0.1" in key for key in keys)
    client.delete(*keys)


def test_in_memory_rate_limits_restart_their_timer_once_under_threads(petition_app):
    # limits' own memory storage checks and restarts its expiry timer without a lock, so two
    # request threads could start one timer twice ("threads can only be started once": a 500).
    import time

    from limits.storage import storage_from_string

    assert petition_app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    storage = storage_from_string("memory://")
    storage.timer.join()
    checks = []

    class DeadTimer:
        def is_alive(self):
            checks.append(threading.get_ident())
            time.sleep(0.05)  # long enough for every other thread to reach the same check
            return False

    storage.timer = DeadTimer()
    run_together(8, lambda i: storage.incr(f"key-{i}", 60))
    # One thread found the timer dead and started a new one; the rest found the new one alive.
    assert len(checks) == 1
    assert [storage.get(f"key-{i}") for i in range(8)] == [1] * 8


def sign_example(client, i):
    page = client.get("/en/drives/sweden-moratorium").get_data(as_text=True)
    return client.post("/en/drives/sweden-moratorium", data={
        "csrf_token": csrf_from(page), "name": "Anna", "email": f"r{i}@example.org",
        "residence": "SE", "accept_privacy": "y"}).status_code


def test_mail_links_are_on_the_public_address_whatever_host_the_request_names(petition_app, inbox):
    client = petition_app.test_client()
    page = client.get("/en/drives/sweden-2026", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "http://evil.example" not in page, "the share links are on the public address too"
    response = client.post("/en/drives/sweden-2026", headers={"Host": "evil.example"}, data={
        "csrf_token": csrf_from(page), "name": "Anna Berg", "email": "anna@example.org", "residence": "SE",
        "region": "", "accept_privacy": "y"})
    assert response.status_code == 303
    deliver(petition_app)
    [message] = inbox.to("anna@example.org")
    for part in ("plain", "html"):
        text = message.get_body(preferencelist=(part,)).get_content()
        assert "evil.example" not in text
        assert len(re.findall(r"http://moratorium\.test/en/signatures/(?:confirm|withdraw|unsubscribe)/", text)) == 3


def test_a_links_readable_part_holds_no_plain_digest_of_the_address(petition_app, inbox):
    import base64
    import hashlib
    import json

    from app import tokens

    client = petition_app.test_client()
    sign(client)
    deliver(petition_app)
    token = link(inbox.to("anna@example.org")[0], "withdraw").rsplit("/", 1)[1]
    payload = token.split(".")[0]
    _id, print_ = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert print_ != hashlib.blake2b(b"anna@example.org", digest_size=6).hexdigest()
    # A withdraw link from a mail sent before the digest was keyed still works.
    with petition_app.test_request_context():
        old = tokens.serializer(tokens.WITHDRAW).dumps([_id, tokens.legacy_fingerprint("anna@example.org")])
    assert "withdrawn" in press(client, f"/en/signatures/withdraw/{old}").get_data(as_text=True)
