"""WSGI servers side by side on PostgreSQL: the bare route and the load mix, in alternating rounds."""
# Run by hand from the repo root: .venv/bin/python bench/servers_compare.py --help
# Not part of the test suite: figures depend on the machine and what else runs on it.
# Each server gets a schema of its own (bench_servers_<n>, dropped at the end) and, in every round,
# a fresh start: the bare route /healthz with keep-alive, the same with `Connection: close` (as a
# proxy that does not keep connections to its backends would send), then the load mix of load.py.
# The order of the servers turns by one each round, so none always runs first or last; the counts
# of every schema are checked against every answer after each round.

import argparse
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: its helpers sit next to it

from load import MIX, app_env, drain, exact_counts, prepared_database, run_load, schema_url  # noqa: E402
from load_client import Links, Tally  # noqa: E402
from load_cpu import CpuMeter  # noqa: E402
from pages import database_label, make_runner, pick_generator  # noqa: E402
from servers import (  # noqa: E402
    ROOT,
    HarnessError,
    idle_connections_check,
    mail_worker,
    memory,
    print_log,
    serving,
    spec_list,
)
from sign import POSTGRESQL_URL  # noqa: E402

BARE = "/healthz"
DEFAULT_SERVERS = "gunicorn-sync:2,granian:2x2,uwsgi:2"  # the current server, the runner-up, the choice
CLOSE = {"Connection": "close"}


def parse_args(argv=None):
    """Command-line flags."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--servers", type=spec_list, default=spec_list(DEFAULT_SERVERS),
                   help="comma-separated KIND[:WORKERS[xTHREADS]]; kinds: gunicorn-sync, gunicorn-gthread, "
                        f"granian, waitress, uwsgi (default {DEFAULT_SERVERS})")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds; medians are reported (default 3)")
    p.add_argument("--seconds", type=float, default=10.0,
                   help="measured seconds of the bare route, per variant, server and round (default 10)")
    p.add_argument("--load-seconds", type=float, default=10.0,
                   help="measured seconds of the load mix per server and round (default 10)")
    p.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds of the bare route first")
    p.add_argument("--load-warmup", type=float, default=3.0, help="unmeasured seconds of the load mix first")
    p.add_argument("--concurrency", type=int, default=8,
                   help="connections on the bare route and visitors in the load mix (default 8)")
    p.add_argument("--mix", default=MIX, help=f"load mix, as load.py takes it (default {MIX})")
    p.add_argument("--no-close", dest="close", action="store_false",
                   help="skip the bare route with `Connection: close`")
    p.add_argument("--max-requests", type=int, default=1_000_000,
                   help="request budget per bare run, a backstop to --seconds")
    p.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto",
                   help="bare route load generator: wrk if installed (auto), or the threaded fallback")
    p.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1)")
    p.add_argument("--postgresql-url", default=POSTGRESQL_URL,
                   help="PostgreSQL database to create the schemas in (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="also print one JSON result line")
    args = p.parse_args(argv)
    if not args.servers or min(args.rounds, args.concurrency, args.max_requests, args.wrk_threads) < 1:
        p.error("--servers needs one server; --rounds, --concurrency, --max-requests, --wrk-threads >= 1")
    if min(args.seconds, args.load_seconds) <= 0 or min(args.warmup, args.load_warmup) < 0:
        p.error("--seconds and --load-seconds must be > 0, the warm-ups >= 0")
    try:
        mix = {kind: float(w) for kind, w in (part.split("=") for part in args.mix.split(","))}
    except ValueError as exc:
        p.error(f"--mix: {exc}")
    args.load = SimpleNamespace(mix=mix, warmup=args.load_warmup, seconds=args.load_seconds,
                                concurrency=args.concurrency)
    return args


class Contender:
    """One server configuration with its schema, its secret, its links and its runs so far."""

    def __init__(self, index, server, base_url):
        self.server, self.schema = server, f"bench_servers_{index}"
        self.env = app_env(schema_url(base_url, self.schema), secrets.token_hex(32))
        self.engine = self.links = None
        self.everything, self.rounds, self.counts = Tally(), [], []


def measure_bare(args, generator, proc, port, workdir, headers=None):
    """One measured bare run with the server's CPU over it."""
    run = make_runner(args, generator, port, workdir, headers)
    meter = CpuMeter(proc.pid, os.getpid())
    figures = run(BARE, args.seconds)
    cpu = meter.shares()
    figures.update(server_cores=cpu["server"], other_cores=cpu["other"],
                   server_ms=cpu["server"] / figures["rps"] * 1000 if figures["rps"] else 0.0)
    return figures


def turn(args, generator, c, round_no, workdir):
    """One server's turn in one round: start it, the bare route, the load mix, stop it."""
    with serving(c.server, "wsgi:app", ROOT, c.env, workdir, f"r{round_no}") as (proc, port, log_path):
        run = make_runner(args, generator, port, workdir)
        if args.warmup > 0:
            run(BARE, args.warmup)  # every worker booted, imports done
        # Idle keep-alive clients (twice the load's connections) must not lock others out.
        result = {"idle_ms": idle_connections_check(port, 2 * args.concurrency)}
        result["bare"] = measure_bare(args, generator, proc, port, workdir)
        if args.close:
            result["close"] = measure_bare(args, generator, proc, port, workdir, CLOSE)
        with mail_worker(c.env, workdir):
            tally, load = run_load(args.load, port, c.links, (proc.pid, os.getpid()), label=f"r{round_no}-")
            drain(c.engine)
        result["memory"] = memory(proc.pid)  # after the load mix, while the server still runs
    c.everything.merge(tally)
    load["errors_all_phases"] = sum(tally.errors.values())
    load["server_ms"] = (load["cpu"]["server"] / load["requests_per_s"] * 1000
                         if load["requests_per_s"] else 0.0)
    result["load"] = load
    # The server has stopped: every answer is in, so the schema must match all of them so far.
    counts = exact_counts(c.engine, c.everything)
    c.counts.append(counts)
    errors = load["errors_all_phases"] + sum(result[k]["errors"] for k in ("bare", "close") if k in result)
    if errors:
        print_log(log_path)
    c.rounds.append(result)
    print(f"  round {round_no} {c.server.spec:22s} bare {result['bare']['rps']:7.1f} req/s"
          + (f", close {result['close']['rps']:7.1f}" if args.close else "")
          + f", load {load['signatures_per_min']:7,.0f} signatures/min {load['requests_per_s']:6.1f} req/s"
          f" (cores: server {load['cpu']['server']:.2f}, postgresql {load['cpu']['postgresql']:.2f},"
          f" client {load['cpu']['load client']:.2f}, other {load['cpu']['other']:.2f},"
          f" machine busy {load['cpu']['machine busy']:.2f}),"
          f" errors {errors}, counts {'exact' if counts['exact'] else 'FAIL'}"
          + ("" if result["idle_ms"] is not None else ", LOCKED OUT behind idle keep-alive connections"),
          flush=True)


def med(values):
    return statistics.median(values) if values else 0.0


def summary(args, c):
    """Medians over rounds of one server."""
    rounds = c.rounds
    out = {"server": c.server.spec, "label": c.server.label(),
           "command": " ".join(c.server.command("wsgi:app", "PORT", ".")).replace(str(ROOT / ".venv"), ".venv")}
    for key in ("bare", "close") if args.close else ("bare",):
        out[key] = {k: round(med([r[key][k] for r in rounds]), 3)
                    for k in ("rps", "p50_ms", "p99_ms", "server_cores", "server_ms", "other_cores")}
        out[key]["errors"] = sum(r[key]["errors"] for r in rounds)
        out[key]["rounds"] = [round(r[key]["rps"], 1) for r in rounds]
    loads = [r["load"] for r in rounds]
    out["load"] = {
        "signatures_per_min": round(med([x["signatures_per_min"] for x in loads])),
        "rounds": [round(x["signatures_per_min"]) for x in loads],
        "requests_per_s": round(med([x["requests_per_s"] for x in loads]), 1),
        "sign_p99_ms": round(med([x["kinds"]["sign"]["p99_ms"] for x in loads]), 2),
        "server_cores": round(med([x["cpu"]["server"] for x in loads]), 2),
        "server_ms": round(med([x["server_ms"] for x in loads]), 3),
        "other_cores": round(med([x["cpu"]["other"] for x in loads]), 2),
        "steal": round(med([x["cpu"]["steal"] for x in loads]), 2),
        "errors": sum(x["errors_all_phases"] for x in loads),
    }
    out["exact"] = all(counts["exact"] for counts in c.counts)
    out["idle_ok"] = all(r["idle_ms"] is not None for r in rounds)
    out["counts"] = c.counts[-1]
    out["memory"] = {k: round(med([r["memory"][k] for r in rounds]), 1) for k in ("pss_mib", "rss_mib")}
    out["memory"].update(processes=rounds[-1]["memory"]["processes"], threads=rounds[-1]["memory"]["threads"])
    return out


def environment(generator):
    """Versions and the machine, for the record."""
    def first_line(cmd):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "?"
    return {"date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC", "python": platform.python_version(),
            "cpus": os.cpu_count(), "generator": generator,
            "wrk": first_line(["wrk", "--version"]).split(" [")[0] if shutil.which("wrk") else "-",
            "postgresql": first_line(["psql", "--version"])}


def report(args, env, results):
    """The table, medians over rounds."""
    print(f"\n{env['date']}, {env['cpus']} cpus, Python {env['python']}, {env['postgresql']}, "
          f"generator {env['generator']} ({env['wrk']}), {args.concurrency} connections/visitors, "
          f"{args.rounds} rounds x (bare {args.seconds:g} s" + (" + close" if args.close else "")
          + f", load {args.load_seconds:g} s), mix {args.mix}, {database_label(args.postgresql_url)}")
    head = f"{'server':24s} {'bare r/s':>9s} {'ms cpu':>7s}"
    if args.close:
        head += f" {'close r/s':>9s} {'ms cpu':>7s}"
    head += (f" {'sign/min':>9s} {'load r/s':>9s} {'ms cpu':>7s} {'cores':>6s} {'p99 sign':>8s}"
             f" {'errors':>6s} {'exact':>5s} {'idle':>4s} {'PSS MiB':>8s} {'RSS MiB':>8s}")
    print(head)
    for r in results:
        line = f"{r['server']:24s} {r['bare']['rps']:9.1f} {r['bare']['server_ms']:7.3f}"
        if args.close:
            line += f" {r['close']['rps']:9.1f} {r['close']['server_ms']:7.3f}"
        errors = r["bare"]["errors"] + r.get("close", {}).get("errors", 0) + r["load"]["errors"]
        line += (f" {r['load']['signatures_per_min']:9,d} {r['load']['requests_per_s']:9.1f}"
                 f" {r['load']['server_ms']:7.3f} {r['load']['server_cores']:6.2f} {r['load']['sign_p99_ms']:8.2f}"
                 f" {errors:6d} {'yes' if r['exact'] else 'NO':>5s} {'ok' if r['idle_ok'] else 'FAIL':>4s}"
                 f" {r['memory']['pss_mib']:8.0f}"
                 f" {r['memory']['rss_mib']:8.0f}")
        print(line)
    print("'ms cpu': the server's CPU per request (all its processes), from /proc; 'cores': the server's "
          "share of the 2 cores in the load mix; 'idle': a request answered while "
          f"{2 * args.concurrency} idle keep-alive connections are open; PSS/RSS: all its processes "
          "after the load mix.")
    print("rounds (bare req/s | signatures/min), and other processes' CPU during the load mix (noise):")
    for r in results:
        print(f"  {r['server']:22s} {' '.join(f'{x:7.1f}' for x in r['bare']['rounds'])} | "
              f"{' '.join(f'{x:6,d}' for x in r['load']['rounds'])}   other {r['load']['other_cores']:.2f} "
              f"cores, steal {r['load']['steal']:.2f}")
    print("commands:")
    for r in results:
        print(f"  {r['label']}: {r['command']}")
    if args.json:
        print(json.dumps({"bench": "servers", "environment": env, "rounds": args.rounds,
                          "seconds": args.seconds, "load_seconds": args.load_seconds,
                          "concurrency": args.concurrency, "mix": args.load.mix, "results": results}))


def run(args):
    generator = pick_generator(args.generator)
    contenders = [Contender(i, server, args.postgresql_url) for i, server in enumerate(args.servers, 1)]
    with tempfile.TemporaryDirectory(prefix="bench-servers-") as workdir, ExitStack() as stack:
        for c in contenders:
            c.engine = stack.enter_context(prepared_database(args, c.env, workdir, c.schema))
            c.links = Links(c.engine)
            print(f"schema {c.schema} ready for {c.server.label()}", flush=True)
        for round_no in range(1, args.rounds + 1):
            shift = (round_no - 1) % len(contenders)
            for c in contenders[shift:] + contenders[:shift]:
                turn(args, generator, c, round_no, workdir)
        results = [summary(args, c) for c in contenders]
    env = environment(generator)
    report(args, env, results)
    return results


def main(argv=None):
    """Entry point: 0 whatever the figures, 1 if counts differ, 2 if the benchmark could not run."""
    args = parse_args(argv)
    try:
        results = run(args)
    except (HarnessError, OSError, subprocess.SubprocessError) as exc:
        print(f"bench/servers_compare.py: {exc}", file=sys.stderr)
        return 2
    return 0 if all(r["exact"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
