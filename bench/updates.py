"""Queueing an update for 10k, 100k and a million supporters: one INSERT ... SELECT, flat Python memory."""
# Run by hand from the repo root: .venv/bin/python bench/updates.py --help
# Not part of the test suite: figures depend on the machine and what else runs on it.
#
# For each size, the schema bench_updates holds one drive with that many confirmed signers who
# agreed to updates (and a tenth as many who did not, whom the statement must leave out); the
# script then calls the back office's own function (app.updates.publishing.mail) once, in this
# process, and measures the statement's wall time and this process's memory while it runs:
# tracemalloc's peak of Python allocations, and the growth of the peak RSS (ru_maxrss).

import argparse
import os
import resource
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this working tree's `app`, not another checkout's

os.environ.setdefault("APP_ENV", "development")
os.environ.setdefault("SECRET_KEY", "bench-updates")

from flask_migrate import upgrade  # noqa: E402
from sign import ensure_database  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.outbox.models import OutboxMessage  # noqa: E402
from app.petitions.models import Drive, DriveState  # noqa: E402
from app.records import utcnow  # noqa: E402
from app.updates import publishing  # noqa: E402
from app.updates.models import Update, UpdateText  # noqa: E402

SCHEMA = "bench_updates"  # everything lives here and is dropped at the end
POSTGRESQL_URL = os.environ.get("BENCH_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench")
SIZES = (10_000, 100_000, 1_000_000)
TIME_TARGET_S = 60  # a million supporters queued in under a minute
MEMORY_TARGET_MB = 20  # Python's peak allocations while queueing, at every size: flat, not per row

SIGNERS = """
INSERT INTO signatures (drive_id, name, email, email_key, residence, region, locale,
                        consent_updates, state, confirmation_sends, created_at, confirmed_at)
SELECT :drive, 'Signer ' || i, 'signer-' || i || '@example.org', 'signer-' || i || '@example.org', 'SE', '',
       CASE i % 4 WHEN 0 THEN 'sv' WHEN 1 THEN 'zh-hans' WHEN 2 THEN 'ar' ELSE 'en' END,
       i % 11 <> 0, 'confirmed', 1, now(), now()
FROM generate_series(1, :total) AS i
"""


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--postgresql-url", default=POSTGRESQL_URL,
                   help="PostgreSQL database to create schema %s in (default: $BENCH_POSTGRESQL_URL or %%(default)s)"
                   % SCHEMA)
    p.add_argument("--sizes", default=",".join(map(str, SIZES)), help="supporters to queue for, comma-separated")
    p.add_argument("--rate", type=int, default=600, help="UPDATE_SEND_RATE: mails due per minute")
    return p.parse_args(argv)


def admin(url, sql):
    """One statement outside the schema (CREATE/DROP SCHEMA), autocommitted."""
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def schema_url(base):
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{SCHEMA}"


def prepare(size):
    """A drive with `size` consenting confirmed signers (and size/10 who did not consent), and a published update."""
    db.session.execute(text("TRUNCATE outbox, signatures, drive_updates, drives RESTART IDENTITY CASCADE"))
    drive = Drive(slug="bench-updates", iso2="SE", goal=1, main_locale="en", state=DriveState.OPEN)
    db.session.add(drive)
    db.session.flush()
    # i % 11 = 0 do not consent: size consenting rows need size * 11 / 10 in all.
    db.session.execute(text(SIGNERS), {"drive": drive.id, "total": size * 11 // 10})
    update = Update(drive_id=drive.id, published_at=utcnow(),
                    texts=[UpdateText(locale="en", title="Handed over", body="We handed the petition over.")])
    db.session.add(update)
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE signatures"))  # else autovacuum wakes up mid-measurement
    return update.id


def measure(update_id, rate):
    """(seconds, mails queued, tracemalloc peak MB, ru_maxrss growth MB) of queueing the mail, committed."""
    update = db.session.get(Update, update_id)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    now = utcnow()
    mailed = publishing.mail(update, now, rate)
    db.session.commit()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    check(update_id, mailed, now, rate)
    return seconds, mailed, peak / 2**20, rss_growth / 1024  # Linux reports kilobytes


def check(update_id, mailed, now, rate):
    """The queue is right: one message per consenting signer, the last due (mailed - 1) // rate minutes on."""
    queued, last = db.session.execute(
        select(func.count(), func.max(OutboxMessage.next_attempt_at)).where(OutboxMessage.update_id == update_id)
    ).one()
    expected_last = now + timedelta(minutes=(mailed - 1) // rate)
    if queued != mailed or abs(last - expected_last) > timedelta(seconds=1):
        raise SystemExit(f"wrong queue: {queued} rows for {mailed} mailed, last due {last}, expected {expected_last}")


def main(argv=None):
    args = parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    ensure_database(args.postgresql_url)
    admin(args.postgresql_url, f"CREATE SCHEMA {SCHEMA}")
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": schema_url(args.postgresql_url),
                          "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": NullPool}})
        with app.app_context():
            upgrade()
            rows = []
            for size in sizes:
                update_id = prepare(size)
                rows.append((size, *measure(update_id, args.rate)))
                print(f"{size:>10,} supporters: {rows[-1][1]:6.2f} s, {rows[-1][2]:,} queued, "
                      f"Python peak {rows[-1][3]:5.2f} MB, RSS growth {rows[-1][4]:5.1f} MB", flush=True)
    finally:
        admin(args.postgresql_url, f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    report(rows)


def report(rows):
    largest = max(rows)
    peak = max(row[3] for row in rows)
    time_ok = largest[1] < TIME_TARGET_S * largest[0] / 1_000_000
    print(f"\ntarget: 1,000,000 queued in < {TIME_TARGET_S} s (pro rata for fewer): "
          f"{largest[0]:,} in {largest[1]:.2f} s: {'PASS' if time_ok else 'MISS'}")
    print(f"target: Python peak < {MEMORY_TARGET_MB} MB at every size: largest {peak:.2f} MB "
          f"({', '.join(f'{row[3]:.2f}' for row in rows)}): {'PASS' if peak < MEMORY_TARGET_MB else 'MISS'}")


if __name__ == "__main__":
    main()
