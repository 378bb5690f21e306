"""Backups as docs/operators.md tells operators to make them: pg_dump -Fc of a campaign in progress,
restored with pg_restore into an empty database, holds every row, and the site on it counts the same
and honours the links mailed before the backup (same SECRET_KEY). PostgreSQL only."""

import os
import re
import shutil
import subprocess
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.petitions import paper
from app.petitions.models import Drive
from app.records import utcnow
from app.updates import publishing
from app.updates.models import Update
from tests.helpers import (
    LEGISLATORS,
    LETTER_DRIVE_YAML,
    deliver,
    link,
    mail_to,
    migrated_app,
    press,
    prove,
    set_drive,
    sign,
    unavailable,
    write,
)

pytestmark = pytest.mark.postgres_only

SIGNERS = ["anna@example.org", "olof@example.org", "karin@example.org"]
LATE = "late@example.org"  # signs, but confirms only after the restore
ATTESTATION = {"gathered_on": date(2026, 3, 5), "event": "Stockholm Pride stall", "held_by": "Lena"}


def libpq(url):
    """A SQLAlchemy URL as pg_dump and pg_restore read it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def two_databases():
    """Two new, empty databases on the suite's PostgreSQL server (pg_dump works on whole databases), dropped after."""
    base = make_url(os.environ["TEST_DATABASE_URL"])
    server = create_engine(base, isolation_level="AUTOCOMMIT")
    names = [f"backup_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    try:
        with server.connect() as connection:
            for name in names:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        unavailable(f"PostgreSQL at {base} cannot create databases: {error}")
    yield server, [base.set(database=name).render_as_string(hide_password=False) for name in names]
    with server.connect() as connection:
        for name in names:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def pg_program(name, server):
    """pg_dump or pg_restore of the server's major version: an older one refuses a newer server's database."""
    with server.connect() as connection:
        major = int(connection.execute(text("SHOW server_version_num")).scalar()) // 10000
    found = [f"/usr/lib/postgresql/{major}/bin/{name}", shutil.which(name)]
    for path in filter(lambda p: p and Path(p).exists(), found):
        version = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
        if re.search(rf"\s{major}\.", version):
            return path
    unavailable(f"{name} {major} is not installed (apt-get install postgresql-client-{major})")


def run(*args):
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def campaign_in_progress(url, inbox, tmp_path):
    """Data loaded, a drive with a letter, signatures confirmed and not, a letter, paper, an update, mail both ways."""
    app = migrated_app(url)
    mail_to(app, inbox.port, OUTBOX_INLINE=False, RATELIMIT_ENABLED=False, SERVER_NAME="moratorium.test",
            PUBLIC_URL="http://moratorium.test")
    (tmp_path / "legislators.csv").write_text(LEGISLATORS, encoding="utf-8")
    for args in (["data", "load"], ["legislators", "import", str(tmp_path / "legislators.csv")]):
        result = app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 0, result.output
    set_drive(app, tmp_path, "open", "create", yaml=LETTER_DRIVE_YAML)
    client = app.test_client()
    for address in [*SIGNERS, LATE]:
        assert sign(client, email=address, consent_updates="y").status_code == 303
    deliver(app)
    for address in SIGNERS:
        assert "confirmed and counted" in press(client, link(inbox.to(address)[0], "confirm")).get_data(as_text=True)
    prove(client)
    assert write(client).status_code == 303
    with app.app_context():
        drive = db.session.scalar(select(Drive).where(Drive.slug == "sweden-2026"))
        rows = [{"name": "Karin Ek", "region": "Göteborg", "country": "SE"}, {"name": "王小明", "region": "", "country": "SE"}]
        paper.add_rows(drive, rows, ATTESTATION, "command line")
        paper.add_count(drive, 40, ATTESTATION, "command line")
        update = Update(drive_id=drive.id)
        publishing.save_facts(update, "news", {})
        publishing.save_text(update, "en", "Handed over", "We handed the petition over.")
        assert publishing.publish(update, "en", True, utcnow(), 600).mailed == len(SIGNERS)
        db.session.commit()  # the update's mail stays pending in the outbox, as a backup finds some
    return app


def row_counts(app):
    """Every table's number of rows, by name."""
    with app.app_context():
        names = inspect(db.engine).get_table_names()
        return {name: db.session.scalar(select(func.count()).select_from(table(name))) for name in names}


def drive_counts(app):
    with app.app_context():
        drive = db.session.scalar(select(Drive).where(Drive.slug == "sweden-2026"))
        return drive.confirmed_count, drive.paper_count


def test_a_restored_backup_holds_every_row_and_the_links_already_mailed_still_work(two_databases, inbox, tmp_path):
    server, (original, restored) = two_databases
    app = campaign_in_progress(original, inbox, tmp_path)
    before = row_counts(app)
    assert all(before[name] > 0 for name in ("treaties", "signatures", "letters", "outbox", "paper_signatures",
                                             "drive_updates", "audit_log", "legislators"))
    assert drive_counts(app) == (3, 42)
    dump = tmp_path / "moratorium.dump"
    run(pg_program("pg_dump", server), "-Fc", "-f", dump, libpq(original))
    run(pg_program("pg_restore", server), "--no-owner", "--exit-on-error", "-d", libpq(restored), dump)

    again = migrated_app(restored)  # `flask db upgrade`: nothing to do when the code is the backup's own
    mail_to(again, inbox.port, OUTBOX_INLINE=False, SERVER_NAME="moratorium.test", PUBLIC_URL="http://moratorium.test")
    assert row_counts(again) == before
    assert drive_counts(again) == (3, 42)
    visitor = again.test_client()
    assert "<strong>45</strong> signatures, including 42 on paper" in visitor.get("/en/drives/sweden-2026").get_data(
        as_text=True)
    confirm = link(inbox.to(LATE)[0], "confirm")  # mailed before the backup was taken
    assert "confirmed and counted" in press(visitor, confirm).get_data(as_text=True)
    assert "<strong>46</strong> signatures" in visitor.get("/en/drives/sweden-2026").get_data(as_text=True)
    with again.app_context():
        db.engine.dispose()
    with app.app_context():
        db.engine.dispose()
