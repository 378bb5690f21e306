"""Signing, confirming and page views together against a WSGI server and PostgreSQL, then exact counts."""
# Run by hand from the repo root: .venv/bin/python bench/load.py --help
# Not part of the test suite: figures depend on the machine and what else runs on it.
# Plumbing from servers.py and sign.py; the visitors in load_client.py, CPU shares in load_cpu.py.

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))  # run as a script: its helpers sit next to it

from load_client import EXPECTED, Links, Visitor, drive_load  # noqa: E402
from load_cpu import CpuMeter  # noqa: E402
from pages import database_label  # noqa: E402
from servers import (  # noqa: E402
    ROOT,
    HarnessError,
    add_server_arguments,
    mail_worker,
    memory,
    print_log,
    server_from_args,
    serving,
)
from sign import POSTGRESQL_URL, drive_yaml, ensure_database, psql, run_flask  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

SLUG = "bench-load"
PATHS = {"drive": f"/en/drives/{SLUG}", "country": "/en/countries/se"}
SCHEMA = "bench_load"  # everything lives here and is dropped at the end
TARGET = 20_000  # signatures a minute: ten times the UK Parliament site's 2019 peak
MIX = "sign=60,confirm=30,country=5,drive=5"

DRIVE_YAML = drive_yaml(SLUG, "load")


def parse_args(argv=None):
    """Command-line flags."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seconds", type=float, default=60.0, help="measured seconds (default 60)")
    p.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first (default 3)")
    p.add_argument("--concurrency", type=int, default=8,
                   help="visitors at once, one thread and connection each (default 8)")
    add_server_arguments(p)
    p.add_argument("--mix", default=MIX, help=f"flows by weight (default {MIX}); a confirm with "
                   "no link waiting is a sign")
    p.add_argument("--postgresql-url", default=POSTGRESQL_URL,
                   help=f"PostgreSQL database to create schema {SCHEMA} in (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="also print one JSON result line")
    args = p.parse_args(argv)
    args.server = server_from_args(p, args)
    try:
        args.mix = {kind: float(w) for kind, w in (part.split("=") for part in args.mix.split(","))}
    except ValueError as exc:
        p.error(str(exc))
    if set(args.mix) - {"sign", "confirm", "country", "drive"} or not args.mix.get("sign"):
        p.error("--mix takes sign, confirm, country and drive, and sign needs a weight")
    if args.seconds <= 0 or args.warmup < 0 or args.concurrency < 1:
        p.error("--seconds must be > 0, --warmup >= 0 and --concurrency >= 1")
    return args


# --- the database and the server ---------------------------------------------------------------

def app_env(url, secret):
    """Production, as it would be served: no rate limit, mail left in the outbox."""
    return dict(os.environ, APP_ENV="production", SECRET_KEY=secret, DATABASE_URL=url, PUBLIC_URL="http://127.0.0.1",
                RATELIMIT_ENABLED="false", OUTBOX_INLINE="false")


def schema_url(base, schema):
    """The URL with search_path set to `schema`, so no other table is ever touched."""
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


@contextmanager
def prepared_database(args, env, workdir, schema=SCHEMA):
    """A schema with the app's tables, the treaty data and one open drive; dropped after."""
    ensure_database(args.postgresql_url)
    try:
        psql(args.postgresql_url, f"CREATE SCHEMA {schema}")
    except HarnessError as exc:
        raise HarnessError(f"{exc}\n(left over from an interrupted run? "
                           f"DROP SCHEMA {schema} CASCADE)") from None
    engine = create_engine(env["DATABASE_URL"], poolclass=NullPool)
    try:
        run_flask(env, "db", "upgrade")
        run_flask(env, "data", "load")  # the country page as it is served, with its treaty
        drive_file = Path(workdir) / "drive.yaml"
        drive_file.write_text(DRIVE_YAML)
        run_flask(env, "drives", "create", "--file", str(drive_file))
        yield engine
    finally:
        engine.dispose()
        psql(args.postgresql_url, f"DROP SCHEMA {schema} CASCADE")


# --- the run -----------------------------------------------------------------------------------

def drain(engine, seconds=120):
    """Wait until the worker has written every confirmation mail queued so far (at most `seconds`),
    so that the next run's preflight does not wait behind this one's mail."""
    for _ in range(int(seconds / 0.2)):
        with engine.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM outbox WHERE kind = 'confirmation' AND text IS NULL"
                                     " LIMIT 1")).first():
                return
        time.sleep(0.2)


def preflight(port, links, label=""):
    """One visitor of each kind must succeed, or the run would measure errors."""
    visitor = Visitor(port, PATHS, {"sign": 1}, links, 0, f"{label}preflight", seed=0)
    visitor.flow("sign")
    for _ in range(150):  # the worker writes the mail (it may still be starting): 30 s at most
        links.poll()
        if not links.queue.empty():
            break
        time.sleep(0.2)
    for kind in ("confirm", "country", "drive"):
        visitor.flow(kind)
    tally = visitor.tally
    if tally.errors or len(tally.signed) != 1 or tally.confirmed != 1:
        raise HarnessError(f"preflight failed: errors {dict(tally.errors)}, signed "
                           f"{len(tally.signed)}, confirmed {tally.confirmed}; fix the app first")
    print("preflight: a signature, its confirmation and both pages answered as expected")
    return tally


def run_load(args, port, links, cpu_pids, label=""):
    """Preflight, warm-up and measured run: (tally of everything, measured figures).

    `label` keeps addresses distinct when one database serves several runs."""
    everything = preflight(port, links, label)
    links.stopping.clear()
    follower = threading.Thread(target=links.follow, daemon=True)
    follower.start()
    try:
        if args.warmup > 0:
            everything.merge(drive_load(port, PATHS, args.mix, links, args.warmup,
                                        args.concurrency, f"{label}w")[0])
        meter = CpuMeter(*cpu_pids)
        tally, window, client_cpu = drive_load(port, PATHS, args.mix, links, args.seconds,
                                               args.concurrency, f"{label}r")
        cpu = meter.shares()
    finally:
        links.stopping.set()
        follower.join(timeout=5)
    everything.merge(tally)
    return everything, measured(tally, window, client_cpu, cpu)


def measured(tally, window, client_cpu, cpu):
    """Rates and latencies of the measured run."""
    kinds = {kind: tally.summary(kind, window) for kind in EXPECTED}
    return {
        "seconds": round(window, 3),
        "signatures": len(tally.signed), "signatures_per_min": len(tally.signed) / window * 60,
        "confirmations": tally.confirmed, "confirmations_per_min": tally.confirmed / window * 60,
        "page_views_per_s": (kinds["country"]["rps"] + kinds["drive"]["rps"]),
        "requests_per_s": sum(k["rps"] for k in kinds.values()),
        "kinds": kinds, "errors": sum(k["errors"] for k in kinds.values()),
        "error_detail": {f"{k} {why}": n for (k, why), n in tally.errors.items()},
        "flows": dict(tally.flows), "client_cpu": client_cpu / window, "cpu": cpu,
    }


def exact_counts(engine, tally):
    """The database against every answer of the run, preflight and warm-up included."""
    with engine.connect() as conn:
        drive_id, confirmed_count = conn.execute(
            text("SELECT id, confirmed_count FROM drives WHERE slug = :slug"), {"slug": SLUG}).one()
        where = {"drive": drive_id}
        emails = set(conn.scalars(text("SELECT email FROM signatures WHERE drive_id = :drive"), where))
        confirmed = conn.scalar(text("SELECT count(*) FROM signatures WHERE drive_id = :drive"
                                     " AND state = 'confirmed'"), where)
        sends = conn.scalar(text("SELECT coalesce(sum(confirmation_sends), 0) FROM signatures"
                                 " WHERE drive_id = :drive"), where)
        outbox = conn.scalar(text("SELECT count(*) FROM outbox WHERE kind = 'confirmation'"))
    answered = set(tally.signed)
    counts = {
        "signature_rows": len(emails), "sign_303s": len(tally.signed),
        "lost": len(answered - emails), "rows_without_303": len(emails - answered),
        "unanswered_sign_posts": len(tally.unanswered), "outbox_rows": outbox,
        "confirmation_sends": sends, "confirmed_rows": confirmed,
        "confirmed_count": confirmed_count, "confirmations_counted": tally.confirmed,
    }
    counts["exact"] = (answered == emails and len(answered) == len(tally.signed)
                       and outbox == sends == len(emails)
                       and confirmed == confirmed_count == tally.confirmed)
    return counts


def bench_server(args, server):
    """One server configuration on a fresh schema: its figures and the exact-count check."""
    env = app_env(schema_url(args.postgresql_url, SCHEMA), secrets.token_hex(32))
    with tempfile.TemporaryDirectory(prefix="bench-load-") as workdir:
        with prepared_database(args, env, workdir) as engine:
            with serving(server, "wsgi:app", ROOT, env, workdir) as (proc, port, log_path):
                print(f"\n{server.label()}: {args.concurrency} visitors, "
                      f"{args.warmup:g} s warm-up, {args.seconds:g} s measured")
                with mail_worker(env, workdir):
                    everything, figures = run_load(args, port, Links(engine), (proc.pid, os.getpid()))
                    drain(engine)
                figures["memory"] = memory(proc.pid)
            # The server has stopped (and finished what it had in hand) before anything is counted.
            figures["counts"] = exact_counts(engine, everything)
            figures["errors_all_phases"] = sum(everything.errors.values())
            if figures["errors_all_phases"]:
                print_log(log_path)
    figures.update(server=server.spec, server_label=server.label(),
                   database=f"{database_label(args.postgresql_url)}, schema {SCHEMA}")
    figures["verdict"] = verdict(figures)
    return figures


def verdict(figures):
    met = (figures["signatures_per_min"] >= TARGET and not figures["errors_all_phases"]
           and figures["counts"]["exact"])
    return "PASS" if met else "MISS"


# --- the report --------------------------------------------------------------------------------

def report(args, figures):
    """The table of one configuration."""
    c = figures["counts"]
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {figures['server_label']}, "
          f"{figures['database']}, cpus={os.cpu_count()}, mix {args.mix}")
    print(f"{'request':13s} {'count':>7s} {'req/s':>8s} {'p50 ms':>8s} {'p99 ms':>8s} {'errors':>7s}")
    for kind, k in figures["kinds"].items():
        print(f"{kind:13s} {k['requests']:7d} {k['rps']:8.1f} {k['p50_ms']:8.2f} "
              f"{k['p99_ms']:8.2f} {k['errors']:7d}")
    print(f"signatures {figures['signatures']} in {figures['seconds']:.1f} s = "
          f"{figures['signatures_per_min']:,.0f}/min; confirmations "
          f"{figures['confirmations_per_min']:,.0f}/min; page views "
          f"{figures['page_views_per_s']:.1f}/s; all requests {figures['requests_per_s']:.1f}/s")
    if figures["error_detail"]:
        print(f"errors: {figures['error_detail']}")
    print("cpu, cores used: " + ", ".join(f"{name} {share:.2f}" for name, share
                                          in figures["cpu"].items()))
    m = figures["memory"]
    print(f"server memory after the run: PSS {m['pss_mib']:.0f} MiB (RSS summed {m['rss_mib']:.0f} MiB), "
          f"{m['processes']} processes, {m['threads']} threads")
    print(f"exact: signatures {c['signature_rows']} rows == {c['sign_303s']} x 303 "
          f"(lost {c['lost']}, rows without a 303 {c['rows_without_303']}, "
          f"unanswered {c['unanswered_sign_posts']}); outbox {c['outbox_rows']} == sends "
          f"{c['confirmation_sends']}; confirmed {c['confirmed_rows']} rows == confirmed_count "
          f"{c['confirmed_count']} == {c['confirmations_counted']} confirmations: "
          + ("exact" if c["exact"] else "FAIL"))
    print(f"target >= {TARGET:,} signatures/min, 0 errors ({figures['errors_all_phases']}), "
          f"0 lost: {figures['verdict']}")
    if args.json:
        print(json.dumps({"bench": "load", "mix": args.mix, "concurrency": args.concurrency,
                          "target": TARGET, **figures}))


def main(argv=None):
    """Entry point: 0 whether or not the target is met, 1 if the counts differ, 2 if it could not run."""
    args = parse_args(argv)
    try:
        figures = bench_server(args, args.server)
        report(args, figures)
    except (HarnessError, OSError, subprocess.SubprocessError) as exc:
        print(f"bench/load.py: {exc}", file=sys.stderr)
        return 2
    return 0 if figures["counts"]["exact"] else 1


if __name__ == "__main__":
    sys.exit(main())
