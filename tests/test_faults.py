"""Faults: the database unreachable, a slow mail server, a worker killed in the middle of a batch."""

import asyncio
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from app import create_app
from app.config import ROOT
from app.extensions import db
from app.outbox.models import MessageState, OutboxMessage
from app.outbox.services import LEASE, enqueue, work
from app.petitions.models import Signature
from tests.helpers import Inbox, csrf_from, free_port, mail_to, migrated_app, set_drive, sign


@pytest.mark.parametrize("url", [
    "sqlite:////nonexistent/folder/moratorium.db",
    "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2",
])
def test_while_the_database_is_down_the_site_says_so(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "APP_ENV": "testing", "TESTING": True,
                      "SQLALCHEMY_ENGINE_OPTIONS": {}, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    for path in ("/en/countries/se", "/ar/", "/en/drives/sweden-2026"):
        response = client.get(path)
        assert response.status_code == 503 and response.headers["Retry-After"] == "30", path
        assert "Nothing you sent was stored" in response.get_data(as_text=True) or path.startswith("/ar/")
    assert "غير متاح مؤقتًا" in client.get("/ar/").get_data(as_text=True)
    api = client.get("/api/v1/countries/se")
    assert api.status_code == 503 and api.get_json() == {"error": "service unavailable"}


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
        self.accept, self.release = accept, threading.Event()

    async def handle_DATA(self, server, session, envelope):
        while len(self.messages) >= self.accept and not self.release.is_set():
            await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


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
def test_a_database_restart_under_load_loses_no_signature(private_postgres, inbox, tmp_path):
    app = migrated_app(private_postgres.url, {"SIGN_RATE_LIMIT": "100000 per minute"})
    mail_to(app, inbox.port, OUTBOX_INLINE=False, SERVER_NAME="moratorium.test", PUBLIC_URL="http://moratorium.test")
    set_drive(app, tmp_path, "open", "create")
    answers, stop = {}, threading.Event()  # address -> what the signer saw

    def signer(n):
        client = app.test_client()
        for i in range(100_000):
            if stop.is_set():
                return
            address = f"signer{n}.{i}@example.org"
            try:
                page = client.get("/en/drives/sweden-2026")
                if page.status_code != 200:
                    answers[address] = f"page {page.status_code}"
                    continue
                answers[address] = client.post("/en/drives/sweden-2026", data={
                    "csrf_token": csrf_from(page.get_data(as_text=True)), "name": "Anna Berg",
                    "email": address, "residence": "SE", "accept_privacy": "y"}).status_code
            except Exception as error:  # an error that escaped the app fails the test below
                answers[address] = repr(error)

    def wait_for(count_):
        deadline = time.monotonic() + 60
        while sum(a == 303 for a in list(answers.values())) < count_ and time.monotonic() < deadline:
            time.sleep(0.02)

    threads = [threading.Thread(target=signer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    try:
        wait_for(20)
        private_postgres.pg_ctl("restart", "-m", "fast")  # ends every connection, as a real restart does
        wait_for(sum(a == 303 for a in list(answers.values())) + 40)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    seen = Counter(answers.values())
    # While it restarted, visitors were told the site is unavailable; never a 500; and it recovered.
    assert set(seen) <= {303, 503, "page 503"} and seen[303] >= 60, seen
    assert seen[503] + seen["page 503"] > 0, seen
    with app.app_context():
        stored = Counter(db.session.scalars(select(Signature.email)))
        mails = Counter(db.session.scalars(select(OutboxMessage.recipient)))
    accepted = {address for address, answer in answers.items() if answer == 303}
    # Every signature the site accepted is there once, with its one confirmation mail; a 503'd
    # attempt is either wholly there (its commit landed as the connection died) or wholly absent.
    assert accepted <= set(stored) <= set(answers) and set(stored.values()) == {1}
    assert mails == stored
    with app.app_context():
        db.engine.dispose()


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
