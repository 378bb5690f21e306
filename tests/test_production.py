"""The production shape, as `make production` runs it: nginx before two uWSGI instances, two outbox
workers, PostgreSQL and Redis, started by deploy/run from deploy/production.env.sample's settings.

Slow (the whole shape starts once for the file): marked `production`, run in the PostgreSQL suite only.
"""

import http.client
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
import redis
from aiosmtpd.controller import Controller

from tests.helpers import DRIVE_YAML, Inbox, csrf_from, free_port, unavailable

pytestmark = pytest.mark.production
ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a campaigner's long password"
TTL = 1  # PAGE_REVISION_TTL, seconds


def sample_settings():
    """deploy/production.env.sample as the shell reads it: NAME=value, quotes around some values."""
    lines = (ROOT / "deploy" / "production.env.sample").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if re.match(r"[A-Z_]+=", line))
    return {name: value.strip('"') for name, value in pairs}


def certificate(folder):
    """A self-signed certificate for 127.0.0.1, made with Debian's openssl."""
    if not shutil.which("openssl"):
        unavailable("openssl is not installed")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


class Shape:
    """The running shape: its ports, state, environment and log."""

    def __init__(self, folder, smtp_port):
        self.folder = folder
        self.cert, key = certificate(folder)
        names = ("http", "https", "web1", "web2", "postgres", "redis")
        self.port = {name: free_port() for name in names}
        self.database = f"postgresql://postgres@127.0.0.1:{self.port['postgres']}/moratorium"
        redis_url = f"redis://127.0.0.1:{self.port['redis']}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("APP_", "TEST_", "PYTEST"))},
            **sample_settings(),
            "SECRET_KEY": "production-shape-test", "DEPLOY_STATE": str(folder / "state"),
            "HTTP_PORT": str(self.port["http"]), "HTTPS_PORT": str(self.port["https"]),
            "WEB1_PORT": str(self.port["web1"]), "WEB2_PORT": str(self.port["web2"]), "WEB_PROCESSES": "1",
            "TLS_CERTIFICATE": str(self.cert), "TLS_KEY": str(key), "DATABASE_URL": self.database,
            "RATELIMIT_STORAGE_URI": f"{redis_url}/0", "CACHE_REDIS_URL": f"{redis_url}/1",
            "PUBLIC_URL": f"https://127.0.0.1:{self.port['https']}", "PAGE_REVISION_TTL": str(TTL),
            "MAIL_PORT": str(smtp_port), "SIGN_RATE_LIMIT": "100000 per minute", "LOGIN_RATE_LIMIT": "3 per minute",
            # Small batches and short waits, so that both workers take part in mailing the confirmations.
            "OUTBOX_BATCH": "2", "OUTBOX_IDLE": "0.2",
        }
        self.log = folder / "shape.log"

    def start(self):
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen([sys.executable, str(ROOT / "deploy" / "run")], env=self.env, cwd=ROOT,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        for port in ("web1", "web2", "http"):
            self.wait_for(port)

    def wait_for(self, name, seconds=90):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"deploy/run stopped:\n{self.tail()}")
            try:
                if get(self.port[name], "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        pytest.fail(f"{name} did not answer in {seconds} s:\n{self.tail()}")

    def stop(self):
        """honcho stops every process on TERM; whatever is left after 20 s is killed."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)

    def flask(self, *args, stdin=None):
        result = subprocess.run([str(Path(sys.executable).parent / "flask"), *args], cwd=ROOT, input=stdin, text=True,
                                capture_output=True, env={**self.env, "FLASK_APP": "wsgi.py", "PYTHONPATH": str(ROOT)})
        assert result.returncode == 0, result.stdout + result.stderr

    def scalar(self, sql):
        with psycopg.connect(self.database) as connection:
            return connection.execute(sql).fetchone()[0]

    def tail(self, lines=60):
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="module")
def shape():
    if not Path("/usr/sbin/nginx").exists():
        unavailable("Debian's nginx is not installed (make nginx)")
    if not shutil.which("redis-server"):
        unavailable("redis-server is not installed")
    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    # Not under pytest's folder, which only its owner may enter: the cluster runs as the postgres account under root.
    folder = Path(tempfile.mkdtemp(prefix="moratorium-shape-"))
    folder.chmod(0o711)
    running = Shape(folder, smtp_port)
    running.inbox = inbox
    try:
        running.start()
        drive = running.folder / "drive.yaml"
        drive.write_text(DRIVE_YAML.format(state="open"), encoding="utf-8")
        running.flask("drives", "create", "--file", str(drive))
        running.flask("users", "create", "campaigner@staff.example", "--role", "campaigner", stdin=PASSWORD + "\n")
        yield running
    finally:
        running.stop()
        controller.stop()
        shutil.rmtree(folder, ignore_errors=True)


# --- a visitor over HTTP(S), from a chosen loopback address --------------------------------------

def connection(port, source="127.0.0.1", tls=None):
    if tls:
        context = ssl.create_default_context(cafile=str(tls))
        return http.client.HTTPSConnection("127.0.0.1", port, timeout=20, source_address=(source, 0), context=context)
    return http.client.HTTPConnection("127.0.0.1", port, timeout=20, source_address=(source, 0))


def get(port, path, **options):
    return Visitor(port, **options).get(path)


class Visitor:
    """A browser's worth: one address, its cookies, a request at a time."""

    def __init__(self, port, source="127.0.0.1", tls=None, headers=None):
        self.port, self.source, self.tls, self.headers, self.cookies = port, source, tls, headers or {}, {}

    def request(self, method, path, data=None):
        conn = connection(self.port, self.source, self.tls)
        headers = {**self.headers, "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, urlencode(data) if data is not None else None, headers)
            response = conn.getresponse()
            body = response.read().decode()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, body

    def get(self, path):
        return self.request("GET", path)

    def submit(self, path, **fields):
        """GET the form at `path` for its token, then POST it."""
        status, _, page = self.get(path)
        assert status == 200, page[-500:]
        return self.request("POST", path, {"csrf_token": csrf_from(page), **fields})


def sign(port, address):
    fields = {"name": "Anna Berg", "email": address, "residence": "SE", "region": "", "accept_privacy": "y"}
    return Visitor(port).submit("/en/drives/sweden-2026", **fields)[0]


def delivered(shape, addresses, seconds=60):
    """Wait until the workers have sent every confirmation; the messages each address received."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and shape.scalar(
            "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')"):
        time.sleep(0.3)
    time.sleep(0.5)  # the server has taken the last one before the worker records it as sent
    return {address: len(shape.inbox.to(address)) for address in addresses}


# --- the tests -------------------------------------------------------------------------------------

def test_the_rate_limit_counts_each_client_behind_the_proxy(shape):
    login = {"email": "nobody@staff.example", "password": "not the password"}
    first = Visitor(shape.port["http"], source="127.0.0.1")
    assert [first.submit("/en/staff/login", **login)[0] for _ in range(4)] == [401, 401, 401, 429]
    # Another client is counted on its own, not as the proxy that both come through.
    assert Visitor(shape.port["http"], source="127.0.0.2").submit("/en/staff/login", **login)[0] == 401
    # A client naming another address in X-Forwarded-For is still counted under its own.
    spoofing = Visitor(shape.port["http"], source="127.0.0.1", headers={"X-Forwarded-For": "127.0.0.9"})
    assert spoofing.submit("/en/staff/login", **login)[0] == 429


def test_https_at_the_proxy_brings_hsts_and_secure_cookies(shape):
    status, headers, _ = get(shape.port["https"], "/en/drives/sweden-2026", tls=shape.cert)
    assert status == 200
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    session = next(c for c in headers.get_all("Set-Cookie") if c.startswith("session="))
    assert "Secure" in session and "HttpOnly" in session
    # Plain HTTP at the proxy is not HTTPS to the application: no HSTS there.
    assert "Strict-Transport-Security" not in get(shape.port["http"], "/en/drives/sweden-2026")[1]


def test_stopping_an_instance_mid_load_loses_no_signature(shape):
    answers, lock, stop = [], threading.Lock(), threading.Event()

    def visitor(number):
        for count in range(10_000):
            if stop.is_set():
                return
            address = f"load-{number}-{count}@example.org"
            status = sign(shape.port["http"], address)
            with lock:
                answers.append((address, status))

    visitors = [threading.Thread(target=visitor, args=(n,)) for n in range(6)]
    for thread in visitors:
        thread.start()
    try:
        time.sleep(2)
        before = len(answers)
        (Path(shape.env["DEPLOY_STATE"]) / "web1.fifo").write_text("q")  # a graceful stop, as an operator would
        down = stopped(shape.port["web1"])
        at_stop = len(answers)
        time.sleep(1)  # web1 starts again two seconds after it stopped
        while_down = len(answers)
    finally:
        stop.set()
        for thread in visitors:
            thread.join(30)
    assert down, "web1 did not stop"
    assert at_stop > before and while_down > at_stop  # signing went on through web2 while web1 was down
    assert {status for _, status in answers} == {303}
    signed = {address for address, _ in answers}
    assert shape.scalar("SELECT count(*) FROM signatures WHERE email LIKE 'load-%'") == len(signed) == len(answers)
    shape.wait_for("web1")  # it starts again by itself, with the code as it now is


def stopped(port, seconds=5):
    """Whether the instance on `port` came to refuse connections within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            get(port, "/healthz")
        except ConnectionRefusedError:
            return True
        except OSError:  # accepted while it stopped, then closed: not yet down
            pass
        time.sleep(0.1)
    return False


def test_two_workers_send_each_confirmation_once(shape):
    addresses = [f"mail-{n}@example.org" for n in range(40)]
    threads = [threading.Thread(target=sign, args=(shape.port["http"], a)) for a in addresses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert set(delivered(shape, addresses).values()) == {1}
    # Both workers sent some of them: each mail once, though two took from the same queue.
    for worker in ("outbox.1", "outbox.2"):
        assert re.search(rf"{re.escape(worker)} +\|.*outbox delivered sent=[1-9]", shape.tail(100_000)), worker


def test_a_page_changed_on_one_instance_is_fresh_on_the_other(shape):
    drive = "/en/drives/sweden-2026"
    assert "Sweden, declare a moratorium" in get(shape.port["web2"], drive)[2]  # cached, in Redis
    assert any(b"page2:" in key for key in redis.Redis(port=shape.port["redis"], db=1).keys())
    campaigner = Visitor(shape.port["web1"], source="127.0.0.3")  # 127.0.0.1 used up its logins above
    assert campaigner.submit("/en/staff/login", email="campaigner@staff.example", password=PASSWORD)[0] == 303
    drive_id = shape.scalar("SELECT id FROM drives WHERE slug = 'sweden-2026'")
    status, _, page = campaigner.submit(f"/en/staff/drives/{drive_id}/texts/en", title="Sweden, stop extraditions now",
                                        summary="Make the Supreme Court's protection law.",
                                        petition="We call on Sweden to stop extraditions to China.",
                                        letter_subject="", letter_body="")
    assert status in {200, 303}, page[-800:]
    changed = time.monotonic()
    assert "Sweden, stop extraditions now" in get(shape.port["web1"], drive)[2]
    while True:  # a request web2 begins more than TTL seconds after the change gets the new page
        asked = time.monotonic()
        if "Sweden, stop extraditions now" in get(shape.port["web2"], drive)[2]:
            break
        assert asked - changed < TTL + 0.1, "web2 still serves the old page"
        time.sleep(0.05)


def test_the_proxy_hides_metrics_readiness_client_addresses_and_tokens(shape):
    for path in ("/metrics", "//metrics", "/metrics/", "/%6Detrics", "/en/../metrics", "/readyz"):
        assert get(shape.port["http"], path)[0] == 404, path
    assert get(shape.port["web1"], "/readyz")[0] == 200  # the load balancer asks the instance itself
    get(shape.port["http"], "/en/signatures/confirm/a-token-only-the-signer-has")
    deadline = time.monotonic() + 10
    while not any('"GET /metrics' in line for line in access_log(shape)):
        assert time.monotonic() < deadline, "the access log has no line for /metrics"
        time.sleep(0.2)
    # The clients came from 127.0.0.2 and .3 too (the instances are on 127.0.0.1, and named as upstreams).
    assert not any(re.search(r"\b127\.0\.0\.[239]\b", line) for line in access_log(shape))
    proxy_lines = [line for line in shape.tail(100_000).splitlines() if " proxy.1 " in line]
    assert not any("a-token-only-the-signer-has" in line for line in proxy_lines)
    assert not any(re.search(r"client: \d", line) for line in proxy_lines)  # nor in its error lines


def access_log(shape):
    """nginx's access lines (its error lines, few, name the client of a failed request)."""
    lines = [line.split("| ", 1)[1] for line in shape.tail(100_000).splitlines() if " proxy.1 " in line]
    return [line for line in lines if line.startswith("[")]
