"""Faults: the database unreachable, or restarted while people sign (the outbox's own faults are in
test_outbox.py: a slow mail server, a worker killed in the middle of a batch)."""

import threading
import time
from collections import Counter

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.outbox.models import OutboxMessage
from app.petitions.models import Signature
from tests.helpers import csrf_from, mail_to, migrated_app, set_drive


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
