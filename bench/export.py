"""A million signatures exported to CSV (delivery profile) against the database's own CSV dump."""
# Run by hand from the repo root: .venv/bin/python bench/export.py --help
# Not part of the test suite: figures depend on the machine and what else runs on it.
#
# Both sides run as processes of their own, timed from start to exit and measured with
# os.wait4 (that process's own peak RSS): `flask signatures export` (start-up included) and
# `sqlite3 -csv` or `psql -c "COPY ... TO STDOUT"` reading the same rows in the same order.

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))  # run as a script: pages.py and sign.py sit next to it

from servers import HOST, ROOT, HarnessError  # noqa: E402
from sign import POSTGRESQL_URL, app_env, drive_yaml, ensure_database, flask_cli, psql  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

SLUG = "bench-export"
SCHEMA = "bench_export"  # PostgreSQL: everything lives here and is dropped at the end
MILLION = 1_000_000
SPEED_TARGET = 0.5  # the export keeps at least half the database dump's speed
MEMORY_TARGET_MB = 150  # peak RSS of the exporting process

DRIVE_YAML = drive_yaml(SLUG, "export")

# Names of some length in three scripts, 29 regions, a few countries: rows like real ones.
SQLITE_MILLION = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO signatures (drive_id, name, email, email_key, residence, region, locale,
                        consent_updates, state, confirmation_sends, created_at, confirmed_at)
SELECT :drive, CASE i % 3 WHEN 0 THEN 'Signer Number ' WHEN 1 THEN '签名者 ' ELSE 'موقّع ' END || i,
       'million-' || i || '@example.org', 'million-' || i || '@example.org',
       CASE i % 10 WHEN 0 THEN 'NO' WHEN 1 THEN 'FI' ELSE 'SE' END, 'Region ' || (i % 29), 'en',
       i % 2, 'confirmed', 1, :now, :now FROM n
"""

POSTGRESQL_MILLION = """
INSERT INTO signatures (drive_id, name, email, email_key, residence, region, locale,
                        consent_updates, state, confirmation_sends, created_at, confirmed_at)
SELECT :drive, CASE i % 3 WHEN 0 THEN 'Signer Number ' WHEN 1 THEN '签名者 ' ELSE 'موقّع ' END || i,
       'million-' || i || '@example.org', 'million-' || i || '@example.org',
       CASE i % 10 WHEN 0 THEN 'NO' WHEN 1 THEN 'FI' ELSE 'SE' END, 'Region ' || (i % 29), 'en',
       i % 2 = 0, 'confirmed', 1, now(), now() FROM generate_series(1, :count) AS i
"""

# The database's own dump of the delivery profile's rows: same rows, same order, country as its code.
SQLITE_DUMP = """
SELECT s.name, s.region, s.residence AS country, strftime('%%Y-%%m-%%d', s.confirmed_at) AS date,
       'online' AS source
FROM signatures s JOIN drives d ON d.id = s.drive_id
WHERE d.slug = '%s' AND s.state = 'confirmed' ORDER BY s.id
""" % SLUG

POSTGRESQL_DUMP = """
COPY (SELECT s.name, s.region, s.residence AS country,
             to_char(timezone('UTC', s.confirmed_at), 'YYYY-MM-DD') AS date, 'online' AS source
      FROM %(schema)s.signatures s JOIN %(schema)s.drives d ON d.id = s.drive_id
      WHERE d.slug = '%(slug)s' AND s.state = 'confirmed' ORDER BY s.id)
TO STDOUT WITH (FORMAT csv, HEADER)
""" % {"schema": SCHEMA, "slug": SLUG}


def parse_args(argv=None):
    """Command-line flags."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite",
                   help="SQLite in a temporary file, PostgreSQL in schema bench_export, or both")
    p.add_argument("--postgresql-url", default=POSTGRESQL_URL,
                   help=f"PostgreSQL database to create schema {SCHEMA} in (default: %(default)s)")
    p.add_argument("--rounds", type=int, default=3, help="alternating dump/export pairs; medians reported")
    p.add_argument("--rows", type=int, default=MILLION, help="confirmed signatures to export")
    return p.parse_args(argv)


# --- the database -------------------------------------------------------------------------

@contextmanager
def prepared_database(args, kind, workdir):
    """(app URL, engine) of a database with the app's tables and one drive; removed after."""
    if kind == "sqlite":
        url = f"sqlite:///{workdir}/export.db"  # goes with the temporary directory
    else:
        ensure_database(args.postgresql_url)
        try:
            psql(args.postgresql_url, f"CREATE SCHEMA {SCHEMA}")
        except HarnessError as exc:
            raise HarnessError(f"{exc}\n(left over from an interrupted run? DROP SCHEMA {SCHEMA} CASCADE)") from None
        separator = "&" if "?" in args.postgresql_url else "?"
        url = f"{args.postgresql_url}{separator}options=-csearch_path%3D{SCHEMA}"
    engine = create_engine(url, poolclass=NullPool)
    try:
        flask_cli(url, "db", "upgrade")
        drive_file = Path(workdir) / "drive.yaml"
        drive_file.write_text(DRIVE_YAML, encoding="utf-8")
        flask_cli(url, "drives", "create", "--file", str(drive_file))
        yield url, engine
    finally:
        engine.dispose()
        if kind == "postgresql":
            psql(args.postgresql_url, f"DROP SCHEMA {SCHEMA} CASCADE")


def insert_rows(engine, kind, count):
    """`count` confirmed signatures in one statement; on PostgreSQL, vacuumed and analysed after."""
    started = time.monotonic()
    with engine.begin() as conn:
        drive = conn.scalar(text("SELECT id FROM drives WHERE slug = :slug"), {"slug": SLUG})
        # SQLite stores DateTime as text in the layout SQLAlchemy writes; PostgreSQL has now().
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        conn.execute(text(SQLITE_MILLION if kind == "sqlite" else POSTGRESQL_MILLION),
                     {"drive": drive, "count": count, "now": now})
    if kind == "postgresql":
        # Otherwise autovacuum wakes up for the new rows in the middle of the measurement.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE signatures"))
    print(f"inserted {count:,} confirmed signatures in {time.monotonic() - started:.1f} s")


# --- the two sides ------------------------------------------------------------------------

def export_command():
    return [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi.py", "signatures", "export",
            "--drive", SLUG, "--profile", "delivery", "--format", "csv"]


def startup_command():
    """The same process up to the point where the export starts: the app loaded, nothing read."""
    return [*export_command(), "--help"]


def dump_command(args, kind, url):
    """sqlite3's CSV mode, or psql running COPY, over the same rows as the export."""
    if kind == "sqlite":
        return ["sqlite3", "-csv", "-header", url.removeprefix("sqlite:///"), SQLITE_DUMP]
    parts = urlsplit(args.postgresql_url)
    return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", parts.hostname or HOST,
            "-p", str(parts.port or 5432), "-U", parts.username or "postgres",
            "-d", parts.path.lstrip("/") or "postgres", "-c", POSTGRESQL_DUMP]


def timed(cmd, env, out_path, err_path):
    """(seconds, peak RSS in MB) of one process writing to `out_path`, measured by os.wait4."""
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    if process.returncode != 0:
        raise HarnessError(f"{cmd[0]} exited {process.returncode}:\n{Path(err_path).read_text()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024  # Linux reports kilobytes


def lines_in(path):
    """Lines in a file, header included, read in blocks."""
    count = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            count += block.count(b"\n")
    return count


def side(name, cmd, env, workdir, expected_lines):
    """One timed run, its output checked to hold the header and every row (start-up: no check)."""
    out_path = Path(workdir) / f"{name}.csv"
    seconds, peak = timed(cmd, env, out_path, Path(workdir) / f"{name}.err")
    lines = lines_in(out_path)
    if name != "startup" and lines != expected_lines:
        raise HarnessError(f"{name} wrote {lines:,} lines, expected {expected_lines:,}")
    return {"seconds": seconds, "peak_mb": peak, "megabytes": out_path.stat().st_size / 1e6}


def measure(args, kind, url, workdir):
    """Warm each side once, then alternate dump, export and start-up alone for the rounds."""
    expected = args.rows + 1  # the header
    sides = {"dump": (dump_command(args, kind, url), dict(os.environ)),
             "export": (export_command(), app_env(url)), "startup": (startup_command(), app_env(url))}
    for name, (cmd, env) in sides.items():
        side(name, cmd, env, workdir, expected)  # warm-up: files and tables in the page cache
    rounds = []
    for n in range(1, args.rounds + 1):
        figures = {name: side(name, cmd, env, workdir, expected) for name, (cmd, env) in sides.items()}
        print(f"  round {n}: dump {figures['dump']['seconds']:.2f} s, export {figures['export']['seconds']:.2f} s "
              f"(peak {figures['export']['peak_mb']:.0f} MB; start-up alone {figures['startup']['seconds']:.2f} s, "
              f"{figures['startup']['peak_mb']:.0f} MB), ratio {ratio_of(figures):.3f}")
        rounds.append(figures)
    return rounds


def ratio_of(figures):
    """The export's speed as a share of the dump's: dump seconds over export seconds."""
    return figures["dump"]["seconds"] / figures["export"]["seconds"]


def report(kind, rows, rounds):
    """Medians over the rounds, and the verdicts."""
    median = {name: {k: statistics.median(r[name][k] for r in rounds) for k in ("seconds", "peak_mb", "megabytes")}
              for name in ("dump", "export", "startup")}
    ratio = statistics.median(ratio_of(r) for r in rounds)
    peak = max(r["export"]["peak_mb"] for r in rounds)
    speed = "PASS" if ratio >= SPEED_TARGET else "MISS"
    memory = "PASS" if peak < MEMORY_TARGET_MB else "MISS"
    print(f"{kind}: {rows:,} rows, medians of {len(rounds)} rounds")
    for name in ("dump", "export"):
        m = median[name]
        print(f"  {name:6s} {m['seconds']:7.2f} s  {rows / m['seconds']:10,.0f} rows/s  "
              f"peak RSS {m['peak_mb']:6.1f} MB  {m['megabytes']:6.1f} MB written")
    print(f"  ratio export/dump speed = {ratio:.3f} (rounds: {', '.join(f'{ratio_of(r):.3f}' for r in rounds)}); "
          f"target >= {SPEED_TARGET}: {speed}")
    print(f"  export peak RSS {peak:.1f} MB; target < {MEMORY_TARGET_MB} MB: {memory}")
    startup = median["startup"]
    after = median["export"]["seconds"] - startup["seconds"]
    print(f"  start-up alone (the app loaded, nothing exported): {startup['seconds']:.2f} s, "
          f"peak RSS {startup['peak_mb']:.1f} MB; the export after start-up: {after:.2f} s")
    # What the page's export costs a running server, which has started up already.
    warm = median["dump"]["seconds"] / after
    print(f"  ratio after start-up = {warm:.3f}; target >= {SPEED_TARGET}: {'PASS' if warm >= SPEED_TARGET else 'MISS'}")


def bench_database(args, kind):
    with tempfile.TemporaryDirectory(prefix=f"bench-export-{kind}-") as workdir:
        with prepared_database(args, kind, workdir) as (url, engine):
            insert_rows(engine, kind, args.rows)
            rounds = measure(args, kind, url, workdir)
    report(kind, args.rows, rounds)


def main(argv=None):
    """Entry point: 0 whether or not the targets are met, 2 if the benchmark could not run."""
    args = parse_args(argv)
    kinds = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    try:
        for kind in kinds:
            bench_database(args, kind)
    except (HarnessError, OSError, subprocess.SubprocessError) as exc:
        print(f"bench/export.py: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
