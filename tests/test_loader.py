"""`flask data load`: validated, idempotent, all or nothing."""

import shutil

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.treaties.dates import PartialDate
from app.treaties.loader import SPECS
from app.treaties.models import Case, LegalBasis, Measure, Publisher, Treaty

MODELS = (Publisher, Treaty, Measure, Case, LegalBasis)


def line_of(directory, name, key):
    """The line of the row whose first cell is `key` (1 for the header)."""
    lines = (directory / name).read_text(encoding="utf-8").split("\n")
    return 1 if key is None else next(n for n, text in enumerate(lines, 1) if text.startswith(f"{key},"))


@pytest.fixture
def data_copy(tmp_path, data_dir):
    """A writable copy of data/ and a helper to edit one row (by its key; None for the header)."""
    for name in SPECS:
        shutil.copy(data_dir / name, tmp_path / name)

    def edit(name, key, old, new):
        path = tmp_path / name
        lines = path.read_text(encoding="utf-8").split("\n")
        line = line_of(tmp_path, name, key)
        assert old in lines[line - 1], lines[line - 1]
        lines[line - 1] = lines[line - 1].replace(old, new, 1)
        path.write_text("\n".join(lines), encoding="utf-8")
        return line

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
            for model in MODELS
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
    edit("treaties.csv", "RU", "1995-06-26", "1995-06-27")
    result = load(empty_app, directory)
    assert "treaties.csv: 0 created, 1 updated, 60 unchanged" in result.output
    with empty_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Treaty)) == 61
        russia = db.session.scalar(select(Treaty).where(Treaty.iso2 == "RU"))
        assert str(russia.signed_on) == "1995-06-27"


BAD_ROWS = [
    ("treaties.csv", "RU", "1995-06-26", "1995-13-26", "column signed_on: '1995-13-26' is not a date"),
    ("treaties.csv", "BY", "BY,", "QQ,", "column iso2: 'QQ' is not an ISO 3166-1 alpha-2 country code"),
    ("treaties.csv", "BY", "BY,", "RU,", "column iso2: duplicate of line"),
    ("treaties.csv", "RU", ",yes,,1997", ",perhaps,,1997", "column signed_verified: 'perhaps' is neither yes nor no"),
    ("measures.csv", "au-2017-ratification-withdrawn", "ratification_withdrawn", "withdrawn_quietly",
     "column kind: 'withdrawn_quietly' is not one of"),
    ("measures.csv", "ca-2020-hk-suspended", "ca-2020-hk-suspended,", "au-2017-ratification-withdrawn,",
     "column key: duplicate of line"),
    ("cases.csv", "se-2019-qiao-jianjun", "2019-07-09", "09/07/2019", "column decided_on: '09/07/2019' is not a date"),
    ("cases.csv", None, "outcome", "result", "column outcome: column is missing"),
    ("cases.csv", None, "summary", "kind", "column kind: column appears more than once"),
    ("treaties.csv", "RU", "RU,", "ru,", "column iso2: 'ru': write country codes in capitals"),
    ("treaties.csv", "RU", ",yes,,1997", ",,,1997", "column signed_verified: write yes or no"),
    ("treaties.csv", "RU", "1995-06-26,yes,,1997-01-10,yes", ",,,,", "column signed_on: a treaty needs a date"),
    ("measures.csv", "au-2017-ratification-withdrawn", "2017-03-28", "",
     "column taken_on: a measure that halts or ends extradition needs its date"),
    ("measures.csv", "au-2017-ratification-withdrawn", "au-2017-ratification-withdrawn", "au-" + "x" * 80,
     "column key: is 83 characters long; at most 80 fit"),
    ("measures.csv", "au-2017-ratification-withdrawn", "2017-03-28,,", "2017-03-28,2016-01-01,",
     "column ends_on: a measure is lifted after it was taken"),
    ("publishers.csv", "reuters.com", ",press,", ",blog,", "column kind: 'blog' is not one of"),
    ("legal_basis.csv", "SE", "case_by_case", "maybe", "column basis: 'maybe' is not one of"),
]


@pytest.mark.parametrize("name, key, old, new, message", BAD_ROWS)
def test_a_bad_row_stops_the_load_and_changes_nothing(empty_app, data_copy, data_dir, name, key, old, new, message):
    directory, edit = data_copy
    assert load(empty_app, data_dir).exit_code == 0
    before = snapshot(empty_app)
    # A good change elsewhere must not land either: the load is one transaction.
    edit("treaties.csv", "BG", "1996-05-20", "1996-05-21") if name != "treaties.csv" else None
    line = edit(name, key, old, new)
    result = load(empty_app, directory)
    assert result.exit_code == 1
    assert f"{name}, line {line}, {message}" in result.output
    assert "Nothing was loaded" in result.output
    assert snapshot(empty_app) == before


def test_a_bad_row_on_an_empty_database_leaves_it_empty(empty_app, data_copy):
    directory, edit = data_copy
    edit("cases.csv", "de-1997-dolkun-isa", ",1997,", ",1997-02-30,")
    assert load(empty_app, directory).exit_code == 1
    assert all(rows == [] for rows in snapshot(empty_app).values())


def test_a_missing_file_is_named(empty_app, data_copy):
    directory, _ = data_copy
    (directory / "cases.csv").unlink()
    result = load(empty_app, directory)
    assert result.exit_code == 1 and "cases.csv" in result.output and "file not found" in result.output


def test_every_fact_loaded_keeps_its_sources(app):
    with app.app_context():
        for model in (Treaty, Measure, Case):
            assert all(row.sources for row in db.session.scalars(select(model)))
        assert all(row.sources for row in db.session.scalars(select(LegalBasis)) if row.basis != "unknown")


def test_unverified_dates_and_bounds_survive_the_load(app):
    with app.app_context():
        angola = db.session.scalar(select(Treaty).where(Treaty.iso2 == "AO"))
        kyrgyzstan = db.session.scalar(select(Treaty).where(Treaty.iso2 == "KG"))
    assert angola.in_force_on is None and angola.in_force_by.isoformat() == "2018-10"
    assert kyrgyzstan.signed_verified is False and kyrgyzstan.in_force_verified is False


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
    edit("measures.csv", "au-2017-ratification-withdrawn", "2017-03-28", "2017-03-29")
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
    edit("cases.csv", "se-2019-qiao-jianjun", "2019-07-09", "2019-07-10")
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


HEADER = b"key,iso2,decided_on,kind,person,forum,outcome,summary,sources,research_note\n"


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
        assert db.session.scalar(select(func.count()).select_from(Case)) == len(lines) - 1
    pruned = empty_app.test_cli_runner().invoke(args=["data", "load", "--dir", str(directory), "--prune"])
    assert "deleted: de-1997-dolkun-isa" in pruned.output
    with empty_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == len(lines) - 2


def test_a_database_failure_mid_load_rolls_everything_back(empty_app, data_copy, monkeypatch):
    from app.treaties import loader

    directory, edit = data_copy
    load(empty_app, directory)
    before = snapshot(empty_app)
    edit("treaties.csv", "RU", "1995-06-26", "1995-06-27")
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


def set_cell(directory, name, key, column, value):
    """Rewrite one cell of one row (by key) with the csv module, whatever the cell held."""
    import csv

    path = directory / name
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row[SPECS[name].key] == key:
            row[column] = value
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return line_of(directory, name, key)


def add_publisher(directory, row):
    with open(directory / "publishers.csv", "a", encoding="utf-8") as handle:
        handle.write(row + "\n")


@pytest.mark.parametrize("sources, message", [
    ("[A diary](https://mixi.jp/view_diary.pl?id=1)", "mixi.jp is not a registered publisher's host"),
    ("https://www.reuters.com/article/x", "give the link a title or date, written [title](URL)"),
    ("Someone's memory, 2021", "starts with no registered citation prefix"),
    ("nobody: [Copy](https://www.reuters.com/article/x)", "'nobody' is not a registered publisher key"),
    ("[A page](http://15.223.68.226/barbados)", "15.223.68.226 is not a registered publisher's host"),
    ("[Looks like Reuters](https://evil.example\\@reuters.com/a)", "is not a plain http(s) address"),
    ("[Looks like Reuters](https://someone@reuters.com/a)", "is not a plain http(s) address"),
    ("[Odd port](https://reuters.com:99999/a)", "is not a plain http(s) address"),
    ("[ ](https://www.reuters.com/a)", "give the link a title or date"),
    ("Safeguard Defenders, Returned Without Rightsless blog", "starts with no registered citation prefix"),
])
def test_a_source_no_registered_publisher_stands_behind_is_refused(empty_app, data_copy, sources, message):
    directory, _ = data_copy
    line = set_cell(directory, "treaties.csv", "RU", "sources", sources)
    result = load(empty_app, directory)
    assert result.exit_code == 1
    assert f"treaties.csv, line {line}, column sources: " in result.output and message in result.output
    assert all(rows == [] for rows in snapshot(empty_app).values())


def test_a_verified_date_needs_more_than_a_secondary_source(empty_app, data_copy):
    directory, _ = data_copy
    add_publisher(directory, "wiki.example,A wiki,secondary,wiki.example")
    line = set_cell(directory, "treaties.csv", "RU", "sources", "[Treaty text](https://wiki.example/ru)")
    result = load(empty_app, directory)
    assert result.exit_code == 1
    assert (f"treaties.csv, line {line}, column signed_verified: a date marked verified needs a source "
            "that is not secondary") in result.output
    set_cell(directory, "treaties.csv", "RU", "signed_verified", "no")
    set_cell(directory, "treaties.csv", "RU", "in_force_verified", "no")
    assert load(empty_app, directory).exit_code == 0, "unverified dates may rest on a secondary source"


def test_the_most_specific_identification_names_the_publisher():
    from types import SimpleNamespace as Row

    from app.treaties.sources import Registry

    registry = Registry([
        Row(key="chinadaily.com.cn", name="China Daily", kind="press", identifies=["chinadaily.com.cn"]),
        Row(key="spc", name="Supreme People's Court", kind="court",
            identifies=["subsites.chinadaily.com.cn/supremepeoplescourt"]),
        Row(key="ap", name="Associated Press", kind="press", identifies=["apnews.com"]),
        Row(key="ksl.com", name="KSL.com", kind="press", identifies=["ksl.com"]),
        Row(key="rwr", name="Safeguard Defenders", kind="report",
            identifies=["Safeguard Defenders, Returned Without Rights"]),
    ])
    court = registry.resolve("[List](https://subsites.chinadaily.com.cn/supremepeoplescourt/2015-06/04/x.htm)")
    paper = registry.resolve("[News](https://www.chinadaily.com.cn/a/2020/b.html)")
    wire = registry.resolve("ap: [Spain extradites 94](https://www.ksl.com/article/46568607)")
    report = registry.resolve("Safeguard Defenders, Returned Without Rights (February 2022), p. 18")
    assert (court.publisher.name, paper.publisher.name) == ("Supreme People's Court", "China Daily")
    assert (wire.publisher.name, wire.host.name, wire.title) == ("Associated Press", "KSL.com", "Spain extradites 94")
    assert (report.publisher.kind, report.title) == ("report", "Returned Without Rights (February 2022), p. 18")
    with pytest.raises(ValueError, match="notchinadaily.com.cn is not a registered"):
        registry.resolve("[Lookalike](https://notchinadaily.com.cn/x)")


def test_a_territorial_basis_belongs_to_its_territory_only(empty_app, data_copy):
    directory, _ = data_copy
    line = set_cell(directory, "legal_basis.csv", "SE", "basis", "sar")
    result = load(empty_app, directory)
    assert f"legal_basis.csv, line {line}, column basis: sar is for HK and MO only" in result.output


def test_a_control_character_in_a_cell_is_refused_not_a_500(empty_app, data_copy):
    directory, _ = data_copy
    line = set_cell(directory, "cases.csv", "se-2019-qiao-jianjun", "summary", "Refused.\x00")
    result = load(empty_app, directory)
    assert result.exit_code == 1
    assert f"cases.csv, line {line}, column summary: contains a control character" in result.output


def test_a_load_that_would_orphan_a_kept_rows_sources_changes_nothing(empty_app, data_copy):
    directory, _ = data_copy
    assert load(empty_app, directory).exit_code == 0
    set_cell(directory, "publishers.csv", "cyprus-mail.com", "identifies", "cyprus-mail.example")  # moved host
    rows = (directory / "cases.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (directory / "cases.csv").write_text("".join(r for r in rows if not r.startswith("cy-2025-businessman-consent,")),
                                         encoding="utf-8")  # kept in the database, no longer in the file
    before = snapshot(empty_app)
    result = load(empty_app, directory)
    assert result.exit_code == 1
    assert "cases.csv, row cy-2025-businessman-consent (in the database), column sources: cyprus-mail.com" in result.output
    assert snapshot(empty_app) == before


def test_a_bound_needs_its_verified_flag_too(empty_app, data_copy):
    directory, _ = data_copy
    line = set_cell(directory, "treaties.csv", "AO", "in_force_verified", "")
    result = load(empty_app, directory)
    assert f"treaties.csv, line {line}, column in_force_verified: write yes or no" in result.output


def test_the_load_and_its_audit_entry_are_one_transaction(empty_app, data_dir, monkeypatch):
    from app import audit

    def audit_fails(*args, **kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(audit, "record", audit_fails)
    result = load(empty_app, data_dir)
    assert result.exit_code != 0
    assert all(rows == [] for rows in snapshot(empty_app).values()), "no data without its audit entry"
