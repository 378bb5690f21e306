"""Letters rendered and queued per second, for a drive that writes to 500 legislators."""
# Run by hand from the repo root: .venv/bin/python bench/letters.py --help
# Not part of the test suite: figures depend on the machine and what else runs on it.
#
# In process, without HTTP: each letter is what the view does once the form is valid and the
# address proven: find the targets, store the letter and its deliveries, render one mail per
# legislator in their language, schedule it under the caps and queue it, commit.

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from servers import HarnessError  # noqa: E402
from sign import POSTGRESQL_URL, drive_yaml, ensure_database, flask_cli, psql  # noqa: E402

SCHEMA = "bench_letters"
SLUG = "bench-letters"
TARGET = 1000  # mails rendered and queued per second: a 500-legislator letter in half a second
LANGUAGES = ("sv", "en", "zh", "de")  # sv and de fall back to English, zh gets the Chinese letter

DRIVE_YAML = drive_yaml(SLUG, "letters", texts="""\
    letter_subject: "A moratorium on extraditions to China: a letter from {{ signer_name }}"
    letter_body: |-
      Dear {{ legislator_title }} {{ legislator_name }},

      I am writing to ask you to support a moratorium on extraditions from {{ country }} to China.
      Courts have found that diplomatic assurances cannot remove the risk of torture.

      {{ personal_paragraph }}

      Please make that protection the law, and tell me where you stand on "{{ drive_title }}".

      Yours sincerely,
      {{ signer_name }}
      {{ signer_region }}
  zh-hans:
    title: 基准测试
    summary: 基准测试创建后即删除的行动。
    petition: 我们请求暂停引渡。
    letter_subject: "暂停向中国引渡：{{ signer_name }}的来信"
    letter_body: |-
      尊敬的{{ legislator_title }}{{ legislator_name }}：

      我写信请求您支持{{ country }}暂停向中国引渡。

      {{ personal_paragraph }}

      此致
      {{ signer_name }}
""")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--postgresql-url", default=POSTGRESQL_URL,
                   help=f"PostgreSQL database to create schema {SCHEMA} in (default: %(default)s)")
    p.add_argument("--targets", type=int, default=500, help="legislators the drive writes to")
    p.add_argument("--letters", type=int, default=40, help="letters, each from another writer")
    return p.parse_args(argv)


@contextmanager
def database(args, workdir):
    if args.database == "sqlite":
        yield f"sqlite:///{workdir}/letters.db"
        return
    ensure_database(args.postgresql_url)
    psql(args.postgresql_url, f"CREATE SCHEMA {SCHEMA}")
    try:
        separator = "&" if "?" in args.postgresql_url else "?"
        yield f"{args.postgresql_url}{separator}options=-csearch_path%3D{SCHEMA}"
    finally:
        psql(args.postgresql_url, f"DROP SCHEMA {SCHEMA} CASCADE")


def prepare(url, workdir, targets):
    flask_cli(url, "db", "upgrade")
    drive_file = Path(workdir) / "drive.yaml"
    drive_file.write_text(DRIVE_YAML, encoding="utf-8")
    flask_cli(url, "drives", "create", "--file", str(drive_file))
    people = Path(workdir) / "legislators.csv"
    rows = ["id,country,name,title,chamber,party,region,email,language,active"]
    rows += [f"mp-{i},SE,Member Number {i},,Riksdag,Party {i % 8},Region {i % 29},mp{i}@riksdag.example,"
             f"{LANGUAGES[i % len(LANGUAGES)]},yes" for i in range(targets)]
    people.write_text("\n".join(rows) + "\n", encoding="utf-8")
    flask_cli(url, "legislators", "import", str(people))


def run(url, letters):
    os.environ.setdefault("APP_ENV", "development")
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.letters import services
    from app.outbox.models import OutboxMessage
    from app.petitions.services import visible_drive

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "OUTBOX_INLINE": False})
    timings = []
    with app.app_context():
        drive = visible_drive(SLUG)
        for i in range(letters):
            data = {"name": f"Writer {i}", "email": f"writer{i}@example.org", "region": "",
                    "personal": "My family lives here, and this matters to us. " * 4}
            start = time.perf_counter()
            targets = services.recipients(drive)
            letter = services.write(drive, targets, data, "en", data["email"])
            services.release(letter, drive)
            db.session.commit()
            timings.append(time.perf_counter() - start)
            db.session.expunge_all()
            drive = visible_drive(SLUG)
        queued = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    return timings, queued


def main(argv=None):
    args = parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir, database(args, workdir) as url:
        prepare(url, workdir, args.targets)
        timings, queued = run(url, args.letters)
    expected = args.letters * args.targets
    if queued != expected:
        raise HarnessError(f"{queued} mails queued, expected {expected}")
    total = sum(timings)
    rate = expected / total
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"database: {args.database}; {args.letters} letters to {args.targets} legislators each, "
          f"{queued} mails queued (exact)")
    print(f"per letter: median {statistics.median(timings) * 1000:.0f} ms, "
          f"slowest {max(timings) * 1000:.0f} ms")
    print(f"mails rendered and queued: {rate:.0f}/s ({args.letters / total:.2f} letters/s); "
          f"peak RSS {peak:.0f} MB")
    print(f"target >= {TARGET}/s: {'PASS' if rate >= TARGET else 'MISS'}")


if __name__ == "__main__":
    try:
        main()
    except HarnessError as error:
        print(f"benchmark could not run: {error}", file=sys.stderr)
        sys.exit(2)
