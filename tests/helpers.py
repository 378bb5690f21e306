"""Plain helpers the tests share; their fixtures are in conftest.py.

The test app and the skip rule, a real browser's server, a real SMTP server, a visitor signing
and writing, and a PostgreSQL cluster of a test's own.
"""

import email
import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
from contextlib import contextmanager
from email import policy
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import event
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db, mail
from app.letters import proofs

ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(reason):
    """Skip a test whose real part is missing; under CI a skip is a failure."""
    if ON_CI:
        pytest.fail(f"{reason} (CI=true: a skipped test fails the run)")
    pytest.skip(reason)


def migrated_app(url, settings=None):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, **(settings or {})})
    with app.app_context():
        upgrade()
    return app


def run_together(count_, target):
    """Start `count_` threads at the same moment and wait for them all."""
    barrier = threading.Barrier(count_)
    errors = []

    def run(i):
        barrier.wait()
        try:
            target(i)
        except Exception as error:  # collected, so a thread's failure fails the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count_)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []


# --- a real browser -------------------------------------------------------------------------------

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


AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page):
    """(rule, impact, first elements) for every axe-core violation on the page as it stands."""
    if not AXE.exists():
        unavailable("axe-core is not installed (npm ci)")
    # Evaluated rather than added as a <script>: the site's Content-Security-Policy refuses inline scripts.
    page.evaluate(AXE.read_text())
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results["violations"]]


# --- mail through a real SMTP server --------------------------------------------------------------

class Inbox:
    """A real SMTP server (aiosmtpd) keeping what it receives, parsed as a mail client would."""

    def __init__(self):
        self.messages = []
        self.refuse = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def mail_to(app, port, **settings):
    """Point Flask-Mail at `port`; it copies its settings when initialised, and sends nothing under TESTING unless told."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False, **settings)
    mail.init_app(app)


def deliver(app):
    result = app.test_cli_runner().invoke(args=["outbox", "work"])
    assert result.exit_code == 0, result.output


# --- a visitor signing a petition -----------------------------------------------------------------

DRIVE_YAML = """
slug: sweden-2026
country: SE
state: {state}
opens_on: 2026-01-01
closes_on: 2099-12-31
goal: 1000
main_language: en
texts:
  en:
    title: Sweden, declare a moratorium
    summary: Make the Supreme Court's protection law.
    petition: We call on Sweden to stop extraditions to China.
  zh-hans:
    title: 瑞典，请宣布暂停向中国引渡
    summary: 让最高法院的保护成为法律。
    petition: 我们呼吁瑞典停止向中国引渡。
"""


def set_drive(app, tmp_path, state, verb, yaml=DRIVE_YAML):
    path = tmp_path / "drive.yaml"
    path.write_text(yaml.format(state=state), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["drives", verb, "--file", str(path)])
    assert result.exit_code == 0, result.output


def csrf_from(html):
    """The page's CSRF token, from a form's hidden field whatever the order of its attributes."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def sign(client, locale="en", **fields):
    page = client.get(f"/{locale}/drives/sweden-2026").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "name": "Anna Berg", "email": "anna@example.org",
            "residence": "SE", "region": "", "accept_privacy": "y", **fields}
    return client.post(f"/{locale}/drives/sweden-2026", data={k: v for k, v in data.items() if v is not None})


def link(message, purpose):
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(rf"http://moratorium\.test(/\S+/signatures/{purpose}/\S+)", text).group(1)


def press(client, path):
    """What a person does with a link from the mail: open it, then press its button."""
    page = client.get(path)
    assert page.status_code == 200
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})


# --- a visitor writing to legislators -------------------------------------------------------------

LETTER_DRIVE_YAML = """
slug: sweden-2026
country: SE
state: {state}
opens_on: 2026-01-01
closes_on: 2099-12-31
goal: 1000
main_language: en
texts:
  en:
    title: Sweden, declare a moratorium
    summary: Make the Supreme Court's protection law.
    petition: We call on Sweden to stop extraditions to China.
    letter_subject: "A letter from {{{{ signer_name }}}}"
    letter_body: |-
      Dear {{{{ legislator_title }}}} {{{{ legislator_name }}}},

      Please support a moratorium in {{{{ country }}}}.

      {{{{ personal_paragraph }}}}

      Yours, {{{{ signer_name }}}} ({{{{ signer_region }}}})
  zh-hans:
    title: 瑞典，请宣布暂停向中国引渡
    summary: 让最高法院的保护成为法律。
    petition: 我们呼吁瑞典停止向中国引渡。
    letter_subject: "{{{{ signer_name }}}}的来信"
    letter_body: |-
      尊敬的{{{{ legislator_name }}}}：

      请支持{{{{ country }}}}暂停引渡。

      {{{{ signer_name }}}}
"""


LEGISLATORS = """id,country,name,title,chamber,party,region,email,language,active
mp-1,SE,Anna Andersson,Dr,Riksdag,S,Stockholm,anna@riksdagen.example,sv,yes
mp-2,SE,Li Wei,,Riksdag,M,Stockholm,li@riksdagen.example,zh,yes
mp-3,SE,Cecilia Carlsson,,Riksdag,C,Skåne,cecilia@riksdagen.example,en,yes
mp-4,SE,Former Member,,Riksdag,C,Skåne,former@riksdagen.example,sv,no
"""
WRITER = "writer@example.org"


def prove(client, address=WRITER):
    """As if this browser had pressed a confirmation button for `address` (tested on its own in test_letters.py)."""
    with client.application.app_context():
        proof = proofs.proof(address.casefold())
    with client.session_transaction() as session:
        session["proofs"] = [proof]


def write(client, locale="en", **fields):
    page = client.get(f"/{locale}/drives/sweden-2026/letter").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "name": "Wang Fang", "email": WRITER, "region": "",
            "personal": "My brother lives in Stockholm.", "accept_privacy": "y", "action": "send", **fields}
    return client.post(f"/{locale}/drives/sweden-2026/letter", data={k: v for k, v in data.items() if v is not None})


def body(message):
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


# --- a PostgreSQL cluster of a test's own ---------------------------------------------------------

class PrivatePostgres:
    """A PostgreSQL cluster of the test's own, so that restarting it disturbs no one else."""

    def __init__(self):
        found = shutil.which("pg_ctl") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))), None)
        if not found:
            unavailable("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
        self.bin = os.path.dirname(os.path.realpath(found))
        # PostgreSQL refuses to run as root: under root, the cluster belongs to the postgres account.
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.folder = tempfile.mkdtemp(prefix="moratorium-pg-")
        if self.as_owner:
            shutil.chown(self.folder, "postgres")
        self.data, self.port = os.path.join(self.folder, "data"), free_port()
        self.run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")
        self.pg_ctl("start")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres?connect_timeout=2"

    def run(self, program, *args):
        subprocess.run([*self.as_owner, os.path.join(self.bin, program), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def pg_ctl(self, action, *args):
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", action, "-D", self.data, "-w", "-o", options, "-l", os.path.join(self.folder, "log"),
                 *args)

    def close(self):
        self.run("pg_ctl", "stop", "-D", self.data, "-m", "immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def selects(app, client, url):
    """(the page at `url`, the SELECT statements the app sent the database to answer it)."""
    statements = []

    def seen(connection, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        html = client.get(url).get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return html, [s for s in statements if "SELECT" in s.upper()]
