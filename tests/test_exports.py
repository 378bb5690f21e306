"""Organisers: the progress dashboard, the two export profiles in CSV and NDJSON, the delivery pack."""

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.audit import AuditEntry
from app.extensions import db
from app.letters.models import Legislator, Letter, LetterDelivery, LetterState
from app.outbox.models import MessageState, OutboxMessage
from app.petitions.models import Drive, DriveState, DriveText, Signature, SignatureState
from app.staff.export_cli import signatures
from tests.helpers import serve
from tests.staff import PASSWORD, client_as, csrf

SLUG = "sweden-2026"
PETITION = "We call on Sweden to stop extraditions to China."
CHINESE, ARABIC, UYGHUR = "王小明", "فاطمة الزهراء", "ئابدۇرېھىم ھېيت"
FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1", "-2", "@SUM(A1:A9)", "\tx", "\rx"]
# Full-width forms, which some spreadsheets read as the ASCII ones: in the region of the rows above.
WIDE = ["＝1+2", "＋1", "－2", "＠SUM(A1)"]


def march(day, hour=12):
    return datetime(2026, 3, day, hour, tzinfo=UTC)


# name, residence, region, language, consent to updates, signed on (March), confirmed on (day, hour UTC)
SIGNERS = [
    ("Anna Berg", "SE", "Stockholm", "en", True, 1, (1, 23)),
    (CHINESE, "SE", "Uppsala", "zh-hans", True, 1, (2, 9)),
    (ARABIC, "DE", "Berlin", "en", False, 2, (2, 10)),
    (UYGHUR, "TR", "", "en", True, 3, (4, 8)),
    ("Pending Person", "SE", "Stockholm", "en", True, 3, None),
    *[(name, "SE", "=1+2" if n == 0 else WIDE[n - 1] if n <= len(WIDE) else "Malmö", "en", True, 10, (10, 12))
      for n, name in enumerate(FORMULAS)],
]
CONFIRMED = [s[0] for s in SIGNERS if s[6]]
SUPPORTERS = [s[0] for s in SIGNERS if s[6] and s[4]]


def signature(drive, n, name, residence, region, language, consent, signed, confirmed):
    return Signature(
        drive_id=drive.id, name=name, email=f"signer{n}@mail.example", email_key=f"signer{n}@mail.example",
        residence=residence, region=region, locale=language, consent_updates=consent, created_at=march(signed),
        state=SignatureState.CONFIRMED if confirmed else SignatureState.PENDING,
        confirmed_at=march(*confirmed) if confirmed else None)


def letters_to(drive, legislator, sent, pending):
    """`sent` letters the mail server accepted and `pending` it has not yet, each from another writer."""
    for n in range(sent + pending):
        letter = Letter(drive_id=drive.id, name=f"Writer {n}", email=f"w{n}@mail.example",
                        email_key=f"w{n}@mail.example", locale="en", state=LetterState.RELEASED)
        outbox = OutboxMessage(kind="letter", recipient=legislator.email, subject="s", text="t",
                               state=MessageState.SENT if n < sent else MessageState.PENDING)
        letter.deliveries = [LetterDelivery(drive_id=drive.id, email_key=letter.email_key,
                                            legislator_id=legislator.id, outbox=outbox)]
        db.session.add(letter)


@pytest.fixture
def app(staff_app):
    """The staff app with one drive, its signers (SIGNERS) and letters to one legislator."""
    with staff_app.app_context():
        drive = Drive(slug=SLUG, iso2="SE", state=DriveState.OPEN, goal=100, main_locale="en",
                      confirmed_count=len(CONFIRMED))
        drive.texts = [DriveText(locale="en", title="Sweden, declare a moratorium", summary="Now.",
                                 petition=PETITION)]
        legislator = Legislator(iso2="SE", source_id="mp-1", name="Karin Ek", chamber="Riksdag",
                                party="Green", email="karin.ek@riksdag.example", language="sv")
        db.session.add_all([drive, legislator])
        db.session.flush()
        db.session.add_all([signature(drive, n, *fields) for n, fields in enumerate(SIGNERS)])
        letters_to(drive, legislator, sent=2, pending=1)
        db.session.commit()
        staff_app.drive_id = drive.id
    return staff_app


def path(app, page):
    return f"/en/staff/drives/{app.drive_id}/{page}"


def export(client, app, **fields):
    """POST the dashboard's export form: delivery, CSV, confirmed only unless told otherwise."""
    token = csrf(client.get(path(app, "progress")).get_data(as_text=True))
    data = {"csrf_token": token, "profile": "delivery", "format": "csv", "confirmed_only": "y", **fields}
    return client.post(path(app, "export"), data={k: v for k, v in data.items() if v is not None})


def cli_export(app, *args):
    result = app.test_cli_runner().invoke(signatures, ["export", "--drive", SLUG, *args])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def csv_rows(body):
    """The header and rows of a CSV export, checking its byte-order mark."""
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    return rows[0], rows[1:]


def ndjson_rows(body):
    # split("\n") rather than splitlines(): JSON leaves U+2028 and friends unescaped inside strings.
    return [json.loads(line) for line in body.decode("utf-8").split("\n")[:-1]]


def names_of(body, file_format):
    if file_format == "csv":
        header, rows = csv_rows(body)
        return [row[header.index("name")] for row in rows]
    return [row["name"] for row in ndjson_rows(body)]


@pytest.fixture
def organiser(app):
    return client_as(app, "organiser")


# --- who may -------------------------------------------------------------------------------

@pytest.mark.parametrize("page, method", [("progress", "get"), ("export", "post"), ("pack", "get")])
@pytest.mark.parametrize("role, status", [(None, 302), ("campaigner", 403), ("organiser", 200), ("admin", 200)])
def test_only_organisers_and_admins_see_progress_exports_and_pack(app, page, method, role, status):
    client = client_as(app, role)
    token = csrf(client.get("/en/staff/login").get_data(as_text=True))
    data = {"csrf_token": token, "profile": "delivery", "format": "csv"} if method == "post" else None
    response = client.open(path(app, page), method=method.upper(), data=data)
    if status == 302:
        assert response.status_code in (302, 303)
        assert "/en/staff/login" in response.headers["Location"]
    else:
        assert response.status_code == status


# --- the dashboard -------------------------------------------------------------------------

def test_dashboard_counts_confirmations_per_utc_day(app, organiser):
    page = organiser.get(path(app, "progress")).get_data(as_text=True)
    table = dict(re.findall(r'<time datetime="([\d-]+)">[^<]+</time></th><td>(\d+)</td>', page))
    # Anna confirmed at 23:00 UTC on the 1st: her day is the 1st, whatever the database's time zone.
    assert table == {"2026-03-01": "1", "2026-03-02": "2", "2026-03-04": "1", "2026-03-10": "6"}


def test_dashboard_draws_the_chart_on_the_server(app, organiser):
    page = organiser.get(path(app, "progress")).get_data(as_text=True)
    svg = re.search(r"<svg .*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and '<title id="chart-title">' in svg
    assert "10 signatures confirmed from March 1, 2026 to March 10, 2026" in svg
    assert svg.count("<rect ") == 4  # one bar per day with confirmations, days between left empty
    assert "<script" not in page


def test_dashboard_shows_rate_residences_letters_and_goal(app, organiser):
    page = organiser.get(path(app, "progress")).get_data(as_text=True)
    assert "90.9% (10 confirmed of 11 signatures, pending ones included)" in page
    residences = re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', page.split("Where confirmed")[1])
    assert residences[:3] == [("Sweden", "8"), ("Germany", "1"), ("Türkiye", "1")]
    assert re.search(r"Karin Ek</th><td>Riksdag</td><td>Green</td><td>2</td>", page)  # the pending one not counted
    assert "10 of 100 confirmed signatures" in page and '<progress max="100" value="10"' in page


def test_dashboard_of_a_drive_without_signatures(app, organiser):
    with app.app_context():
        drive = Drive(slug="empty", iso2="NO", goal=10, main_locale="en")
        db.session.add(drive)
        db.session.commit()
        drive_id = drive.id
    page = organiser.get(f"/en/staff/drives/{drive_id}/progress")
    assert page.status_code == 200
    assert "No signatures yet." in page.get_data(as_text=True) and "<svg" not in page.get_data(as_text=True)


# --- exports: profiles and formats -------------------------------------------------------

def test_delivery_csv_has_names_regions_countries_and_confirmation_days(app, organiser):
    response = export(organiser, app)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(rf'attachment; filename="{SLUG}-delivery-\d{{4}}-\d\d-\d\d\.csv"',
                        response.headers["Content-Disposition"])
    header, rows = csv_rows(response.data)
    assert header == ["name", "region", "country", "date", "source", "count"]
    assert rows[:4] == [["Anna Berg", "Stockholm", "Sweden", "2026-03-01", "online", "1"],
                        [CHINESE, "Uppsala", "Sweden", "2026-03-02", "online", "1"],
                        [ARABIC, "Berlin", "Germany", "2026-03-02", "online", "1"],
                        [UYGHUR, "", "Türkiye", "2026-03-04", "online", "1"]]
    assert len(rows) == len(CONFIRMED)


def test_supporters_ndjson_has_only_those_who_agreed_with_address_and_language(app, organiser):
    response = export(organiser, app, profile="supporters", format="ndjson")
    assert response.mimetype == "application/x-ndjson"
    rows = ndjson_rows(response.data)
    assert [r["name"] for r in rows] == SUPPORTERS
    assert rows[1] == {"name": CHINESE, "email_address": "signer1@mail.example", "language_spoken": "zh-Hans",
                       "country": "SE", "region": "Uppsala", "created_date": "2026-03-01T12:00:00Z"}


def test_supporters_csv_has_the_same_columns(app, organiser):
    header, rows = csv_rows(export(organiser, app, profile="supporters").data)
    assert header == ["name", "email_address", "language_spoken", "country", "region", "created_date"]
    assert rows[0] == ["Anna Berg", "signer0@mail.example", "en", "SE", "Stockholm", "2026-03-01T12:00:00Z"]
    assert [row[0] for row in rows][:3] == ["Anna Berg", CHINESE, UYGHUR]  # not Fatima: no consent


@pytest.mark.parametrize("file_format", ["csv", "ndjson"])
@pytest.mark.parametrize("confirmed_only", ["y", None])
def test_delivery_never_contains_an_email_address(app, organiser, file_format, confirmed_only):
    body = export(organiser, app, format=file_format, confirmed_only=confirmed_only).data
    assert b"mail.example" not in body and b"email" not in body


def test_formulas_are_neutralised_in_csv(app, organiser):
    for profile in ("delivery", "supporters"):
        header, rows = csv_rows(export(organiser, app, profile=profile).data)
        written = [row[0] for row in rows[-len(FORMULAS):]]
        assert written == ["'" + name for name in FORMULAS]
        assert rows[-len(FORMULAS)][header.index("region")] == "'=1+2"
        regions = [row[header.index("region")] for row in rows[-len(FORMULAS) + 1:][:len(WIDE)]]
        assert regions == ["'" + region for region in WIDE]
        assert rows[-1][header.index("region")] == "Malmö"


def test_formulas_stay_verbatim_in_ndjson(app, organiser):
    rows = ndjson_rows(export(organiser, app, format="ndjson").data)
    assert [row["name"] for row in rows[-len(FORMULAS):]] == FORMULAS
    assert rows[-len(FORMULAS)]["region"] == "=1+2"


@pytest.mark.parametrize("file_format", ["csv", "ndjson"])
def test_chinese_arabic_and_uyghur_names_round_trip(app, organiser, file_format):
    body = export(organiser, app, format=file_format).data
    assert names_of(body, file_format)[1:4] == [CHINESE, ARABIC, UYGHUR]
    for name in (CHINESE, ARABIC, UYGHUR):
        assert name.encode() in body  # as UTF-8 characters, not \u escapes


# --- exports: filters, audit, command line -------------------------------------------------

@pytest.mark.parametrize("fields, expected", [
    ({}, CONFIRMED),
    ({"confirmed_only": None}, [s[0] for s in SIGNERS]),
    ({"since": "2026-03-02", "until": "2026-03-03"}, [ARABIC, UYGHUR]),
    ({"since": "2026-03-02", "until": "2026-03-03", "confirmed_only": None}, [ARABIC, UYGHUR, "Pending Person"]),
    ({"until": "2026-03-01"}, ["Anna Berg", CHINESE]),
    ({"since": "2026-03-11"}, []),
])
def test_filters_by_signing_day_and_state(app, organiser, fields, expected):
    assert names_of(export(organiser, app, format="ndjson", **fields).data, "ndjson") == expected


def test_pending_signatures_have_no_confirmation_day(app, organiser):
    _header, rows = csv_rows(export(organiser, app, confirmed_only=None).data)
    assert ["Pending Person", "Stockholm", "Sweden", "", "online", "1"] in rows


@pytest.mark.parametrize("fields, field, message", [
    ({"since": "1 March"}, "since", "Not a valid date value."),
    ({"since": "2026-03-05", "until": "2026-03-01"}, "until", "The end cannot come before the start."),
    ({"profile": "everyone"}, "profile", "Not a valid choice."),
    ({"format": "xlsx"}, "format", "Not a valid choice."),
])
def test_bad_filters_are_refused_beside_the_field(app, organiser, fields, field, message):
    response = export(organiser, app, **fields)
    assert response.status_code == 400
    assert f'<p class="error" id="{field}-error">{message}</p>' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action.startswith("export"))) is None


def test_every_export_is_in_the_audit_log(app, organiser):
    export(organiser, app, profile="supporters", format="ndjson", since="2026-03-02", confirmed_only=None)
    cli_export(app, "--profile", "delivery", "--until", "2026-03-09")
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.actor, e.action, e.target, e.after) for e in entries] == [
        ("organiser@staff.example", "export.supporters", f"drive:{SLUG}",
         {"format": "ndjson", "since": "2026-03-02", "until": None, "confirmed_only": False}),
        ("command line", "export.delivery", f"drive:{SLUG}",
         {"format": "csv", "since": None, "until": "2026-03-09", "confirmed_only": True}),
    ]


@pytest.mark.parametrize("profile", ["delivery", "supporters"])
@pytest.mark.parametrize("file_format", ["csv", "ndjson"])
def test_command_line_writes_what_the_page_sends(app, organiser, profile, file_format):
    page = export(organiser, app, profile=profile, format=file_format, since="2026-03-01", confirmed_only=None).data
    written = cli_export(app, "--profile", profile, "--format", file_format, "--since", "2026-03-01", "--all")
    assert written == page


@pytest.mark.parametrize("args, message", [
    (["--drive", "nowhere", "--profile", "delivery"], "there is no drive nowhere"),
    (["--drive", SLUG, "--profile", "delivery", "--since", "2026-03-05", "--until", "2026-03-01"],
     "--until cannot come before --since"),
    (["--drive", SLUG, "--profile", "delivery", "--since", "March"], "Invalid value for '--since'"),
])
def test_command_line_refuses_bad_arguments(app, args, message):
    result = app.test_cli_runner().invoke(signatures, ["export", *args])
    assert result.exit_code != 0 and message in result.output


# --- the delivery pack ---------------------------------------------------------------------

def test_pack_has_petition_count_regions_and_signers(app, organiser):
    response = organiser.get(path(app, "pack"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert PETITION in page and "<strong>10</strong> confirmed signatures" in page
    assert 'href="/static/css/print-pack.css" media="print"' in page
    # One signer in each region: every count is withheld (tests/test_disclosure.py).
    regions = dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', page))
    assert regions == {region: "fewer than 5" for region in ["Malmö", "Stockholm", "Uppsala", "Berlin", "=1+2",
                                                             *WIDE, "No region given"]}
    signers = re.findall(r'<tr><td dir="auto">([^<]*)</td><td dir="auto">[^<]*</td><td>([^<]+)</td><td>([\d-]+)</td>',
                         page)
    assert signers[:4] == [("Anna Berg", "Sweden", "2026-03-01"), (CHINESE, "Sweden", "2026-03-02"),
                           (ARABIC, "Germany", "2026-03-02"), (UYGHUR, "Türkiye", "2026-03-04")]
    assert len(signers) == len(CONFIRMED) and "Pending Person" not in page
    assert "mail.example" not in page


def test_pack_is_in_the_audit_log(app, organiser):
    organiser.get(path(app, "pack")).get_data()
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry))
    assert (entry.action, entry.target, entry.actor) == ("export.pack", f"drive:{SLUG}", "organiser@staff.example")


@pytest.mark.browser
def test_an_organiser_exports_from_the_browser(app, browser):
    with serve(app) as url:
        context = browser.new_context(java_script_enabled=False, accept_downloads=True)
        page = context.new_page()
        page.goto(f"{url}{path(app, 'progress')}")
        page.get_by_label("E-mail address").fill("organiser@staff.example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        assert page.url.endswith(path(app, "progress"))
        with page.expect_download() as download:
            page.get_by_role("button", name="Export").click()
        body = download.value.path().read_bytes()
        header, _rows = csv_rows(body)
        assert header == ["name", "region", "country", "date", "source", "count"]
        assert names_of(body, "csv") == names_of(cli_export(app, "--profile", "delivery"), "csv")
        assert download.value.suggested_filename.endswith(".csv")
        context.close()
