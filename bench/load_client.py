"""Visitors for bench/load.py: threads that sign, confirm and read pages over HTTP."""
# Each flow is one visitor with its own connection and cookies, as a browser would be: the
# signer GETs the drive page for its form and session, then POSTs; the confirmer opens the
# link from the mail (a page with a button and its own session), then presses the button.

import http.client
import itertools
import queue
import random
import re
import threading
import time
from collections import Counter
from urllib.parse import quote

from pages import HOST, HarnessError, percentile
from sqlalchemy import text

TIMEOUT = 5  # seconds; an answer slower than this is an error
EXPECTED = {"sign_form": 200, "sign": 303, "confirm_form": 200, "confirm": 200,
            "country": 200, "drive": 200}
CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
CONFIRMED = "Thank you: your signature is confirmed and counted.".encode()
LINK = re.compile(r"https?://[^/\s]+(/[a-z-]+/signatures/confirm/[A-Za-z0-9._-]+)")


class Tally:
    """What one visitor saw: latencies and outcomes per request kind, and the addresses signed."""

    def __init__(self):
        self.latencies = {kind: [] for kind in EXPECTED}
        self.errors = Counter()  # (kind, status or exception name)
        self.signed, self.unanswered = [], []  # addresses answered 303; sent without an answer
        self.confirmed, self.flows, self.last = 0, Counter(), 0.0

    def merge(self, other):
        for kind, values in other.latencies.items():
            self.latencies[kind].extend(values)
        self.errors.update(other.errors)
        self.signed += other.signed
        self.unanswered += other.unanswered
        self.confirmed += other.confirmed
        self.flows.update(other.flows)
        self.last = max(self.last, other.last)
        return self

    def summary(self, kind, seconds):
        """Count, rate, p50/p99 in ms and errors of one request kind."""
        values = sorted(self.latencies[kind])
        errors = sum(n for (k, _), n in self.errors.items() if k == kind)
        return {"requests": len(values) + errors, "rps": len(values) / seconds,
                "p50_ms": percentile(values, 50) * 1000, "p99_ms": percentile(values, 99) * 1000,
                "errors": errors}


class Links:
    """Confirmation links read from the outbox as the mail carries them, handed out once each."""

    def __init__(self, engine):
        self.engine, self.queue, self.last_id = engine, queue.SimpleQueue(), 0
        self.stopping = threading.Event()

    def poll(self):
        """Queue the links of confirmation mails the worker has written since the last poll.

        The worker writes mail in the order of its ids, batch by batch: the first one not yet
        written is where the next poll starts."""
        with self.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, text FROM outbox WHERE kind = 'confirmation'"
                                     " AND id > :last ORDER BY id"), {"last": self.last_id}).all()
        for row in rows:
            if row.text is None:
                break
            self.last_id = row.id
            found = LINK.search(row.text)
            if found:
                self.queue.put(found.group(1))

    def follow(self, every=0.2):
        """Poll until stopped; run in a thread of its own."""
        while not self.stopping.wait(every):
            self.poll()

    def take(self):
        try:
            return self.queue.get_nowait()
        except queue.Empty:
            return None


class Visitor(threading.Thread):
    """One connection's worth of visitors, one flow after another until the deadline."""

    def __init__(self, port, paths, mix, links, deadline, name, seed):
        super().__init__(daemon=True)
        self.port, self.paths, self.links, self.deadline = port, paths, links, deadline
        self.kinds, self.weights = zip(*mix.items())
        self.label, self.rng, self.tally = name, random.Random(seed), Tally()
        self.counter = itertools.count(1)

    def run(self):
        # A flow is started only before the deadline and always finished: no request is cut
        # off, so every row in the database belongs to an answer counted here.
        while time.monotonic() < self.deadline:
            self.flow(self.rng.choices(self.kinds, self.weights)[0])

    def flow(self, kind):
        """One visitor: a signer, a confirmer (a signer if no link is waiting) or a reader."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
        try:
            link = self.links.take() if kind == "confirm" else None
            if kind == "confirm" and link:
                self.confirm(conn, link)
            elif kind in ("sign", "confirm"):
                kind = "sign"
                self.sign(conn)
            else:
                self.exchange(conn, kind, "GET", self.paths[kind])
            self.tally.flows[kind] += 1
        finally:
            conn.close()

    def sign(self, conn):
        """GET the drive page for a session and a token, then POST a new address."""
        form = self.form(conn, "sign_form", self.paths["drive"])
        if form is None:
            return
        cookie, token = form
        email = f"load-{self.label}-{next(self.counter)}@example.org"
        body = (f"csrf_token={quote(token, safe='')}&name=Load+Signer&email={quote(email)}"
                "&residence=SE&region=&accept_privacy=y")
        answer = self.exchange(conn, "sign", "POST", self.paths["drive"], body, cookie)
        if answer is None:
            self.tally.unanswered.append(email)
        elif answer[0] == 303:
            self.tally.signed.append(email)

    def confirm(self, conn, link):
        """Open the link from the mail, then press its button: the page must say it counted."""
        form = self.form(conn, "confirm_form", link)
        if form is None:
            return
        cookie, token = form
        answer = self.exchange(conn, "confirm", "POST", link, f"csrf_token={quote(token, safe='')}",
                               cookie)
        if answer is None or answer[0] != 200:
            return
        if CONFIRMED in answer[2]:
            self.tally.confirmed += 1
        else:
            self.tally.errors["confirm", "not counted"] += 1

    def form(self, conn, kind, path):
        """(cookie, CSRF token) from a page with a form, or None (counted as an error)."""
        answer = self.exchange(conn, kind, "GET", path)
        if answer is None or answer[0] != 200:
            return None
        token = CSRF.search(answer[2])
        cookie = "; ".join(c.split(";", 1)[0] for c in answer[1])
        if not token or not cookie:
            self.tally.errors[kind, "no form or cookie"] += 1
            return None
        return cookie, token.group(1).decode()

    def exchange(self, conn, kind, method, path, body=None, cookie=None):
        """One timed request: (status, Set-Cookie values, body), or None on a socket error."""
        headers = {"Cookie": cookie} if cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.tally.errors[kind, type(exc).__name__] += 1
            conn.close()
            return None
        self.tally.last = time.monotonic()
        if response.status != EXPECTED[kind]:
            self.tally.errors[kind, str(response.status)] += 1
        else:
            self.tally.latencies[kind].append(time.perf_counter() - start)
        return response.status, response.msg.get_all("Set-Cookie") or [], content


def drive_load(port, paths, mix, links, seconds, visitors, label):
    """Run `visitors` threads for `seconds`: (merged tally, window in s, client CPU s)."""
    cpu0, start = time.process_time(), time.monotonic()
    threads = [Visitor(port, paths, mix, links, start + seconds, f"{label}{v}", seed=v)
               for v in range(1, visitors + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 4 * TIMEOUT + 30)
    if any(thread.is_alive() for thread in threads):
        raise HarnessError("a visitor did not finish; the counts cannot be checked")
    tally = Tally()
    for thread in threads:
        tally.merge(thread.tally)
    window = max(tally.last, start + seconds) - start
    return tally, window, time.process_time() - cpu0
