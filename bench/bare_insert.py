"""The comparison for bench/sign.py: a bare WSGI route that inserts one row per POST."""
# Served by gunicorn from bench/ (`bare_insert:app`) with BENCH_DATABASE_URL set; sign.py
# creates and drops the table. No Flask, no form checks, no templates: the cost of gunicorn,
# HTTP and one committed INSERT, which is the floor a signature cannot go below.

import functools
import os
from datetime import UTC, datetime
from urllib.parse import parse_qs

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, insert

metadata = MetaData()
inserts = Table(
    "bench_inserts", metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


@functools.cache
def engine():
    """One engine per worker process, with the app's engine options."""
    # Created on first use, after gunicorn forked, so workers never share a connection.
    return create_engine(os.environ["BENCH_DATABASE_URL"], pool_pre_ping=True)


def app(environ, start_response):
    """POST: insert the form's email, commit, 303. Anything else: 200, for readiness checks."""
    if environ["REQUEST_METHOD"] != "POST":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "3")])
        return [b"ok\n"]
    size = int(environ.get("CONTENT_LENGTH") or 0)
    form = parse_qs(environ["wsgi.input"].read(size).decode("utf-8", "replace"))
    with engine().begin() as conn:
        conn.execute(insert(inserts).values(email=form.get("email", [""])[0], created_at=datetime.now(UTC)))
    start_response("303 See Other", [("Location", "/done"), ("Content-Length", "0")])
    return [b""]
