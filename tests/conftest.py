"""Fixtures, visible to every test: app, client, runner, on SQLite or on the PostgreSQL named by
TEST_DATABASE_URL; an SMTP server (inbox), apps with a drive (petition_app, letters_app) or staff
accounts (staff_app), a browser, a PostgreSQL cluster of the test's own. Plain helpers are in
helpers.py and staff.py."""

import logging
import os
import uuid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import make_url

os.environ.setdefault("APP_ENV", "testing")
os.environ.setdefault("SECRET_KEY", "test-secret")

from app.extensions import db  # noqa: E402
from app.staff.auth import new_user  # noqa: E402
from tests.helpers import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    LEGISLATORS,
    LETTER_DRIVE_YAML,
    Inbox,
    PrivatePostgres,
    free_port,
    mail_to,
    migrated_app,
    set_drive,
    unavailable,
)
from tests.staff import PASSWORD, ROLES  # noqa: E402

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
# The test SMTP server's (aiosmtpd's) chatter: every connection, from its own threads, into the
# output between tests now that the application logs at INFO. Its warnings still show.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests are left out of the SQLite run: deselected, not skipped."""
    if POSTGRES_URL:
        return
    chosen = [i for i in items if "postgres_only" not in i.keywords]
    config.hook.pytest_deselected(items=[i for i in items if "postgres_only" in i.keywords])
    items[:] = chosen


class Databases:
    """Hands out fresh, empty databases: a file on SQLite, a schema on PostgreSQL."""

    def __init__(self, tmp_path_factory):
        self.tmp = tmp_path_factory
        self.schemas = []

    def new(self):
        if not POSTGRES_URL:
            return f"sqlite:///{self.tmp.mktemp('db') / 'test.db'}"
        schema = f"test_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE SCHEMA "{schema}"')
        self.schemas.append(schema)
        return str(make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"}))

    def drop_all(self):
        for schema in self.schemas:
            self._execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    def _execute(self, sql):
        import psycopg

        url = make_url(POSTGRES_URL).set(drivername="postgresql")
        try:
            with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
                conn.execute(sql)
        except psycopg.OperationalError as error:
            unavailable(f"PostgreSQL at {POSTGRES_URL} is not reachable: {error}")


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    found = Databases(tmp_path_factory)
    yield found
    found.drop_all()


@pytest.fixture(scope="session")
def app(databases):
    """The application with the project's data/ loaded; shared, so tests must not write."""
    app = migrated_app(databases.new())
    result = app.test_cli_runner().invoke(args=["data", "load"])
    assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def empty_app(databases):
    """An application on a fresh, migrated, empty database of its own."""
    app = migrated_app(databases.new())
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def data_dir():
    return Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright."""
    if not CHROMIUM.exists():
        unavailable("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# --- mail, drives, letters, staff accounts --------------------------------------------------------

@pytest.fixture
def inbox():
    handler = Inbox()
    handler.port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture
def petition_app(empty_app, inbox, tmp_path):
    """An app with one open drive, mail going to the test SMTP server through the outbox."""
    mail_to(empty_app, inbox.port, OUTBOX_INLINE=False, SIGN_RATE_LIMIT="10000 per minute",
            SERVER_NAME="moratorium.test", PUBLIC_URL="http://moratorium.test")
    set_drive(empty_app, tmp_path, "open", "create")
    return empty_app


@pytest.fixture
def letters_app(empty_app, inbox, tmp_path):
    """petition_app's settings, with a drive that has a letter and four legislators (one inactive) to write to."""
    mail_to(empty_app, inbox.port, OUTBOX_INLINE=False, SIGN_RATE_LIMIT="10000 per minute",
            LETTER_RATE_LIMIT="10000 per minute", SERVER_NAME="moratorium.test", PUBLIC_URL="http://moratorium.test")
    set_drive(empty_app, tmp_path, "open", "create", yaml=LETTER_DRIVE_YAML)
    path = tmp_path / "legislators.csv"
    path.write_text(LEGISLATORS, encoding="utf-8")
    result = empty_app.test_cli_runner().invoke(args=["legislators", "import", str(path)])
    assert result.exit_code == 0, result.output
    return empty_app


@pytest.fixture
def staff_app(empty_app):
    """An empty app with one account per role ({role}@staff.example), rate limits off."""
    empty_app.config.update(RATELIMIT_ENABLED=False)
    with empty_app.app_context():
        for role in ROLES:
            db.session.add(new_user(f"{role}@staff.example", PASSWORD, role))
        db.session.commit()
    return empty_app


@pytest.fixture
def private_postgres():
    cluster = PrivatePostgres()
    yield cluster
    cluster.close()
