"""The outbox: mail queued with the change that causes it, sent by `flask outbox work`, retried with
backoff, never twice (leases, Message-IDs), whole (line lengths), with its List-Unsubscribe header."""

import asyncio
import os
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, update

from app.config import ROOT
from app.extensions import db
from app.outbox.models import MessageState, OutboxMessage
from app.outbox.services import LEASE, enqueue, work
from app.petitions.models import Signature
from tests.helpers import Inbox, deliver, free_port, link, mail_to, migrated_app, run_together, sign


def make_due(app):
    from datetime import UTC, datetime

    with app.app_context():
        db.session.execute(update(OutboxMessage).values(next_attempt_at=datetime.now(UTC)))
        db.session.commit()


# --- retries and failures -------------------------------------------------------------------------

def test_an_smtp_outage_delays_mail_and_loses_none(petition_app, inbox):
    client = petition_app.test_client()
    sign(client)
    mail_to(petition_app, 1)  # nothing listens there
    deliver(petition_app)
    with petition_app.app_context():
        message = db.session.scalar(select(OutboxMessage))
        # The server's fault, not the message's: its tries are not used up...
        assert (message.state, message.attempts) == (MessageState.PENDING, 0)
        assert "Connection refused" in message.last_error or "Errno" in message.last_error
    for _ in range(20):  # ...however long the outage lasts
        make_due(petition_app)
        deliver(petition_app)
    mail_to(petition_app, inbox.port)
    deliver(petition_app)
    assert inbox.messages == []  # waiting for the next retry: not due yet
    make_due(petition_app)
    deliver(petition_app)
    assert len(inbox.to("anna@example.org")) == 1


def test_a_refused_recipient_does_not_hold_up_the_others(petition_app, inbox):
    inbox.refuse.add("bounce@example.org")
    client = petition_app.test_client()
    sign(client, email="bounce@example.org")
    sign(client, email="fine@example.org")
    deliver(petition_app)
    assert len(inbox.to("fine@example.org")) == 1
    with petition_app.app_context():
        states = dict(db.session.execute(select(OutboxMessage.recipient, OutboxMessage.state)).all())
    assert states == {"bounce@example.org": "pending", "fine@example.org": "sent"}


def test_a_message_that_cannot_be_sent_does_not_hold_up_or_repeat_the_others(petition_app, inbox):
    from app.outbox.services import enqueue

    with petition_app.app_context():
        enqueue("test", "first@example.org", "First", "Hello")
        enqueue("test", "broken@example.org", "Broken\nBcc: victim@example.org", "Hello")
        enqueue("test", "last@example.org", "Last", "Hello")
        db.session.commit()
    deliver(petition_app)
    deliver(petition_app)
    assert sorted(m["To"] for m in inbox.messages) == ["first@example.org", "last@example.org"]
    assert not inbox.to("victim@example.org")
    with petition_app.app_context():
        broken = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "broken@example.org"))
    assert (broken.state, broken.attempts) == ("pending", 1)


def test_a_message_the_server_hangs_up_on_counts_against_its_own_tries(petition_app, inbox, monkeypatch):
    import smtplib

    from app.outbox import services as outbox

    real_send = outbox.Sender.send

    def hang_up_on_the_bad_one(sender, message):
        if message.subject == "Bad":
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(sender, message)

    monkeypatch.setattr(outbox.Sender, "send", hang_up_on_the_bad_one)
    with petition_app.app_context():
        outbox.enqueue("test", "bad@example.org", "Bad", "x")
        outbox.enqueue("test", "good@example.org", "Good", "y")
        db.session.commit()
    for _ in range(outbox.MAX_ATTEMPTS + 1):  # the good one waits behind the hang-ups, then leaves
        deliver(petition_app)
        make_due(petition_app)
    with petition_app.app_context():
        bad, good = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert (bad.state, bad.attempts) == (MessageState.FAILED, outbox.MAX_ATTEMPTS)
    assert bad.last_error.startswith("SMTPServerDisconnected")
    assert good.state == MessageState.SENT and good.attempts == 0


def test_a_message_given_up_says_why(petition_app, inbox):
    from app.outbox.models import MessageState, OutboxMessage
    from app.outbox.services import MAX_ATTEMPTS, enqueue

    with petition_app.app_context():
        message = enqueue("test", "reader@example.org", "Broken\r\nBcc: someone@example.org", "Hello")
        message.attempts = MAX_ATTEMPTS - 1
        db.session.commit()
    deliver(petition_app)
    with petition_app.app_context():
        given_up = db.session.scalar(select(OutboxMessage))
    assert given_up.state == MessageState.FAILED and given_up.last_error.startswith("BadHeaderError")
    assert inbox.messages == []


def test_without_mail_server_outside_development_mail_waits(petition_app):
    petition_app.config["MAIL_SERVER"] = None
    sign(petition_app.test_client())
    deliver(petition_app)
    with petition_app.app_context():
        message = db.session.scalar(select(OutboxMessage))
    assert (message.state, message.attempts) == ("pending", 0)
    assert "MAIL_SERVER is not set" in message.last_error


# --- several senders, never twice -----------------------------------------------------------------

def test_two_workers_side_by_side_send_each_mail_once(petition_app, inbox):
    from app.outbox.services import enqueue, work

    with petition_app.app_context():
        for i in range(60):
            enqueue("test", f"reader{i}@example.org", f"Message {i}", "Hello")
        db.session.commit()

    def worker(_):
        with petition_app.app_context():
            work(limit=5)

    run_together(2, worker)
    assert sorted(m["To"] for m in inbox.messages) == sorted(f"reader{i}@example.org" for i in range(60))


def test_mail_sent_inside_requests_leaves_once_however_many_sign_at_once(petition_app, inbox):
    petition_app.config["OUTBOX_INLINE"] = True  # as under make run: each request delivers what is due

    def one(i):
        assert sign(petition_app.test_client(), email=f"signer{i}@example.org").status_code == 303

    run_together(10, one)
    deliver(petition_app)  # whatever a request left behind
    assert len(inbox.messages) == 10
    assert len({m["Message-ID"] for m in inbox.messages}) == 10
    assert sorted(m["To"] for m in inbox.messages) == sorted(f"signer{i}@example.org" for i in range(10))


# --- what the message carries ---------------------------------------------------------------------

@pytest.mark.parametrize("paragraph", ["Free them now. " * 134, "请停止向中国引渡。" * 223], ids=["english", "chinese"])
def test_a_long_paragraph_reaches_a_standard_smtp_server_whole(petition_app, inbox, paragraph):
    from app.outbox.services import enqueue

    assert len(paragraph) >= 2000
    with petition_app.app_context():
        enqueue("test", "reader@example.org", "A long paragraph", paragraph, f"<p>{paragraph}</p>")
        db.session.commit()
    deliver(petition_app)
    [message] = inbox.to("reader@example.org")
    assert message.get_body(preferencelist=("plain",)).get_content().strip() == paragraph.strip()
    assert paragraph.strip() in message.get_body(preferencelist=("html",)).get_content()
    assert max(len(line) for line in message.as_bytes().splitlines()) <= 998


def test_a_mail_client_unsubscribes_in_one_click(petition_app, inbox):
    client = petition_app.test_client()
    sign(client, consent_updates="y")
    deliver(petition_app)
    [message] = inbox.to("anna@example.org")
    url = re.fullmatch(r"<(http://moratorium\.test/\S+)>", message["List-Unsubscribe"]).group(1)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = url.removeprefix("http://moratorium.test")
    assert path == link(message, "unsubscribe")
    unchanged = client.post(path, data={"anything": "else"})  # no token, no one-click field: only the button page
    assert unchanged.status_code == 200
    with petition_app.app_context():
        assert db.session.scalar(select(Signature.consent_updates)) is True
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 204
    with petition_app.app_context():
        assert db.session.scalar(select(Signature.consent_updates)) is False
    forged = path.rsplit("/", 1)[0] + "/not-a-token"
    assert client.post(forged, data={"List-Unsubscribe": "One-Click"}).status_code == 404


# --- a slow server, a killed worker, a restarted database -----------------------------------------

class SlowInbox(Inbox):
    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.3)
        return await super().handle_DATA(server, session, envelope)


def test_a_slow_mail_server_delays_mail_and_loses_none(petition_app):
    handler = SlowInbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        mail_to(petition_app, controller.port)
        client = petition_app.test_client()
        for i in range(5):
            assert sign(client, email=f"slow{i}@example.org").status_code == 303
        with petition_app.app_context():
            assert work() == 5
        assert sorted(m["To"] for m in handler.messages) == [f"slow{i}@example.org" for i in range(5)]
    finally:
        controller.stop()


class StallingInbox(Inbox):
    """Takes `accept` messages, then holds the next DATA until released (a server gone quiet)."""

    def __init__(self, accept):
        super().__init__()
        self.accept, self.release, self.holding = accept, threading.Event(), None

    async def handle_DATA(self, server, session, envelope):
        while len(self.messages) >= self.accept and not self.release.is_set():
            self.holding = server
            await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)

    def hung_up(self):
        """Whether the client of the DATA held (if any) is gone as far as the server knows: aiosmtpd
        then cancels the held DATA, which must not be taken on release."""
        return self.holding is None or self.holding.transport is None


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(petition_app):
    handler = StallingInbox(accept=4)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with petition_app.app_context():
            for i in range(10):
                enqueue("test", f"reader{i}@example.org", f"Message {i}", "Hello")
            db.session.commit()
        env = {**os.environ, "DATABASE_URL": petition_app.config["SQLALCHEMY_DATABASE_URI"],
               "APP_ENV": "development", "SECRET_KEY": "k" * 32, "MAIL_SERVER": "127.0.0.1",
               "MAIL_PORT": str(controller.port), "FLASK_APP": "wsgi.py"}
        worker = subprocess.Popen([str(ROOT / ".venv" / "bin" / "flask"), "outbox", "work"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 30
        while len(handler.messages) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # the fifth message is in the server's hands, not yet taken
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        deadline = time.monotonic() + 10
        while not handler.hung_up() and time.monotonic() < deadline:  # slow under load
            time.sleep(0.05)
        handler.release.set()
        mail_to(petition_app, controller.port)
        with petition_app.app_context():
            states = Counter(db.session.scalars(select(OutboxMessage.state)))
            assert states == {MessageState.SENT: 4, MessageState.SENDING: 6}  # four recorded, one by one
            work()  # too early: the dead worker's claim still holds
            assert len(handler.messages) == 4
            work(now=datetime.now(UTC) + LEASE + timedelta(seconds=1))
            left = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.state != MessageState.SENT))
        received = Counter(m["To"] for m in handler.messages)
        assert received == {f"reader{i}@example.org": 1 for i in range(10)} and left == 0
        assert len({m["Message-ID"] for m in handler.messages}) == 10
    finally:
        controller.stop()


@pytest.mark.postgres_only
def test_the_outbox_worker_outlives_a_database_restart(private_postgres, inbox):
    app = migrated_app(private_postgres.url)

    def queue(first, last):
        with app.app_context():
            for i in range(first, last):
                enqueue("test", f"reader{i}@example.org", f"Message {i}", "Hello")
            db.session.commit()

    def wait_for(count_):
        deadline = time.monotonic() + 30
        while len(inbox.messages) < count_ and time.monotonic() < deadline:
            time.sleep(0.05)

    env = {**os.environ, "DATABASE_URL": private_postgres.url, "APP_ENV": "development", "SECRET_KEY": "k" * 32,
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(inbox.port), "FLASK_APP": "wsgi.py"}
    worker = subprocess.Popen([str(ROOT / ".venv" / "bin" / "flask"), "outbox", "work", "--loop", "--idle", "0.1"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              start_new_session=True)
    try:
        queue(0, 5)
        wait_for(5)
        private_postgres.pg_ctl("restart", "-m", "fast")
        time.sleep(0.5)  # the worker meets the restart on its next poll
        queue(5, 10)
        wait_for(10)
        assert worker.poll() is None, worker.stderr.read().decode()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait()
    log = worker.stderr.read().decode()
    assert Counter(m["To"] for m in inbox.messages) == {f"reader{i}@example.org": 1 for i in range(10)}
    assert "database unavailable" in log, log  # it did meet the restart, and went on
    with app.app_context():
        db.engine.dispose()


# --- mail written by the worker -------------------------------------------------------------------

def test_signing_queues_the_mail_unwritten_and_the_worker_writes_it_in_the_signers_language(petition_app, inbox):
    sign(petition_app.test_client(), locale="de", email="anna@example.org")
    with petition_app.app_context():
        signature = db.session.scalar(select(Signature))
        queued = db.session.scalar(select(OutboxMessage))
        # The request stored what the mail needs, nothing rendered.
        assert (queued.kind, queued.about_id, queued.locale) == ("confirmation", signature.id, "de")
        assert queued.subject is None and queued.text is None and queued.html is None
    deliver(petition_app)
    [message] = inbox.to("anna@example.org")
    assert message["Subject"].startswith("Bitte bestätigen Sie Ihre Unterschrift")
    assert link(message, "confirm").startswith("/de/signatures/confirm/")
    with petition_app.app_context():
        sent = db.session.scalar(select(OutboxMessage))
        # What was sent is kept, as for any mail, until the retention period scrubs it.
        assert sent.state == MessageState.SENT and "Bitte" in sent.subject and sent.text and sent.html
        assert sent.unsubscribe_url.startswith("http://moratorium.test/de/signatures/unsubscribe/")


def test_the_worker_writes_links_on_public_url_outside_any_request(petition_app, inbox):
    sign(petition_app.test_client())
    # No SERVER_NAME to lean on, and a site served below a path: links come from PUBLIC_URL alone.
    petition_app.config.update(SERVER_NAME=None, PUBLIC_URL="https://campaign.example/moratorium")
    deliver(petition_app)
    [message] = inbox.to("anna@example.org")
    text = message.get_body(preferencelist=("plain",)).get_content()
    links = re.findall(r"https?://\S+", text)
    assert len(links) == 4  # confirm, withdraw, unsubscribe, naming
    assert all(url.startswith("https://campaign.example/moratorium/en/signatures/") for url in links), links


def test_a_confirmation_whose_signature_is_withdrawn_before_it_leaves_is_dropped(petition_app, inbox):
    sign(petition_app.test_client())
    with petition_app.app_context():
        db.session.execute(Signature.__table__.delete())
        db.session.commit()
    deliver(petition_app)
    assert inbox.messages == []
    with petition_app.app_context():
        assert db.session.scalar(select(OutboxMessage.state)) == MessageState.DROPPED


def test_a_confirmation_never_goes_out_about_someone_else_who_took_the_same_id(petition_app, inbox):
    sign(petition_app.test_client(), email="anna@example.org")
    with petition_app.app_context():
        anna = db.session.scalar(select(Signature))
        values = {c.name: getattr(anna, c.name) for c in Signature.__table__.columns}
        db.session.delete(anna)
        db.session.flush()
        # SQLite hands a freed id out again: another person's signature under Anna's old id.
        db.session.add(Signature(**{**values, "name": "Someone Else", "email": "else@example.org",
                                    "email_key": "else@example.org"}))
        db.session.commit()
    deliver(petition_app)
    assert inbox.messages == []  # neither Anna (her signature is gone) nor anyone else
    with petition_app.app_context():
        assert db.session.scalar(select(OutboxMessage.state)) == MessageState.DROPPED
