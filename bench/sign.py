"""Signing throughput against a bare route that inserts one row, both served by the same WSGI server."""
# Run by hand from the repo root: .venv/bin/python bench/sign.py --help
# Not part of the test suite: figures depend on the machine and what else runs on it.
# The servers come from servers.py, the wrk and fallback-generator plumbing from pages.py.

import argparse
import http.client
import itertools
import json
import math
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from string import Template
from urllib.parse import quote, urlsplit

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))  # run as a script: pages.py and bare_insert.py sit next to it

import bare_insert  # noqa: E402
from pages import (  # noqa: E402
    add_load_arguments,
    checked_arguments,
    database_label,
    make_runner,
    percentile,
    pick_generator,
)
from servers import HOST, ROOT, HarnessError, get, print_log, server_env, serving  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

SLUG = "bench-sign"
PATHS = {"bare": "/insert", "sign": f"/en/drives/{SLUG}"}
TARGET = 0.50  # signing should keep at least half the throughput of a bare one-row insert (issue 13)
SCHEMA = "bench_sign"  # PostgreSQL: everything lives here and is dropped at the end
# A database of the benchmarks' own (created if missing), never the test suite's `test`.
POSTGRESQL_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
MILLION = 1_000_000
GRACE = 3  # wrk seconds after the deadline for answers still in flight to arrive
TIMEOUT = 5  # seconds; a request slower than this counts as an error



def drive_yaml(slug, benchmark, texts=""):
    """The drive file a benchmark creates (and throws away): open, in SE, English; `texts` adds more."""
    return f"""\
slug: {slug}
country: SE
state: open
goal: 2000000
main_language: en
texts:
  en:
    title: Benchmark drive
    summary: A drive the {benchmark} benchmark creates and throws away.
    petition: "We ask for a moratorium.\\n\\nThis text is only here to be rendered."
{texts}"""


DRIVE_YAML = drive_yaml(SLUG, "signing")

# Each request carries a fresh address (otherwise it would be a re-sign), and nothing is
# sent after the deadline: wrk's delay() idles every connection once its answer is in, so no
# request is cut off in flight and every row in the database has a response counted.
WRK_SCRIPT = Template("""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local clock = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC, the same for all of wrk's threads
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) / 1e9
end

local threads, next_id = {}, 1
local headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = $cookie}
local deadline, limit, running = 0, $per_thread, false
tid, sent, answered, ok, other, started, last = 0, 0, 0, 0, 0, 0, 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  tid = tonumber(wrk.thread:get("tid"))
  started = now()
  deadline = started + $seconds
end

local function finished()
  return sent >= limit or now() >= deadline
end

function delay()
  -- wrk calls delay() before each connection's first request; request() calls before
  -- that were wrk checking the script on the first thread, and sent nothing.
  if not running then running, sent = true, 0 end
  if not finished() then return 0 end
  if answered >= sent then wrk.thread:stop() end
  return 3600000
end

function request()
  sent = sent + 1
  local body = string.format($body, tid, sent)
  return wrk.format("POST", $path, headers, body)
end

function response(status, hdrs, body)
  answered = answered + 1
  last = now()
  if status == 303 then ok = ok + 1 else other = other + 1 end
  if answered >= sent and finished() then wrk.thread:stop() end
end

function done(s, lat, req)
  local t = {sent = 0, answered = 0, ok = 0, other = 0, first = math.huge, last = 0}
  for _, thread in ipairs(threads) do
    for _, k in ipairs({"sent", "answered", "ok", "other"}) do t[k] = t[k] + thread:get(k) end
    t.first = math.min(t.first, thread:get("started"))
    t.last = math.max(t.last, thread:get("last"))
  end
  io.write(string.format(
    '{"sent":%d,"answered":%d,"ok":%d,"other":%d,"window_s":%.6f,"connect":%d,"read":%d,' ..
    '"write":%d,"timeout":%d,"p50_us":%d,"p99_us":%d}\\n',
    t.sent, t.answered, t.ok, t.other, t.last - t.first, s.errors.connect, s.errors.read,
    s.errors.write, s.errors.timeout, lat:percentile(50), lat:percentile(99)))
end
""")


def parse_args(argv=None):
    """Command-line flags."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite",
                   help="SQLite in a temporary file, PostgreSQL in schema bench_sign, or both")
    p.add_argument("--postgresql-url", default=POSTGRESQL_URL,
                   help=f"PostgreSQL database to create schema {SCHEMA} in (default: %(default)s)")
    p.add_argument("--baseline", choices=("flask", "wsgi"), default="flask",
                   help="bare route to compare with: one inserting route added to the same Flask app "
                        "(default), or a plain WSGI function with no framework at all")
    p.add_argument("--million", action="store_true",
                   help="also measure the drive page with 1,000,000 confirmed signatures")
    add_load_arguments(p, "route", "sign")
    return checked_arguments(p, argv)


# --- the database -------------------------------------------------------------------------

def postgresql_bench_url(base):
    """The URL with search_path set to the bench schema, so no other table is ever touched."""
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{SCHEMA}"


def psql(base, sql, database=None):
    """One statement through psql, against the database of `base` (or `database`): its output."""
    parts = urlsplit(base)
    cmd = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", parts.hostname or HOST,
           "-p", str(parts.port or 5432), "-U", parts.username or "postgres",
           "-d", database or parts.path.lstrip("/") or "postgres", "-c", sql]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise HarnessError(f"psql {sql!r} failed: {out.stderr.strip()}")
    return out.stdout.strip()


def ensure_database(base):
    """Create the database of `base` if it does not exist yet (the default `bench`, on a new machine)."""
    name = urlsplit(base).path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        return  # an unusual name: the caller made it, and psql will say if it is missing
    if not psql(base, f"SELECT 1 FROM pg_database WHERE datname = '{name}'", database="postgres"):
        psql(base, f"CREATE DATABASE {name}", database="postgres")
        print(f"created PostgreSQL database {name}")


def flask_cli(url, *cli_args):
    """A `flask` command of the app, against the bench database."""
    run_flask(app_env(url), *cli_args)


def run_flask(env, *cli_args):
    """A `flask` command of the app, in the environment `env`."""
    cmd = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi.py", *cli_args]
    out = subprocess.run(cmd, cwd=ROOT, env=server_env(env, ROOT), capture_output=True, text=True,
                         timeout=300)
    if out.returncode != 0:
        raise HarnessError(f"flask {' '.join(cli_args)} failed:\n{out.stdout}{out.stderr}")


@contextmanager
def prepared_database(args, kind, workdir):
    """A database with the app's tables, one open drive and the bench table; removed after."""
    if kind == "sqlite":
        url = f"sqlite:///{workdir}/sign.db"  # the temporary directory goes, and the file with it
    else:
        url = postgresql_bench_url(args.postgresql_url)
        ensure_database(args.postgresql_url)
        try:
            psql(args.postgresql_url, f"CREATE SCHEMA {SCHEMA}")
        except HarnessError as exc:
            raise HarnessError(f"{exc}\n(left over from an interrupted run? "
                               f"DROP SCHEMA {SCHEMA} CASCADE)") from None
    engine = create_engine(url, poolclass=NullPool)  # holds no connection between uses
    try:
        flask_cli(url, "db", "upgrade")
        drive_file = Path(workdir) / "drive.yaml"
        drive_file.write_text(DRIVE_YAML)
        flask_cli(url, "drives", "create", "--file", str(drive_file))
        bare_insert.metadata.create_all(engine)
        yield url, engine
    finally:
        try:
            bare_insert.metadata.drop_all(engine)
        finally:
            engine.dispose()
            if kind == "postgresql":
                psql(args.postgresql_url, f"DROP SCHEMA {SCHEMA} CASCADE")


def label(kind, url):
    """The database for the report, without credentials."""
    if kind == "sqlite":
        return "sqlite (temporary file)"
    return f"{database_label(url)}, schema {SCHEMA}"


def row_counts(engine):
    """Rows in the tables a run writes to."""
    with engine.connect() as conn:
        return {table: conn.scalar(text(f"SELECT count(*) FROM {table}"))
                for table in ("signatures", "outbox", "bench_inserts")}


# --- the servers ----------------------------------------------------------------------------

def app_env(url):
    """The app's environment: no rate limit, no mail inside requests."""
    env = dict(os.environ, DATABASE_URL=url, RATELIMIT_ENABLED="false", OUTBOX_INLINE="false")
    env.setdefault("APP_ENV", "development")
    return env


def bare_env(url):
    """The bare route's environment."""
    return dict(os.environ, BENCH_DATABASE_URL=url)


def baseline(args, url):
    """(WSGI target, folder, environment) of the route signing is compared with."""
    if args.baseline == "flask":
        return "bare_flask:app", BENCH, app_env(url)
    return "bare_insert:app", BENCH, bare_env(url)


@contextmanager
def server(args, name, target, chdir, env, workdir):
    """A running server (both routes get the same settings): (port, log path)."""
    with serving(args.server, target, chdir, env, workdir, name) as (_, port, log_path):
        yield port, log_path


def post(port, path, body, cookie):
    """One form POST on a fresh connection: the status."""
    conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    try:
        conn.request("POST", path, body=body, headers=form_headers(cookie))
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def form_headers(cookie):
    """Headers of a signing request."""
    return {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}


def signing_session(port):
    """A session cookie and the CSRF token of the form it belongs to, fetched once."""
    # Flask-WTF ties the token to the session, not to a request: one pair serves every POST.
    conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    try:
        conn.request("GET", PATHS["sign"])
        response = conn.getresponse()
        page = response.read().decode()
        cookies = response.msg.get_all("Set-Cookie") or []
    finally:
        conn.close()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if response.status != 200 or not token or not cookies:
        raise HarnessError(f"{PATHS['sign']} answered {response.status} without a form and a cookie")
    return "; ".join(c.split(";", 1)[0] for c in cookies), token.group(1)


def form_prefix(token):
    """The form fields every signature shares; the address is appended per request."""
    return (f"csrf_token={quote(token, safe='')}&name=Bench+Signer&residence=SE&region="
            "&accept_privacy=y")


def preflight(ports, cookie, prefix, engine):
    """One POST to each route must answer 303 and write its rows, or the run would measure errors."""
    before = row_counts(engine)
    for name, path in PATHS.items():
        status = post(ports[name], path, f"{prefix}&email=preflight@example.org", cookie)
        if status != 303:
            raise HarnessError(f"POST {path} answered {status} before the run; fix the app first")
    after = row_counts(engine)
    wrote = {table: after[table] - before[table] for table in after}
    if wrote != {"signatures": 1, "outbox": 1, "bench_inserts": 1}:
        raise HarnessError(f"preflight POSTs wrote {wrote}, not one row per table")
    print("preflight: POST to both routes answered 303 and wrote one row each")


# --- the load -------------------------------------------------------------------------------

def wrk_post(args, port, path, seconds, body, cookie, workdir):
    """One wrk run of distinct POSTs: counts, window, latency, plus wrk's own CPU use."""
    script = Path(workdir) / "sign.lua"
    script.write_text(WRK_SCRIPT.substitute(
        cookie=json.dumps(cookie), per_thread=max(1, args.max_requests // args.wrk_threads),
        seconds=repr(float(seconds)), body=json.dumps(body),
        path=json.dumps(path)))
    cmd = ["wrk", "-t", str(args.wrk_threads), "-c", str(args.concurrency),
           "-d", f"{math.ceil(seconds) + GRACE}s", "--timeout", f"{TIMEOUT}s", "-s", str(script),
           f"http://{HOST}:{port}{path}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + GRACE + 60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((row for row in out.stdout.splitlines() if row.startswith("{")), None)
    if out.returncode != 0 or line is None:
        raise HarnessError(f"wrk failed ({out.returncode}): {out.stderr.strip()}\n{out.stdout}")
    raw = json.loads(line)
    window = raw["window_s"] if raw["window_s"] > 0 else seconds
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "sent": raw["sent"], "requests": raw["answered"], "ok": raw["ok"], "seconds": window,
        "rps": raw["answered"] / window, "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": raw["other"] + sum(raw[k] for k in ("connect", "read", "write", "timeout")),
        "generator_cpu": cpu / window,
    }


def python_post_worker(port, path, headers, bodies, deadline, budget, lock, out):
    """One connection posting until time or the shared budget runs out; never cut mid-request."""
    conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    tally = {"sent": 0, "ok": 0, "other": 0, "socket": 0, "latencies": [], "last": 0.0}
    while time.monotonic() < deadline:
        with lock:
            if budget[0] <= 0:
                break
            budget[0] -= 1
        tally["sent"] += 1
        start = time.perf_counter()
        try:
            conn.request("POST", path, body=next(bodies), headers=headers)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            tally["socket"] += 1
            conn.close()
            continue
        tally["latencies"].append(time.perf_counter() - start)
        tally["ok" if response.status == 303 else "other"] += 1
        tally["last"] = time.monotonic()
    conn.close()
    out.append(tally)


def bodies(body, thread):
    """Endless distinct request bodies for one thread: bench-<label>-<thread>-<counter>."""
    return (body % (thread, n) for n in itertools.count(1))


def python_post(args, port, path, seconds, body, cookie):
    """The fallback generator: threads with keep-alive connections, bounded in count and time."""
    lock, budget, out = threading.Lock(), [args.max_requests], []
    cpu0, start = time.process_time(), time.monotonic()
    threads = [
        threading.Thread(target=python_post_worker, args=(
            port, path, form_headers(cookie), bodies(body, t),
            start + seconds, budget, lock, out))
        for t in range(1, args.concurrency + 1)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + TIMEOUT + 30)
    window = max([t["last"] for t in out] + [start + seconds]) - start
    latencies = sorted(latency for t in out for latency in t["latencies"])
    return {
        "sent": sum(t["sent"] for t in out), "requests": len(latencies),
        "ok": sum(t["ok"] for t in out), "seconds": window, "rps": len(latencies) / window,
        "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000,
        "errors": sum(t["other"] + t["socket"] for t in out),
        "generator_cpu": (time.process_time() - cpu0) / window,
    }


def post_runner(args, generator, ports, cookie, prefix, engine, workdir):
    """A function (route, seconds, label) -> figures of one run, its rows checked against its 303s."""
    def run(name, seconds, label):
        # The label keeps addresses distinct across runs: bench-<label>-<thread>-<counter>.
        # One format string for Lua's string.format and Python's %: both read %d and %%.
        body = prefix.replace("%", "%%") + f"&email=bench-{label}-%d-%d@example.org"
        before = row_counts(engine)
        if generator == "wrk":
            figures = wrk_post(args, ports[name], PATHS[name], seconds, body, cookie, workdir)
        else:
            figures = python_post(args, ports[name], PATHS[name], seconds, body, cookie)
        after = row_counts(engine)
        figures["rows"] = {table: after[table] - before[table] for table in after}
        figures["exact"] = exactness(name, label, figures)
        return figures
    return run


def exactness(name, label, figures):
    """Rows written equal the 303s counted: one signature and one outbox row each, or one insert."""
    rows, ok = figures["rows"], figures["ok"]
    expected = ({"signatures": ok, "outbox": ok, "bench_inserts": 0} if name == "sign"
                else {"signatures": 0, "outbox": 0, "bench_inserts": ok})
    exact = rows == expected
    written = ", ".join(f"{table} +{rows[table]}" for table in rows if expected[table] or rows[table])
    unanswered = figures["sent"] - figures["requests"]
    note = f", {unanswered} sent without an answer" if unanswered else ""
    verdict = "exact" if exact else "FAIL: rows and 303 responses differ"
    print(f"  {label:8s} {name:5s} {ok:6d} x 303 -> {written}{note}: {verdict}")
    return exact


def measure(args, run):
    """Warm both routes, then alternate bare and sign in rounds."""
    warm = [run(name, args.warmup, f"w{name[0]}") for name in PATHS if args.warmup > 0]
    # Bare and sign alternate, so a burst of load from other work hits both sides of a ratio.
    rounds = [{name: run(name, args.seconds, f"r{i}{name[0]}") for name in PATHS}
              for i in range(1, args.rounds + 1)]
    return warm, rounds


# --- a million signatures ----------------------------------------------------------------------

SQLITE_MILLION = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO signatures (drive_id, name, email, email_key, residence, region, locale,
                        consent_updates, state, confirmation_sends, created_at, confirmed_at)
SELECT :drive, 'Bench Signer', 'million-' || i || '@example.org', 'million-' || i || '@example.org',
       'SE', '', 'en', 0, 'confirmed', 1, :now, :now FROM n
"""

POSTGRESQL_MILLION = """
INSERT INTO signatures (drive_id, name, email, email_key, residence, region, locale,
                        consent_updates, state, confirmation_sends, created_at, confirmed_at)
SELECT :drive, 'Bench Signer', 'million-' || i || '@example.org', 'million-' || i || '@example.org',
       'SE', '', 'en', false, 'confirmed', 1, now(), now() FROM generate_series(1, :count) AS i
"""


def insert_million(engine, kind):
    """A million confirmed signatures in one statement, and the drive's count set to match."""
    started = time.monotonic()
    with engine.begin() as conn:
        drive = conn.scalar(text("SELECT id FROM drives WHERE slug = :slug"), {"slug": SLUG})
        sql = SQLITE_MILLION if kind == "sqlite" else POSTGRESQL_MILLION
        # SQLite stores DateTime as text in the layout SQLAlchemy writes; PostgreSQL has now().
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        conn.execute(text(sql), {"drive": drive, "count": MILLION, "now": now})
        # Counted once here, as the confirmations would have; the page only reads the column.
        conn.execute(text(
            "UPDATE drives SET confirmed_count = (SELECT count(*) FROM signatures"
            " WHERE drive_id = :drive AND state = 'confirmed') WHERE id = :drive"), {"drive": drive})
        count = conn.scalar(text("SELECT confirmed_count FROM drives WHERE id = :drive"),
                            {"drive": drive})
    if kind == "postgresql":
        # Otherwise autovacuum wakes up for the million new rows in the middle of the measurement.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE signatures"))
    print(f"inserted {MILLION:,} confirmed signatures in {time.monotonic() - started:.1f} s; "
          f"drives.confirmed_count = {count:,}")
    return count


def million(args, generator, kind, port, engine, workdir):
    """The drive page's throughput before and after a million confirmed signatures."""
    run = make_runner(args, generator, port, workdir)
    print(f"drive page GET {PATHS['sign']}, {args.rounds} x {args.seconds:g} s each:")
    before = page_figures(args, run, port, "with the runs' pending rows")
    count = insert_million(engine, kind)
    status, body = get(port, PATHS["sign"])
    shown = f"{count:,}".encode() in body
    if status != 200 or not shown:
        raise HarnessError(f"drive page answered {status}; count {count:,} shown: {shown}")
    after = page_figures(args, run, port, f"with {count:,} confirmed")
    return {"before": before, "after": after, "confirmed_count": count,
            "ratio": round(after["rps"] / before["rps"], 4) if before["rps"] else 0.0}


def page_figures(args, run, port, label):
    """Warm the drive page, measure it for the rounds, print and return the medians."""
    status, _ = get(port, PATHS["sign"])
    if status != 200:
        raise HarnessError(f"drive page answered {status}")
    if args.warmup > 0:
        run(PATHS["sign"], args.warmup)
    summary = medians([run(PATHS["sign"], args.seconds) for _ in range(args.rounds)])
    print(f"  {label:32s} {summary['rps']:9.1f} req/s  p50 {summary['p50_ms']:6.2f} ms  "
          f"p99 {summary['p99_ms']:6.2f} ms  errors {summary['errors']}")
    return summary


# --- results ----------------------------------------------------------------------------------

def medians(runs):
    """The median of each figure over runs; counts summed."""
    summary = {k: round(statistics.median(r[k] for r in runs), 3)
               for k in ("rps", "p50_ms", "p99_ms", "generator_cpu")}
    summary.update(requests=sum(r["requests"] for r in runs), errors=sum(r["errors"] for r in runs))
    return summary


def ratio_of(round_):
    """Sign req/s over bare req/s in one round."""
    return round_["sign"]["rps"] / round_["bare"]["rps"] if round_["bare"]["rps"] else 0.0


def summarize(kind, url, warm, rounds):
    """One database's result: medians per route, the median ratio, verdicts."""
    every = warm + [run for r in rounds for run in r.values()]
    summary = {name: medians([r[name] for r in rounds]) for name in PATHS}
    ratio = statistics.median(ratio_of(r) for r in rounds)
    errors = sum(s["errors"] for s in summary.values())
    return {
        "database": label(kind, url), "kind": kind, "results": summary,
        "round_ratios": [round(ratio_of(r), 4) for r in rounds], "ratio": round(ratio, 4),
        "verdict": "PASS" if ratio >= TARGET and not errors else "MISS",
        "exact": all(run["exact"] for run in every), "checked_runs": len(every),
    }


def report(args, generator, result):
    """The table for one database."""
    print(f"\n{result['database']}: generator={generator} server={args.server.label()} "
          f"concurrency={args.concurrency} seconds={args.seconds:g} "
          f"rounds={args.rounds} cpus={os.cpu_count()}")
    if args.rounds > 1:
        print("rounds, ratio sign/bare: " + ", ".join(f"{r:.3f}" for r in result["round_ratios"]))
        print("medians over rounds (requests and errors summed):")
    print(f"{'route':6s} {'path':22s} {'req/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s} "
          f"{'errors':>7s} {'requests':>9s} {'gen cpu':>8s}")
    for name, r in result["results"].items():
        print(f"{name:6s} {PATHS[name]:22s} {r['rps']:9.1f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} "
              f"{r['errors']:7d} {r['requests']:9d} {r['generator_cpu']:7.0%}")
    errors = sum(r["errors"] for r in result["results"].values())
    print(f"ratio sign/bare = {result['ratio']:.3f}; target >= {TARGET} with 0 errors "
          f"({errors} errors): {result['verdict']}")
    print(f"exactness: rows == 303 responses in {'all' if result['exact'] else 'NOT all'} "
          f"{result['checked_runs']} runs" + ("" if result["exact"] else ": FAIL"))
    if "million" in result:
        m = result["million"]
        print(f"drive page with {m['confirmed_count']:,} confirmed signatures: "
              f"{m['after']['rps']:.1f} req/s, p99 {m['after']['p99_ms']:.2f} ms "
              f"({m['ratio']:.2f}x the figure before the million)")


def bench_database(args, kind, generator):
    """Prepare one database, serve both routes, measure, clean up whatever happens."""
    with tempfile.TemporaryDirectory(prefix=f"bench-sign-{kind}-") as workdir:
        with prepared_database(args, kind, workdir) as (url, engine):
            with server(args, "app", "wsgi:app", ROOT, app_env(url), workdir) as (app_port, app_log), \
                 server(args, "bare", *baseline(args, url), workdir) as (bare_port, _):
                ports = {"sign": app_port, "bare": bare_port}
                cookie, token = signing_session(app_port)
                preflight(ports, cookie, form_prefix(token), engine)
                print(f"{label(kind, url)}: runs, and the rows each wrote:")
                run = post_runner(args, generator, ports, cookie, form_prefix(token), engine, workdir)
                warm, rounds = measure(args, run)
                result = summarize(kind, url, warm, rounds)
                if args.million:
                    result["million"] = million(args, generator, kind, app_port, engine, workdir)
                if any(r["errors"] for r in warm + [v for r in rounds for v in r.values()]):
                    print_log(app_log)
    report(args, generator, result)
    return result


def main(argv=None):
    """Entry point: 0 whether or not the target is met, 1 if rows and 303s differ, 2 if the harness failed."""
    args = parse_args(argv)
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    try:
        generator = pick_generator(args.generator)
        results = [bench_database(args, kind, generator) for kind in kinds]
    except (HarnessError, OSError, subprocess.SubprocessError) as exc:
        print(f"bench/sign.py: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({
            "bench": "sign", "generator": generator, "server": args.server.spec,
            "server_label": args.server.label(), "concurrency": args.concurrency,
            "seconds": args.seconds, "rounds": args.rounds, "paths": PATHS, "target": TARGET,
            "databases": results,
        }))
    return 0 if all(r["exact"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
