"""Updates to a drive's supporters: written and published in the back office, mailed once, through a
real SMTP server and the real outbox worker, to every consenting signer in their language."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import config
from app.audit import AuditEntry
from app.extensions import db
from app.keys import email_key
from app.outbox.models import MessageState, OutboxMessage
from app.outbox.services import work
from app.petitions.models import Drive, DriveState, Signature, SignatureState
from app.records import as_utc, utcnow
from app.staff.auth import new_user
from app.updates import publishing
from app.updates.models import Update
from tests.helpers import body, csrf_from, link, press, run_together
from tests.staff import PASSWORD, ROLES, client_as, post_form

EN = ("Petition handed over to the Riksdag", "We handed over 1,000 signatures.\n\nRead more: https://example.org/news.")
SV = ("Namninsamlingen överlämnad till riksdagen", "Vi överlämnade 1 000 namnunderskrifter.")


@pytest.fixture
def updates_app(petition_app):
    """petition_app's drive (sweden-2026, main language English) and one staff account per role."""
    petition_app.config.update(RATELIMIT_ENABLED=False)
    with petition_app.app_context():
        for role in ROLES:
            db.session.add(new_user(f"{role}@staff.example", PASSWORD, role))
        db.session.commit()
    return petition_app


def drive_id(app, slug="sweden-2026"):
    with app.app_context():
        return db.session.scalar(select(Drive.id).where(Drive.slug == slug))


def other_drive(app):
    with app.app_context():
        drive = Drive(slug="norway-2026", iso2="NO", goal=100, main_locale="en", state=DriveState.OPEN)
        db.session.add(drive)
        db.session.commit()
        return drive.id


def signer(app, address, locale="en", consent=True, state=SignatureState.CONFIRMED, drive=None):
    """A signature as signing and confirming leave it (those are tested in test_petitions.py)."""
    with app.app_context():
        signature = Signature(drive_id=drive or drive_id(app), name="Signer", email=address,
                              email_key=email_key(address), residence="SE", region="", locale=locale,
                              consent_updates=consent, state=state)
        db.session.add(signature)
        db.session.commit()
        return signature.id


def write_update(client, drive, texts=(("en", EN), ("sv", SV)), **facts):
    """Through the back office's forms: the kind and facts, then each language's title and body."""
    fields = {"kind": "news", "happened_on": "", "handed_to": "", "signatures_handed": "", "link": "",
              "outcome": "", **facts}
    response = post_form(client, f"/en/staff/drives/{drive}/updates/new", fields)
    assert response.status_code == 303, response.get_data(as_text=True)
    update = int(re.search(r"/updates/(\d+)/texts/", response.headers["Location"]).group(1))
    for tag, (title, text) in texts:
        path = f"/en/staff/drives/{drive}/updates/{update}/texts/{tag}"
        assert post_form(client, path, {"title": title, "body": text}).status_code == 303
    return update


def press_publish(client, drive, update, mail_it=True):
    page = client.get(f"/en/staff/drives/{drive}/updates/{update}").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), **({"mail_it": "y"} if mail_it else {})}
    response = client.post(f"/en/staff/drives/{drive}/updates/{update}/publish", data=data)
    assert response.status_code == 303
    return client.get(response.headers["Location"]).get_data(as_text=True)


def outbox(app, **where):
    with app.app_context():
        return db.session.scalars(select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)).all()


def deliver_all(app, now=None):
    with app.app_context():
        return work(now=now)


# --- who gets it ----------------------------------------------------------------------------------

def test_an_update_reaches_every_consenting_signer_once_in_their_language_and_nobody_else(updates_app, inbox):
    app = updates_app
    norway = other_drive(app)
    for address, locale in (("en@example.org", "en"), ("sv@example.org", "sv"), ("ar@example.org", "ar")):
        signer(app, address, locale)
    signer(app, "pending@example.org", state=SignatureState.PENDING)
    signer(app, "no-consent@example.org", consent=False)
    signer(app, "norway@example.org", drive=norway)
    leaving, withdrawing = signer(app, "leaving@example.org"), signer(app, "withdrawing@example.org")
    client = client_as(app, "campaigner")
    update = write_update(client, drive_id(app))
    assert inbox.messages == [] and outbox(app) == []  # a draft is nobody's mail

    page = press_publish(client, drive_id(app), update)
    assert "published and queued for 5 supporters" in page
    with app.app_context():  # after the queueing: one stops updates, one withdraws
        db.session.get(Signature, leaving).consent_updates = False
        db.session.delete(db.session.get(Signature, withdrawing))
        db.session.commit()
    assert deliver_all(app) == 3

    received = sorted(m["To"] for m in inbox.messages)
    assert received == ["ar@example.org", "en@example.org", "sv@example.org"]
    assert inbox.to("sv@example.org")[0]["Subject"] == SV[0]
    assert inbox.to("en@example.org")[0]["Subject"] == EN[0]
    assert inbox.to("ar@example.org")[0]["Subject"] == EN[0]  # no Arabic text: the drive's main language
    text = body(inbox.to("en@example.org")[0])
    assert "We handed over 1,000 signatures." in text and "https://example.org/news." in text
    assert f"http://moratorium.test/en/drives/sweden-2026#update-{update}" in text
    assert 'dir="rtl"' in inbox.to("ar@example.org")[0].get_body(preferencelist=("html",)).get_content()
    with app.app_context():
        assert db.session.get(Update, update).mailed_count == 5
    states = sorted(m.state for m in outbox(app, update_id=update))
    assert states == ["dropped", "dropped", "sent", "sent", "sent"]
    assert deliver_all(app) == 0 and len(inbox.messages) == 3  # once


def test_pressing_mail_again_queues_nothing_more(updates_app, inbox):
    app = updates_app
    signer(app, "one@example.org")
    client = client_as(app, "campaigner")
    drive = drive_id(app)
    update = write_update(client, drive)
    assert "published." in press_publish(client, drive, update, mail_it=False)
    assert outbox(app) == []
    page = press_publish(client, drive, update)  # published first, mailed later
    assert "queued for 1 supporter." in page and ", to 1 supporter</dd>" in page
    assert "never mailed twice" in press_publish(client, drive, update)
    assert len(outbox(app, update_id=update)) == 1
    deliver_all(app)
    assert len(inbox.to("one@example.org")) == 1


def test_simultaneous_presses_mail_once(updates_app, inbox):
    """Two staff members (or tabs) pressing at the same moment: the database lets one queue the mail."""
    app = updates_app
    for i in range(6):
        signer(app, f"person{i}@example.org")
    update = write_update(client_as(app, "campaigner"), drive_id(app))
    mailed = []

    def press_at_once(_i):
        with app.app_context():
            found = db.session.get(Update, update)
            done = publishing.publish(found, "en", True, utcnow(), 600)
            db.session.commit()
            mailed.append(done.mailed)

    run_together(4, press_at_once)
    assert sorted(mailed, key=str) == [6, None, None, None]
    assert len(outbox(app, update_id=update)) == 6


# --- the mail's links -----------------------------------------------------------------------------

def test_one_click_unsubscribe_from_the_headers_with_no_cookies_and_the_withdraw_link(updates_app, inbox):
    app = updates_app
    norway = other_drive(app)
    kept = signer(app, "anna@example.org", drive=norway)  # the same person on another drive
    signed = signer(app, "anna@example.org")
    client = client_as(app, "campaigner")
    press_publish(client, drive_id(app), write_update(client, drive_id(app)))
    deliver_all(app)
    [message] = inbox.to("anna@example.org")

    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(http://moratorium\.test(/\S+))>", message["List-Unsubscribe"]).group(2)
    assert url == link(message, "unsubscribe")  # the same link in the body
    mail_client = app.test_client(use_cookies=False)
    assert mail_client.post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 204
    with app.app_context():
        assert db.session.get(Signature, signed).consent_updates is False
        assert db.session.get(Signature, kept).consent_updates is True  # that drive's updates only

    assert press(app.test_client(), link(message, "withdraw")).status_code == 200
    with app.app_context():
        assert db.session.get(Signature, signed) is None


def test_a_test_mail_goes_to_the_staff_member_only_and_is_not_a_mailing(updates_app, inbox):
    app = updates_app
    signer(app, "signer@example.org", "sv")
    client = client_as(app, "campaigner")
    drive = drive_id(app)
    update = write_update(client, drive)
    page = client.get(f"/en/staff/drives/{drive}/updates/{update}").get_data(as_text=True)
    response = client.post(f"/en/staff/drives/{drive}/updates/{update}/test",
                           data={"csrf_token": csrf_from(page), "locale": "sv"})
    assert response.status_code == 303
    deliver_all(app)
    [message] = inbox.messages
    assert message["To"] == "campaigner@staff.example" and message["Subject"] == f"Test: {SV[0]}"
    text = body(message)
    assert SV[1] in text and text.startswith("Det här är ett test")  # said in the language of the mail
    assert "/signatures/unsubscribe/test-link-does-nothing" in message["List-Unsubscribe"]
    assert app.test_client().post(link(message, "unsubscribe"), data={"List-Unsubscribe": "One-Click"}
                                  ).status_code == 404  # names no signature
    with app.app_context():
        found = db.session.get(Update, update)
        assert found.mailed_at is None and found.published_at is None
    assert outbox(app, update_id=update) == []
    assert publishing.MailCounts() == counts_of(app, update)


def counts_of(app, update):
    with app.app_context():
        return publishing.counts([update])[update]


# --- the pace -------------------------------------------------------------------------------------

def test_at_most_the_rate_a_minute_become_due(updates_app, inbox):
    app = updates_app
    app.config["UPDATE_SEND_RATE"] = 2
    for i in range(5):
        signer(app, f"person{i}@example.org")
    client = client_as(app, "campaigner")
    update = write_update(client, drive_id(app))
    press_publish(client, drive_id(app), update)
    with app.app_context():
        start = db.session.get(Update, update).mailed_at
        due = [as_utc(m.next_attempt_at) for m in outbox(app, update_id=update)]
    minute = timedelta(minutes=1)
    assert due == [as_utc(start) + minutes * minute for minutes in (0, 0, 1, 1, 2)]  # to the microsecond
    assert deliver_all(app, now=start) == 2
    assert deliver_all(app, now=start + minute - timedelta(seconds=1)) == 0
    assert deliver_all(app, now=start + minute) == 2
    assert deliver_all(app, now=start + 2 * minute) == 1
    assert len(inbox.messages) == 5


def test_the_rate_must_be_a_positive_number():
    with pytest.raises(config.ConfigError, match="UPDATE_SEND_RATE"):
        config.load({"APP_ENV": "testing", "UPDATE_SEND_RATE": "0"})
    assert config.load({"APP_ENV": "testing"})["UPDATE_SEND_RATE"] == 600


# --- the back office ------------------------------------------------------------------------------

def test_counts_page_and_audit_entries(updates_app, inbox):
    app = updates_app
    for i in range(3):
        signer(app, f"person{i}@example.org")
    client = client_as(app, "campaigner")
    drive = drive_id(app)
    update = write_update(client, drive)
    press_publish(client, drive, update)
    assert counts_of(app, update) == publishing.MailCounts(queued=3)
    with app.app_context():
        first = db.session.scalar(select(OutboxMessage).where(OutboxMessage.update_id == update).limit(1))
        first.state = MessageState.FAILED
        db.session.commit()
    deliver_all(app)
    assert counts_of(app, update) == publishing.MailCounts(sent=2, failed=1)
    page = client.get(f"/en/staff/drives/{drive}/updates").get_data(as_text=True)
    cells = re.findall(r"<td>(\d+)</td>", page)
    assert cells == ["0", "2", "1", "0"]  # queued, sent, failed, dropped
    with app.app_context():
        entries = {e.action: e for e in db.session.scalars(select(AuditEntry))}
    assert entries["update.mail"].actor == "campaigner@staff.example"
    assert entries["update.mail"].after == {"title": EN[0], "recipients": 3}
    assert entries["update.mail"].target == f"drive:sweden-2026/update:{update}"
    assert entries["update.publish"].after["kind"] == "news"


def test_publishing_needs_the_main_language(updates_app, inbox):
    app = updates_app
    client = client_as(app, "campaigner")
    drive = drive_id(app)
    update = write_update(client, drive, texts=(("sv", SV),))
    page = press_publish(client, drive, update)
    assert "cannot be published before it is written in the drive" in page
    with app.app_context():
        assert db.session.get(Update, update).published_at is None


def test_preview_in_each_language_says_which_fall_back(updates_app):
    client = client_as(updates_app, "organiser")
    drive = drive_id(updates_app)
    update = write_update(client_as(updates_app, "campaigner"), drive,
                          texts=(("en", ("See <b>this</b>", EN[1])), ("sv", SV)))
    path = f"/drives/{drive}/updates/{update}/preview"
    swedish = client.get(f"/sv/staff{path}").get_data(as_text=True)
    assert SV[0] in swedish and "<p>Vi överlämnade 1 000 namnunderskrifter.</p>" in swedish
    english = client.get(f"/en/staff{path}").get_data(as_text=True)
    assert '<a href="https://example.org/news" rel="nofollow noopener">' in english  # linked, the full stop left out
    assert "See &lt;b&gt;this&lt;/b&gt;" in english  # a title is text
    fallback = re.search(r"Not written in: ([^.]+)\.", english).group(1)
    assert "Arabic" in fallback and "Swedish" not in fallback and "English" not in fallback
    arabic = client.get(f"/ar/staff{path}").get_data(as_text=True)
    assert 'lang="en" dir="ltr">See &lt;b&gt;this&lt;/b&gt;' in arabic  # the main language's, marked as such
    show = client.get(f"/en/staff/drives/{drive}/updates/{update}").get_data(as_text=True)
    assert f'href="/ar/staff{path}"' in show and "missing: readers get the main language" in show


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"kind": "handed_over", "happened_on": "2026-03-01", "signatures_handed": "1000"}, "handed_to",
     "Please say to whom the signatures were handed."),
    ({"kind": "handed_over", "handed_to": "The Riksdag", "signatures_handed": "1000"}, "happened_on",
     "Please give the date."),
    ({"kind": "handed_over", "happened_on": "2026-03-01", "handed_to": "The Riksdag", "signatures_handed": "0"},
     "signatures_handed", "Please give a number above zero."),
    ({"kind": "response"}, "link", "Please give the web address."),
    ({"kind": "response", "link": "javascript:alert(1)"}, "link", "starting with https:// or http://"),
    ({"kind": "debate", "happened_on": "1850-01-01", "link": "https://riksdagen.se/debate"}, "happened_on",
     "Please give a date between 2000-01-01 and"),
    ({"kind": "debate", "happened_on": "2026-03-01"}, "link", "Please give the web address."),
    ({"kind": "outcome"}, "outcome", "Please choose the outcome."),
    ({"kind": "outcome", "outcome": "maybe"}, "outcome", "Not a valid choice"),
])
def test_each_milestone_requires_its_own_facts(updates_app, fields, field, message):
    client = client_as(updates_app, "campaigner")
    drive = drive_id(updates_app)
    response = post_form(client, f"/en/staff/drives/{drive}/updates/new", fields)
    assert response.status_code == 400
    error = re.search(rf'<p class="error" id="{field}-error">([^<]+)</p>', response.get_data(as_text=True))
    assert error and message in error.group(1).replace("&#39;", "'")
    with updates_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Update)) == 0


def test_a_milestone_keeps_only_its_own_facts_and_the_mail_states_them(updates_app, inbox):
    app = updates_app
    signer(app, "one@example.org")
    client = client_as(app, "campaigner")
    drive = drive_id(app)
    update = write_update(client, drive, texts=(("en", EN),), kind="handed_over", happened_on="2026-03-01",
                          handed_to="The Riksdag", signatures_handed="1200", link="https://example.org/x",
                          outcome="won")
    with app.app_context():
        found = db.session.get(Update, update)
        assert (found.handed_to, found.signatures_handed, found.link, found.outcome) == ("The Riksdag", 1200,
                                                                                          None, None)
    press_publish(client, drive, update)
    deliver_all(app)
    assert "On March 1, 2026, 1,200 signatures were handed to The Riksdag." in body(inbox.messages[0])


def test_staff_write_plain_text(updates_app):
    client = client_as(updates_app, "campaigner")
    drive = drive_id(updates_app)
    update = write_update(client, drive, texts=())
    response = post_form(client, f"/en/staff/drives/{drive}/updates/{update}/texts/en",
                         {"title": "Hello", "body": 'Read <a href="https://x.example">this</a>.'})
    assert response.status_code == 400 and "without HTML" in response.get_data(as_text=True)
    assert post_form(client, f"/en/staff/drives/{drive}/updates/{update}/texts/en",
                     {"title": "Hello", "body": "I <3 this, and 2 < 3."}).status_code == 303


def test_organisers_may_read_updates_but_not_publish_or_write(updates_app, inbox):
    app = updates_app
    drive = drive_id(app)
    update = write_update(client_as(app, "campaigner"), drive)
    organiser = client_as(app, "organiser")
    for path in ("updates", f"updates/{update}", f"updates/{update}/preview"):
        assert organiser.get(f"/en/staff/drives/{drive}/{path}").status_code == 200
    page = organiser.get(f"/en/staff/drives/{drive}/updates/{update}").get_data(as_text=True)
    assert "/publish" not in page and "Send me a test" not in page
    token = csrf_from(organiser.get("/en/staff/login").get_data(as_text=True))
    response = organiser.post(f"/en/staff/drives/{drive}/updates/{update}/publish",
                              data={"csrf_token": token, "mail_it": "y"})
    assert response.status_code == 403
    assert organiser.get(f"/en/staff/drives/{drive}/updates/new").status_code == 403
    with app.app_context():
        assert db.session.get(Update, update).published_at is None


def test_publishing_without_csrf_is_refused(updates_app):
    client = client_as(updates_app, "campaigner")
    drive = drive_id(updates_app)
    update = write_update(client, drive)
    assert client.post(f"/en/staff/drives/{drive}/updates/{update}/publish", data={"mail_it": "y"}).status_code == 400
    with updates_app.app_context():
        assert db.session.get(Update, update).published_at is None


def test_an_update_of_another_drive_is_not_found(updates_app):
    client = client_as(updates_app, "campaigner")
    update = write_update(client, drive_id(updates_app))
    norway = other_drive(updates_app)
    assert client.get(f"/en/staff/drives/{norway}/updates/{update}").status_code == 404
