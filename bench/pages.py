"""Throughput of the country page against the bare /healthz route, both served by one WSGI server."""
# Run by hand from the repo root: .venv/bin/python bench/pages.py --help
# Not part of the test suite: figures depend on the machine and what else runs on it.

import argparse
import http.client
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: servers.py sits next to it

from servers import (  # noqa: E402
    HOST,
    ROOT,
    HarnessError,
    add_server_arguments,
    get,
    print_log,
    server_from_args,
    serving,
)

PATHS = {"bare": "/healthz", "country": "/en/countries/se"}
TARGET = 0.85  # the cached country page should keep 0.85x the bare route's throughput (issue 13)

# wrk's own summary is prose; this script makes it print one JSON line we can parse,
# and stops each thread once it has its share of the request budget.
WRK_SCRIPT = """
local done_count, limit = 0, 0
function setup(thread) thread:set("limit", %(per_thread)d) end
function init(args) limit = tonumber(wrk.thread:get("limit")) end
function response(status, headers, body)
  done_count = done_count + 1
  if done_count >= limit then wrk.thread:stop() end
end
function done(s, lat, req)
  io.write(string.format(
    '{"requests":%%d,"duration_us":%%d,"connect":%%d,"read":%%d,"write":%%d,' ..
    '"status":%%d,"timeout":%%d,"p50_us":%%d,"p99_us":%%d}\\n',
    s.requests, s.duration, s.errors.connect, s.errors.read, s.errors.write,
    s.errors.status, s.errors.timeout, lat:percentile(50), lat:percentile(99)))
end
"""


def add_load_arguments(p, target, other):
    """The flags every benchmark here shares: the server, timing and the load generator."""
    add_server_arguments(p)
    p.add_argument("--seconds", type=float, default=10.0,
                   help=f"measured seconds per {target} and round (wrk: whole seconds; default 10)")
    p.add_argument("--rounds", type=int, default=1,
                   help=f"alternate bare and {other} this many times; medians are reported")
    p.add_argument("--warmup", type=float, default=2.0, help=f"unmeasured seconds per {target} first")
    p.add_argument("--concurrency", type=int, default=8, help="open connections (default 8)")
    p.add_argument("--max-requests", type=int, default=1_000_000,
                   help=f"request budget per {target} and run, a backstop to --seconds")
    p.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto",
                   help="load generator: wrk if installed (auto), or the threaded fallback")
    p.add_argument("--wrk-threads", type=int, default=1,
                   help="wrk threads; one leaves the most CPU to the server on 2 cores")
    p.add_argument("--json", action="store_true", help="also print one JSON result line")


def checked_arguments(p, argv):
    """Parse, refusing values that cannot make a measurement."""
    args = p.parse_args(argv)
    args.server = server_from_args(p, args)  # the kind's name becomes the whole configuration
    if min(args.rounds, args.concurrency, args.max_requests, args.wrk_threads) < 1:
        p.error("--rounds, --concurrency, --max-requests, --wrk-threads must be >= 1")
    if args.seconds <= 0 or args.warmup < 0:
        p.error("--seconds must be > 0 and --warmup >= 0")
    if args.wrk_threads > args.concurrency:
        p.error("wrk needs at least one connection per thread: --wrk-threads <= --concurrency")
    return args


def parse_args(argv=None):
    """Command-line flags."""
    p = argparse.ArgumentParser(description=__doc__)
    add_load_arguments(p, "URL", "country")
    p.add_argument("--database-url", default=None,
                   help="DATABASE_URL for the app (default: SQLite in instance/)")
    return checked_arguments(p, argv)


def app_env(database_url):
    """The environment the server runs the app with."""
    env = dict(os.environ)
    env.setdefault("APP_ENV", "development")
    # Without the flag, a DATABASE_URL left in the shell must not silently replace the default.
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def database_label(database_url):
    """The database kind and place, without credentials, for the report."""
    if not database_url:
        return "sqlite (instance/moratorium.db)"
    parts = urlsplit(database_url)
    where = f"{parts.hostname or ''}{':%d' % parts.port if parts.port else ''}{parts.path}"
    return f"{parts.scheme.split('+')[0]} ({where})"


def preflight(port):
    """Both pages must answer 200 once, or their throughput would be that of an error page."""
    for name, path in PATHS.items():
        status, body = get(port, path)
        if status != 200:
            raise HarnessError(f"{path} answered {status} before the run; fix the app first")
        print(f"preflight {name:8s} {path}: 200, {len(body)} bytes")


def wrk_run(args, url, seconds, script, headers=None):
    """One wrk run; its JSON line parsed, plus the CPU seconds wrk itself used."""
    cmd = [
        "wrk", "-t", str(args.wrk_threads), "-c", str(args.concurrency),
        "-d", f"{max(1, round(seconds))}s", "--timeout", "5s", "-s", script,
        *(arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")), url,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise HarnessError(f"wrk failed ({out.returncode}): {out.stderr.strip()}")
    line = next((row for row in out.stdout.splitlines() if row.startswith("{")), None)
    if line is None:
        raise HarnessError(f"wrk printed no result line:\n{out.stdout}")
    raw = json.loads(line)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    wall = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "seconds": wall,
        "rps": raw["requests"] / wall,
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": sum(raw[k] for k in ("connect", "read", "write", "status", "timeout")),
        "generator_cpu": cpu / wall,
    }


def python_worker(port, path, deadline, budget, lock, out, headers=None):
    """One keep-alive connection issuing requests until time or the shared budget runs out."""
    conn = http.client.HTTPConnection(HOST, port, timeout=5.0)
    latencies, errors = [], 0
    while time.monotonic() < deadline:
        with lock:
            if budget[0] <= 0:
                break
            budget[0] -= 1
        start = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            response.read()
            if response.status >= 400:
                errors += 1
            # http.client reconnects by itself after a server (gunicorn's sync worker) closes.
            latencies.append(time.perf_counter() - start)
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
    conn.close()
    out.append((latencies, errors))


def percentile(sorted_values, q):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def python_run(args, port, path, seconds, headers=None):
    """The fallback generator: threads with keep-alive connections, bounded in count and time."""
    lock, budget, out = threading.Lock(), [args.max_requests], []
    cpu0, start = time.process_time(), time.monotonic()
    deadline = start + seconds
    threads = [
        threading.Thread(target=python_worker, args=(port, path, deadline, budget, lock, out, headers))
        for _ in range(args.concurrency)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 30)
    wall = time.monotonic() - start
    latencies = sorted(latency for ls, _ in out for latency in ls)
    return {
        "requests": len(latencies),
        "seconds": wall,
        "rps": len(latencies) / wall,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "errors": sum(e for _, e in out),
        "generator_cpu": (time.process_time() - cpu0) / wall,
    }


def pick_generator(choice):
    """wrk when available: a C event loop will not be the bottleneck, Python threads might."""
    if choice == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if choice == "wrk" and not shutil.which("wrk"):
        raise HarnessError("wrk is not installed (apt-get install -y wrk); or --generator python")
    return choice


def make_runner(args, generator, port, workdir, headers=None):
    """A function (path, seconds) -> figures, whichever generator is used; `headers` go with each request."""
    if generator == "python":
        return lambda path, seconds: python_run(args, port, path, seconds, headers)
    script = Path(workdir) / "bench.lua"
    per_thread = max(1, args.max_requests // args.wrk_threads)
    script.write_text(WRK_SCRIPT % {"per_thread": per_thread})
    return lambda path, seconds: wrk_run(args, f"http://{HOST}:{port}{path}", seconds, str(script), headers)


def measure(args, run):
    """Warm both URLs (imports, template compilation, connection pools), then measure in rounds."""
    for path in PATHS.values():
        if args.warmup > 0:
            run(path, args.warmup)
    # Bare and country alternate within each round, so a burst of load from other work on a
    # shared machine hits both sides of a ratio rather than one of them.
    return [{name: run(path, args.seconds) for name, path in PATHS.items()}
            for _ in range(args.rounds)]


def ratio_of(round_):
    """Country req/s over bare req/s in one round."""
    return round_["country"]["rps"] / round_["bare"]["rps"] if round_["bare"]["rps"] else 0.0


def summarize(rounds):
    """Per URL, the median of each figure over rounds (counts summed); the median ratio."""
    summary = {}
    for name in PATHS:
        runs = [r[name] for r in rounds]
        summary[name] = {k: round(statistics.median(run[k] for run in runs), 3)
                         for k in ("rps", "p50_ms", "p99_ms", "generator_cpu")}
        summary[name].update(requests=sum(run["requests"] for run in runs),
                             errors=sum(run["errors"] for run in runs))
    ratio = statistics.median(ratio_of(r) for r in rounds)
    return summary, ratio, "PASS" if ratio >= TARGET else "MISS"


def report(args, generator, rounds):
    """Human-readable table, and the JSON line if asked."""
    summary, ratio, outcome = summarize(rounds)
    print(f"\ngenerator={generator} server={args.server.label()} "
          f"concurrency={args.concurrency} seconds={args.seconds:g} rounds={args.rounds} "
          f"database={database_label(args.database_url)} cpus={os.cpu_count()}")
    if args.rounds > 1:
        print("rounds, ratio country/bare: " + ", ".join(f"{ratio_of(r):.3f}" for r in rounds))
        print("medians over rounds (requests and errors summed):")
    print(f"{'route':8s} {'path':18s} {'req/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s} "
          f"{'errors':>7s} {'requests':>9s} {'gen cpu':>8s}")
    for name, r in summary.items():
        print(f"{name:8s} {PATHS[name]:18s} {r['rps']:9.1f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} "
              f"{r['errors']:7d} {r['requests']:9d} {r['generator_cpu']:7.0%}")
    errors = sum(r["errors"] for r in summary.values())
    caveat = f" (but {errors} errors: figures unreliable)" if errors else ""
    print(f"ratio country/bare = {ratio:.3f}; target >= {TARGET}: {outcome}{caveat}")
    if args.json:
        print(json.dumps({
            "bench": "pages", "generator": generator, "server": args.server.spec,
            "server_label": args.server.label(), "concurrency": args.concurrency,
            "seconds": args.seconds, "rounds": args.rounds,
            "database": database_label(args.database_url), "paths": PATHS,
            "results": summary, "round_ratios": [round(ratio_of(r), 4) for r in rounds],
            "ratio": round(ratio, 4), "target": TARGET, "verdict": outcome,
        }))


def run_bench(args):
    """Start the server, measure, and always stop it."""
    generator = pick_generator(args.generator)
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as workdir:
        with serving(args.server, "wsgi:app", ROOT, app_env(args.database_url), workdir) as (_, port, log):
            preflight(port)
            rounds = measure(args, make_runner(args, generator, port, workdir))
        if any(run["errors"] for r in rounds for run in r.values()):
            print_log(log)
    report(args, generator, rounds)


def main(argv=None):
    """Entry point: 0 whether or not the target is met, 2 if the harness failed."""
    args = parse_args(argv)
    try:
        run_bench(args)
    except (HarnessError, OSError, subprocess.SubprocessError) as exc:
        print(f"bench/pages.py: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
