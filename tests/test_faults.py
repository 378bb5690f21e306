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
from tests.test_petitions import Inbox, free_port, inbox, mail_to, petition_app, sign  # noqa: F401


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
