"""The retention period and erasure on request: nothing of a person is left, counts stay exact."""

from datetime import date, timedelta

from sqlalchemy import func, inspect, select, text, update

from app.audit import AuditEntry
from app.extensions import db
from app.letters.models import Letter
from app.outbox.models import OutboxMessage
from app.petitions.models import Drive, Signature
from app.privacy import months_before
from app.records import today
from tests.helpers import WRITER, deliver, link, press, prove, sign, write


def anywhere(app, needle):
    """Every (table, column) whose text holds `needle`, in the whole database."""
    found = []
    with app.app_context():
        for table in inspect(db.engine).get_table_names():
            for column in inspect(db.engine).get_columns(table):
                if str(column["type"]).startswith(("VARCHAR", "TEXT", "JSON")):
                    hits = db.session.execute(text(f'SELECT COUNT(*) FROM "{table}" WHERE CAST("{column["name"]}" AS TEXT) LIKE :n'),
                                              {"n": f"%{needle}%"}).scalar()
                    if hits:
                        found.append((table, column["name"]))
    return found


def signed_and_wrote(app, inbox, address=WRITER, name="Wang Fang", consent="", words="Words only I wrote."):
    client = app.test_client()
    sign(client, email=address, name=name, consent_updates=consent)
    deliver(app)
    press(client, link(inbox.to(address)[-1], "confirm"))
    write(client, email=address, name=name, personal=words)
    deliver(app)
    return client


def counts(app):
    with app.app_context():
        drive = db.session.scalar(select(Drive))
        sent = app.test_client().get("/api/v1/drives/sweden-2026").get_json()["letters_sent"]
        return drive.confirmed_count, sent


def test_erasing_a_person_leaves_nothing_of_them_and_uncounts_their_signature(letters_app, inbox):
    signed_and_wrote(letters_app, inbox)
    signed_and_wrote(letters_app, inbox, address="other@example.org", name="Li Na", words="Li Na's own.")
    assert counts(letters_app) == (2, 6)
    assert anywhere(letters_app, WRITER) and anywhere(letters_app, "Words only I wrote")
    result = letters_app.test_cli_runner().invoke(args=["privacy", "erase", WRITER.upper()])
    assert result.exit_code == 0, result.output
    for trace in (WRITER, "Wang Fang", "Words only I wrote", WRITER.split("@")[0]):
        assert anywhere(letters_app, trace) == [], trace
    assert counts(letters_app) == (1, 6)  # their signature uncounted; the letters were sent all the same
    assert anywhere(letters_app, "other@example.org")  # nobody else's
    with letters_app.app_context():
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.erase")).all()
        assert entry.after == {"signatures": 1, "letters": 1, "messages": 1}  # the confirmation mail


def test_a_letter_not_yet_sent_is_not_sent_after_its_writer_is_erased(letters_app, inbox):
    letters_app.config.update(LETTER_CAP_LEGISLATOR_HOUR=1)
    first, second = letters_app.test_client(), letters_app.test_client()
    prove(first, "first@example.org")
    prove(second, WRITER)
    write(first, email="first@example.org", region="Skåne")
    write(second, region="Skåne")  # waits for the next hour: Cecilia has had her one this hour
    letters_app.test_cli_runner().invoke(args=["privacy", "erase", WRITER])
    deliver(letters_app)
    with letters_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert anywhere(letters_app, WRITER) == []


def test_the_retention_period_deletes_signatures_but_keeps_counts_and_supporters(letters_app, inbox):
    signed_and_wrote(letters_app, inbox)
    signed_and_wrote(letters_app, inbox, address="supporter@example.org", name="Keeps Updates", consent="y",
                     words="A supporter's words.")
    runner = letters_app.test_cli_runner()
    with letters_app.app_context():
        last_day = months_before(today(), letters_app.config["RETENTION_MONTHS"]) - timedelta(days=1)
        db.session.execute(update(Drive).values(closes_on=last_day, state="closed"))
        # The mail went out long ago, too.
        db.session.execute(update(OutboxMessage).values(created_at=date(2000, 1, 1)))
        db.session.commit()
    dry = runner.invoke(args=["privacy", "retain", "--dry-run"])
    assert "sweden-2026: would delete 1 signatures" in dry.output
    assert anywhere(letters_app, "Wang Fang")
    result = runner.invoke(args=["privacy", "retain"])
    assert result.exit_code == 0 and "sweden-2026: deleted 1 signatures, anonymised 2 letters" in result.output
    assert anywhere(letters_app, "Wang Fang") == [] and anywhere(letters_app, "Words only I wrote") == []
    assert anywhere(letters_app, "supporter@example.org") == [("signatures", "email"), ("signatures", "email_key")]
    assert counts(letters_app) == (2, 6)
    with letters_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Signature)) == 1
        assert db.session.scalar(select(func.count()).select_from(Letter)) == 2


def test_drives_within_their_retention_period_are_left_alone(letters_app, inbox):
    signed_and_wrote(letters_app, inbox)
    with letters_app.app_context():
        db.session.execute(update(Drive).values(closes_on=today() - timedelta(days=10), state="closed"))
        db.session.commit()
    result = letters_app.test_cli_runner().invoke(args=["privacy", "retain"])
    assert "sweden-2026" not in result.output
    assert anywhere(letters_app, "Wang Fang")


def test_months_before_clamps_to_the_end_of_the_month():
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert months_before(date(2026, 3, 15), 6) == date(2025, 9, 15)
