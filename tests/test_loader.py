"""`flask data load`: validated, idempotent, all or nothing."""

import shutil

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.treaties.dates import PartialDate
from app.treaties.models import Case, Measure, Treaty


@pytest.fixture
def data_copy(tmp_path, data_dir):
    """A writable copy of data/ and a helper to edit one of its lines."""
    for name in ("treaties.csv", "measures.csv", "cases.csv"):
        shutil.copy(data_dir / name, tmp_path / name)

    def edit(name, line, old, new):
        path = tmp_path / name
        lines = path.read_text(encoding="utf-8").split("\n")
        assert old in lines[line - 1], lines[line - 1]
        lines[line - 1] = lines[line - 1].replace(old, new, 1)
        path.write_text("\n".join(lines), encoding="utf-8")

    return tmp_path, edit


def load(app, directory):
    return app.test_cli_runner().invoke(args=["data", "load", "--dir", str(directory)])


def snapshot(app):
    """Every row of every table, as plain values, to compare before and after."""
    with app.app_context():
        return {
            model.__tablename__: sorted(
                tuple(str(getattr(row, c.key)) for c in model.__table__.columns if c.key != "updated_at")
                for row in db.session.scalars(select(model))
            )
            for model in (Treaty, Measure, Case)
        }


def test_loading_twice_changes_nothing_the_second_time(empty_app, data_dir):
    first = load(empty_app, data_dir)
    assert first.exit_code == 0, first.output
    assert "treaties.csv: 61 created" in first.output
    before = snapshot(empty_app)
    second = load(empty_app, data_dir)
    assert second.exit_code == 0
    assert "treaties.csv: 0 created, 0 updated, 61 unchanged" in second.output
    assert snapshot(empty_app) == before


def test_a_changed_row_is_updated_not_duplicated(empty_app, data_copy):
    directory, edit = data_copy
    load(empty_app, directory)
    edit("treaties.csv", 2, "1995-06-26", "1995-06-27")
    result = load(empty_app, directory)
    assert "treaties.csv: 0 created, 1 updated, 60 unchanged" in result.output
    with empty_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Treaty)) == 61
        russia = db.session.scalar(select(Treaty).where(Treaty.iso2 == "RU"))
        assert str(russia.signed_on) == "1995-06-27"


BAD_ROWS = [
    ("treaties.csv", 2, "1995-06-26", "1995-13-26", "treaties.csv, line 2, column signed_on: '1995-13-26' is not a date"),
    ("treaties.csv", 3, "BY,", "QQ,", "treaties.csv, line 3, column iso2: 'QQ' is not an ISO 3166-1 alpha-2 country code"),
    ("treaties.csv", 3, "BY,", "RU,", "treaties.csv, line 3, column iso2: duplicate of line 2"),
    ("treaties.csv", 5, "http://iolaw.cssn.cn/zxzp/200311/t20031103_4587334.shtml", "", "treaties.csv, line 5, column sources: every row needs at least one source"),
    ("treaties.csv", 2, ",yes,,1997", ",perhaps,,1997", "treaties.csv, line 2, column signed_verified: 'perhaps' is neither yes nor no"),
    ("measures.csv", 2, "ratification_withdrawn", "withdrawn_quietly", "measures.csv, line 2, column kind: 'withdrawn_quietly' is not one of"),
    ("measures.csv", 3, "ca-2020-hk-suspended,", "au-2017-ratification-withdrawn,", "measures.csv, line 3, column key: duplicate of line 2"),
    ("cases.csv", 2, "2019-07-09", "09/07/2019", "cases.csv, line 2, column decided_on: '09/07/2019' is not a date"),
    ("cases.csv", 1, "outcome", "result", "cases.csv, line 1, column outcome: column is missing"),
    ("cases.csv", 1, "summary", "kind", "cases.csv, line 1, column kind: column appears more than once"),
    ("treaties.csv", 2, "RU,", "ru,", "treaties.csv, line 2, column iso2: 'ru': write country codes in capitals"),
    ("treaties.csv", 2, ",yes,,1997", ",,,1997", "treaties.csv, line 2, column signed_verified: write yes or no"),
    ("treaties.csv", 2, "1995-06-26,yes,,1997-01-10,yes", ",,,,", "treaties.csv, line 2, column signed_on: a treaty needs a date"),
    ("treaties.csv", 2, "http://iolaw", "http://[iolaw", "treaties.csv, line 2, column sources: 'http://[iolaw"),
    ("measures.csv", 2, "2017-03-28", "", "measures.csv, line 2, column taken_on: a measure that halts or ends extradition needs its date"),
    ("measures.csv", 2, "au-2017-ratification-withdrawn", "au-" + "x" * 80, "measures.csv, line 2, column key: is 83 characters long; at most 80 fit"),
]


@pytest.mark.parametrize("name, line, old, new, message", BAD_ROWS)
def test_a_bad_row_stops_the_load_and_changes_nothing(empty_app, data_copy, data_dir, name, line, old, new, message):
    directory, edit = data_copy
    assert load(empty_app, data_dir).exit_code == 0
    before = snapshot(empty_app)
    # A good change elsewhere must not land either: the load is one transaction.
    edit("treaties.csv", 21, "2003-11-03", "2003-11-04") if name != "treaties.csv" else None
    edit(name, line, old, new)
    result = load(empty_app, directory)
    assert result.exit_code == 1
    assert message in result.output
    assert "Nothing was loaded" in result.output
    assert snapshot(empty_app) == before


def test_a_bad_row_on_an_empty_database_leaves_it_empty(empty_app, data_copy):
    directory, edit = data_copy
    edit("cases.csv", 21, ",1997,", ",1997-02-30,")
    assert load(empty_app, directory).exit_code == 1
    assert snapshot(empty_app) == {"treaties": [], "measures": [], "cases": []}


def test_a_missing_file_is_named(empty_app, data_copy):
    directory, _ = data_copy
    (directory / "cases.csv").unlink()
    result = load(empty_app, directory)
    assert result.exit_code == 1 and "cases.csv" in result.output and "file not found" in result.output


def test_every_fact_loaded_keeps_its_sources(app):
    with app.app_context():
        for model in (Treaty, Measure, Case):
            assert all(row.sources for row in db.session.scalars(select(model)))


def test_unverified_dates_and_bounds_survive_the_load(app):
    with app.app_context():
        angola = db.session.scalar(select(Treaty).where(Treaty.iso2 == "AO"))
        mongolia = db.session.scalar(select(Treaty).where(Treaty.iso2 == "MN"))
    assert angola.in_force_on is None and angola.in_force_by.isoformat() == "2018-10"
    assert mongolia.signed_verified is False and mongolia.in_force_verified is False


def test_models_and_migrations_agree(empty_app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with empty_app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_pages_change_as_soon_as_the_data_does(empty_app, data_copy):
    directory, edit = data_copy
    load(empty_app, directory)
    client = empty_app.test_client()
    assert "March 28, 2017" in client.get("/en/countries/au").get_data(as_text=True)
    edit("measures.csv", 2, "2017-03-28", "2017-03-29")
    assert load(empty_app, directory).exit_code == 0
    html = client.get("/en/countries/au").get_data(as_text=True)
    assert "March 29, 2017" in html and "March 28, 2017" not in html


def test_an_unchanged_load_keeps_the_revision_and_a_change_bumps_it(empty_app, data_copy):
    from app.revisions import current_revision

    directory, edit = data_copy
    load(empty_app, directory)
    with empty_app.app_context():
        first = current_revision()
    load(empty_app, directory)
    with empty_app.app_context():
        assert current_revision() == first
    edit("cases.csv", 2, "2019-07-09", "2019-07-10")
    load(empty_app, directory)
    with empty_app.app_context():
        assert current_revision() == first + 1


def test_another_process_change_shows_once_the_revision_is_read_again(empty_app, data_dir):
    from sqlalchemy import update

    from app.revisions import Revision

    load(empty_app, data_dir)
    client = empty_app.test_client()
    empty_app.config["PAGE_REVISION_TTL"] = 3600
    assert "March 28, 2017" in client.get("/en/countries/au").get_data(as_text=True)
    with empty_app.app_context(), db.engine.begin() as connection:  # as another process would
        connection.execute(update(Measure).where(Measure.key == "au-2017-ratification-withdrawn")
                           .values(taken_on=PartialDate.parse("2017-03-30")))
        connection.execute(update(Revision).values(number=Revision.number + 1))
    assert "March 28, 2017" in client.get("/en/countries/au").get_data(as_text=True)
    empty_app.config["PAGE_REVISION_TTL"] = 0
    assert "March 30, 2017" in client.get("/en/countries/au").get_data(as_text=True)


def test_a_byte_order_mark_from_a_spreadsheet_is_accepted(empty_app, data_copy):
    directory, _ = data_copy
    path = directory / "cases.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load(empty_app, directory).exit_code == 0


HEADER = b"key,iso2,decided_on,kind,person,forum,outcome,summary,sources\n"


@pytest.mark.parametrize("content, message", [
    (HEADER + b"\xff\xfe broken\n", "cases.csv, line 2: not UTF-8 text"),
    (HEADER + b"\"" + b"x" * 200_000 + b"\"\n", "cases.csv, line 2: unreadable: field larger than field limit"),
    (b"", "cases.csv, line 1, column key: column is missing"),
])
def test_unreadable_or_empty_files_are_named_not_a_traceback(empty_app, data_copy, content, message):
    directory, _ = data_copy
    (directory / "cases.csv").write_bytes(content)
    result = load(empty_app, directory)
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output


def test_rows_gone_from_the_files_are_listed_and_pruned_only_when_asked(empty_app, data_copy):
    directory, _ = data_copy
    load(empty_app, directory)
    path = directory / "cases.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("de-1997-dolkun-isa")), encoding="utf-8")
    kept = load(empty_app, directory)
    assert "not in the file, kept (use --prune to delete): de-1997-dolkun-isa" in kept.output
    with empty_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == 20
    pruned = empty_app.test_cli_runner().invoke(args=["data", "load", "--dir", str(directory), "--prune"])
    assert "deleted: de-1997-dolkun-isa" in pruned.output
    with empty_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == 19


def test_a_database_failure_mid_load_rolls_everything_back(empty_app, data_copy, monkeypatch):
    from app.treaties import loader

    directory, edit = data_copy
    load(empty_app, directory)
    before = snapshot(empty_app)
    edit("treaties.csv", 2, "1995-06-26", "1995-06-27")
    real_upsert = loader.upsert

    def failing_upsert(spec, rows, prune=False):
        tally = real_upsert(spec, rows, prune)
        if spec.model is Case:
            db.session.flush()  # the treaty change has reached the database by now
            raise RuntimeError("connection lost")
        return tally

    monkeypatch.setattr(loader, "upsert", failing_upsert)
    with empty_app.app_context(), pytest.raises(RuntimeError):
        loader.load(directory)
    assert snapshot(empty_app) == before
