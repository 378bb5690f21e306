"""`flask legislators import`: CSV and Popolo JSON, re-imports update, bad rows change nothing."""

from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.letters.models import Legislator

DATA = Path(__file__).resolve().parent / "data"
HEADER = "id,country,name,chamber,party,region,email,language,active\n"
ROWS = [
    "mp-1,SE,Anna Andersson,Riksdag,S,Stockholm,anna@riksdagen.example,sv,yes\n",
    "mp-2,SE,Björn Berg,Riksdag,M,Skåne,bjorn@riksdagen.example,sv,yes\n",
    "mp-3,CZ,Jana Nováková,Poslanecká sněmovna,ODS,Praha,jana@psp.example,cs,no\n",
]


def write_csv(tmp_path, rows, header=HEADER):
    path = tmp_path / "legislators.csv"
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


def run(app, *args):
    return app.test_cli_runner().invoke(args=["legislators", "import", *map(str, args)])


def everyone(app):
    with app.app_context():
        return {person.source_id: person for person in db.session.scalars(select(Legislator))}


def test_csv_import_then_reimport_updates_rather_than_duplicates(empty_app, tmp_path):
    result = run(empty_app, write_csv(tmp_path, ROWS))
    assert result.exit_code == 0 and "3 created, 0 updated, 0 unchanged" in result.output
    changed = ROWS[:1] + [ROWS[1].replace(",M,", ",KD,")] + ROWS[2:]
    again = run(empty_app, write_csv(tmp_path, changed))
    assert "0 created, 1 updated, 2 unchanged" in again.output
    people = everyone(empty_app)
    assert len(people) == 3 and people["mp-2"].party == "KD"
    assert people["mp-3"].active is False and people["mp-3"].language == "cs"


@pytest.mark.parametrize("row, reason", [
    ("mp-9,SE,,Riksdag,S,,x@riksdagen.example,sv,yes\n", "line 5: name is empty"),
    ("mp-9,XX,Nobody,Riksdag,S,,x@riksdagen.example,sv,yes\n", "line 5: country 'XX' is not an ISO"),
    ("mp-9,SE,Nobody,Riksdag,S,,not-an-address,sv,yes\n", "line 5: email 'not-an-address'"),
    # A header injection attempt in a quoted cell (the record ends on line 6).
    ('mp-9,SE,Nobody,Riksdag,S,,"x@riksdagen.example\r\nBcc: y@example.org",sv,yes\n', "line 6: email"),
    ("mp-9,SE,Nobody,Riksdag,S,,x@riksdagen.example,klingon!,yes\n", "line 5: language 'klingon!'"),
    ("mp-9,SE,Nobody,Riksdag,S,,x@riksdagen.example,sv,maybe\n", "line 5: active must be yes or no"),
    ("mp-1,SE,Anna Again,Riksdag,S,,a2@riksdagen.example,sv,yes\n", "line 5: id 'mp-1' repeats line 2"),
])
def test_a_bad_row_stops_the_import_and_changes_nothing(empty_app, tmp_path, row, reason):
    assert run(empty_app, write_csv(tmp_path, ROWS)).exit_code == 0
    before = {k: (v.name, v.party, v.email) for k, v in everyone(empty_app).items()}
    changed = [ROWS[0].replace("Andersson", "Andersson-Ek")] + ROWS[1:] + [row]
    result = run(empty_app, write_csv(tmp_path, changed))
    assert result.exit_code == 1
    assert f"legislators.csv, {reason}" in result.output and "Nothing was imported" in result.output
    assert {k: (v.name, v.party, v.email) for k, v in everyone(empty_app).items()} == before


def test_missing_columns_are_named(empty_app, tmp_path):
    result = run(empty_app, write_csv(tmp_path, ROWS, header="id,country,name\n"))
    assert result.exit_code == 1 and "missing columns: chamber, party, region, email, language, active" in result.output


def test_popolo_import_of_an_everypolitician_shaped_file(empty_app):
    result = run(empty_app, DATA / "popolo-se.json", "--country", "SE", "--language", "sv")
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output
    assert "skipped, no e-mail address in the file: Cecilia Carlsson" in result.output
    people = everyone(empty_app)
    assert set(people) == {"a1b2c3d4-0001", "a1b2c3d4-0002", "a1b2c3d4-0004"}  # Eva is no MP
    anna, bjorn, david = people["a1b2c3d4-0001"], people["a1b2c3d4-0002"], people["a1b2c3d4-0004"]
    assert (anna.chamber, anna.party, anna.region) == ("Riksdag", "Socialdemokraterna", "Stockholms län")
    assert bjorn.email == "bjorn.berg@riksdagen.example"  # from contact_details
    assert (bjorn.title, anna.title) == ("Dr", "")  # Popolo's honorific_prefix
    assert anna.active and not david.active  # David's seat ended in 2022
    assert anna.iso2 == "SE" and anna.language == "sv"
    again = run(empty_app, DATA / "popolo-se.json", "--country", "SE", "--language", "sv")
    assert "0 created, 0 updated, 3 unchanged" in again.output


def test_popolo_needs_country_and_language(empty_app):
    result = run(empty_app, DATA / "popolo-se.json")
    assert result.exit_code == 1 and "need --country and --language" in result.output


TARGET_DRIVE = """
slug: targets
country: SE
goal: 10
targets: {targets}
texts:
  en: {{title: T, summary: S, petition: P}}
"""


@pytest.mark.parametrize("targets, expected", [
    ("all", ["Anna Andersson", "Björn Berg"]),
    ("{chamber: Riksdag}", ["Anna Andersson", "Björn Berg"]),
    ("{chamber: Senate}", []),
    ("{legislators: [mp-2]}", ["Björn Berg"]),
])
def test_a_drive_names_its_targets_among_active_legislators(empty_app, tmp_path, targets, expected):
    from app.letters.services import recipients
    from app.petitions.models import Drive

    rows = ROWS + ["mp-4,SE,Cecilia Carlsson,Riksdag,S,Skåne,cecilia@riksdagen.example,sv,no\n"]
    assert run(empty_app, write_csv(tmp_path, rows)).exit_code == 0
    path = tmp_path / "drive.yaml"
    path.write_text(TARGET_DRIVE.format(targets=targets), encoding="utf-8")
    assert empty_app.test_cli_runner().invoke(args=["drives", "create", "--file", str(path)]).exit_code == 0
    with empty_app.app_context():
        drive = db.session.scalar(select(Drive))
        assert [person.name for person in recipients(drive)] == expected  # never Cecilia (inactive) or CZ
        skåne = [person.name for person in recipients(drive, region="Skåne")]
    assert skåne == [n for n in expected if n == "Björn Berg"]


@pytest.mark.parametrize("targets", ["some", "{chamber: ''}", "{legislators: []}", "{chamber: A, legislators: [1]}"])
def test_bad_targets_are_refused(empty_app, tmp_path, targets):
    path = tmp_path / "drive.yaml"
    path.write_text(TARGET_DRIVE.format(targets=targets), encoding="utf-8")
    result = empty_app.test_cli_runner().invoke(args=["drives", "create", "--file", str(path)])
    assert result.exit_code != 0 and "targets: all, {chamber: NAME}" in result.output


def test_an_import_and_its_audit_entry_are_one_transaction(empty_app, tmp_path, monkeypatch):
    from sqlalchemy import func, select

    from app import audit
    from app.extensions import db
    from app.letters.models import Legislator

    path = tmp_path / "mps.csv"
    path.write_text("id,country,name,chamber,party,region,email,language,active\n"
                    "mp-1,SE,Anna Andersson,Riksdag,S,Stockholm,anna@riksdagen.example,sv,yes\n", encoding="utf-8")

    def audit_fails(*args, **kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(audit, "record", audit_fails)
    result = empty_app.test_cli_runner().invoke(args=["legislators", "import", str(path)])
    assert result.exit_code != 0
    with empty_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Legislator)) == 0
