"""Fixtures: app, client, runner, on SQLite or on the PostgreSQL named by TEST_DATABASE_URL."""

import os
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

os.environ.setdefault("APP_ENV", "testing")
os.environ.setdefault("SECRET_KEY", "test-secret")

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402

ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


def unavailable(reason):
    """Skip a test whose real part is missing; under CI a skip is a failure."""
    if ON_CI:
        pytest.fail(f"{reason} (CI=true: a skipped test fails the run)")
    pytest.skip(reason)


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


def migrated_app(url, settings=None):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, **(settings or {})})
    with app.app_context():
        upgrade()
    return app


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


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@contextmanager
def serve(app):
    """The app served on a free local port, for a real browser to visit."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


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


AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page):
    """(rule, impact, first elements) for every axe-core violation on the page as it stands."""
    if not AXE.exists():
        unavailable("axe-core is not installed (npm ci)")
    # Evaluated rather than added as a <script>: the site's Content-Security-Policy refuses inline scripts.
    page.evaluate(AXE.read_text())
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results["violations"]]
