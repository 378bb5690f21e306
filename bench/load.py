"""Signing, confirming and page views together against gunicorn and PostgreSQL, then exact counts."""
# Run by hand from the repo root: .venv/bin/python bench/load.py --help
# Not part of the test suite: figures depend on the machine and what else runs on it.
# Plumbing from pages.py and sign.py; the visitors in load_client.py, CPU shares in load_cpu.py.

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))  # run as a script: its helpers sit next to it

from load_client import EXPECTED, Links, Visitor, drive_load  # noqa: E402
from load_cpu import CpuMeter  # noqa: E402
from pages import (  # noqa: E402
    HOST,
    ROOT,
    HarnessError,
    database_label,
    free_port,
    print_log,
    stop_gunicorn,
    wait_ready,
)
from sign import POSTGRESQL_URL, drive_yaml, psql, run_flask  # noqa: E402
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
    p.add_argument("--config", action="append", dest="configs", metavar="CLASS:WORKERS[xTHREADS]",
                   help="gunicorn configuration, repeatable: sync:2 (the default), sync:4, gthread:2x4")
    p.add_argument("--mix", default=MIX, help=f"flows by weight (default {MIX}); a confirm with "
                   "no link waiting is a sign")
    p.add_argument("--postgresql-url", default=POSTGRESQL_URL,
                   help=f"PostgreSQL database to create schema {SCHEMA} in (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="also print one JSON line per configuration")
    args = p.parse_args(argv)
    try:
        args.configs = [gunicorn_config(c) for c in args.configs or ["sync:2"]]
        args.mix = {kind: float(w) for kind, w in (part.split("=") for part in args.mix.split(","))}
    except ValueError as exc:
        p.error(str(exc))
    if set(args.mix) - {"sign", "confirm", "country", "drive"} or not args.mix.get("sign"):
        p.error("--mix takes sign, confirm, country and drive, and sign needs a weight")
    if args.seconds <= 0 or args.warmup < 0 or args.concurrency < 1:
        p.error("--seconds must be > 0, --warmup >= 0 and --concurrency >= 1")
    return args


def gunicorn_config(spec):
    """'gthread:2x4' -> {'worker_class': 'gthread', 'workers': 2, 'threads': 4}."""
    worker_class, _, size = spec.partition(":")
    workers, _, threads = size.partition("x")
    config = {"worker_class": worker_class, "workers": int(workers), "threads": int(threads or 1)}
    if worker_class not in {"sync", "gthread"} or min(config["workers"], config["threads"]) < 1:
        raise ValueError(f"bad --config {spec!r}: sync:N or gthread:NxT")
    return config


def describe(config):
    threads = f" x {config['threads']} threads" if config["worker_class"] == "gthread" else ""
    return f"{config['workers']} {config['worker_class']} workers{threads}"


# --- the database and the server ---------------------------------------------------------------

def app_env(url, secret):
    """Production, as it would be served: no rate limit, mail left in the outbox."""
    return dict(os.environ, APP_ENV="production", SECRET_KEY=secret, DATABASE_URL=url, PUBLIC_URL="http://127.0.0.1",
                RATELIMIT_ENABLED="false", OUTBOX_INLINE="false")


@contextmanager
def prepared_database(args, env, workdir):
    """Schema bench_load with the app's tables, the treaty data and one open drive; dropped after."""
    try:
        psql(args.postgresql_url, f"CREATE SCHEMA {SCHEMA}")
    except HarnessError as exc:
        raise HarnessError(f"{exc}\n(left over from an interrupted run? "
                           f"DROP SCHEMA {SCHEMA} CASCADE)") from None
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
        psql(args.postgresql_url, f"DROP SCHEMA {SCHEMA} CASCADE")


@contextmanager
def server(config, env, workdir):
    """gunicorn on a free port of 127.0.0.1: (process, port, log path); stopped whatever happens."""
    port, log_path = free_port(), Path(workdir) / "gunicorn.log"
    cmd = [str(ROOT / ".venv" / "bin" / "gunicorn"), "--chdir", str(ROOT),
           "--bind", f"{HOST}:{port}", "--workers", str(config["workers"]),
           "--worker-class", config["worker_class"], "--threads", str(config["threads"]),
           "--log-level", "warning", "wsgi:app"]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            wait_ready(proc, port)
            yield proc, port, log_path
        except BaseException:
            print_log(log_path)
            raise
        finally:
            stop_gunicorn(proc)


# --- the run -----------------------------------------------------------------------------------

def preflight(port, links):
    """One visitor of each kind must succeed, or the run would measure errors."""
    visitor = Visitor(port, PATHS, {"sign": 1}, links, 0, "preflight", seed=0)
    visitor.flow("sign")
    links.poll()
    for kind in ("confirm", "country", "drive"):
        visitor.flow(kind)
    tally = visitor.tally
    if tally.errors or len(tally.signed) != 1 or tally.confirmed != 1:
        raise HarnessError(f"preflight failed: errors {dict(tally.errors)}, signed "
                           f"{len(tally.signed)}, confirmed {tally.confirmed}; fix the app first")
    print("preflight: a signature, its confirmation and both pages answered as expected")
    return tally


def run_load(args, port, links, cpu_pids):
    """Preflight, warm-up and measured run: (tally of everything, measured figures)."""
    everything = preflight(port, links)
    follower = threading.Thread(target=links.follow, daemon=True)
    follower.start()
    try:
        if args.warmup > 0:
            everything.merge(drive_load(port, PATHS, args.mix, links, args.warmup,
                                        args.concurrency, "w")[0])
        meter = CpuMeter(*cpu_pids)
        tally, window, client_cpu = drive_load(port, PATHS, args.mix, links, args.seconds,
                                               args.concurrency, "r")
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


def bench_config(args, config):
    """One gunicorn configuration on a fresh schema: its figures and the exact-count check."""
    secret = secrets.token_hex(32)
    url = f"{args.postgresql_url}{'&' if '?' in args.postgresql_url else '?'}" \
          f"options=-csearch_path%3D{SCHEMA}"
    env = app_env(url, secret)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as workdir:
        with prepared_database(args, env, workdir) as engine:
            with server(config, env, workdir) as (proc, port, log_path):
                print(f"\n{describe(config)}: {args.concurrency} visitors, "
                      f"{args.warmup:g} s warm-up, {args.seconds:g} s measured")
                everything, figures = run_load(args, port, Links(engine), (proc.pid, os.getpid()))
            # gunicorn has stopped (and finished what it had in hand) before anything is counted.
            figures["counts"] = exact_counts(engine, everything)
            figures["errors_all_phases"] = sum(everything.errors.values())
            if figures["errors_all_phases"]:
                print_log(log_path)
    figures.update(config=config, database=f"{database_label(args.postgresql_url)}, schema {SCHEMA}")
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
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {describe(figures['config'])}, "
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
    results = []
    try:
        for config in args.configs:
            results.append(bench_config(args, config))
            report(args, results[-1])
    except (HarnessError, OSError, subprocess.SubprocessError) as exc:
        print(f"bench/load.py: {exc}", file=sys.stderr)
        return 2
    return 0 if all(r["counts"]["exact"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
