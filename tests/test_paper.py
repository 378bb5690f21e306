"""Signatures gathered on paper: uploaded names or attested counts, in the total and the exports, never mailed."""

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.audit import AuditEntry
from app.extensions import db
from app.outbox.models import OutboxMessage
from app.petitions import paper
from app.petitions.models import Drive, DriveState, DriveText, PaperBatch, PaperSignature, Signature, SignatureState
from app.privacy import retain
from tests.staff import client_as, csrf

SLUG = "sweden-2026"
CHINESE = "王小明"
GATHERED = "2026-03-05"
# What campaigners type in a spreadsheet: a byte-order mark, a lowercase country, a formula-like name.
SHEET = "\ufeffname,region,country\nKarin Ek,Göteborg,se\n王小明,,SE\n=cmd(),Oslo,NO\n"
ATTESTATION = {"gathered_on": GATHERED, "event": "Stockholm Pride stall", "held_by": "Lena, Stockholm group"}


@pytest.fixture
def app(staff_app):
    """The staff app with one open drive and two confirmed online signatures (one consenting to updates)."""
    with staff_app.app_context():
        drive = Drive(slug=SLUG, iso2="SE", state=DriveState.OPEN, goal=100, main_locale="en", confirmed_count=2)
        drive.texts = [DriveText(locale="en", title="Sweden, declare a moratorium", summary="Now.",
                                 petition="We call on Sweden to stop extraditions to China.")]
        db.session.add(drive)
        db.session.flush()
        for n, (name, consent) in enumerate([("Anna Berg", True), ("Olof Lind", False)]):
            db.session.add(Signature(
                drive_id=drive.id, name=name, email=f"s{n}@mail.example", email_key=f"s{n}@mail.example",
                residence="SE", region="Uppsala", locale="en", consent_updates=consent,
                state=SignatureState.CONFIRMED, created_at=datetime(2026, 3, 1 + n, 12, tzinfo=UTC),
                confirmed_at=datetime(2026, 3, 1 + n, 13, tzinfo=UTC)))
        db.session.commit()
        staff_app.drive_id = drive.id
    return staff_app


def page(app):
    return f"/en/staff/drives/{app.drive_id}/paper"


@pytest.fixture
def campaigner(app):
    return client_as(app, "campaigner")


def upload(client, app, sheet=SHEET, **fields):
    token = csrf(client.get(page(app)).get_data(as_text=True))
    body = sheet.encode("utf-8") if isinstance(sheet, str) else sheet
    data = {"rows-csrf_token": token, "rows-file": (io.BytesIO(body), "sheets.csv"),
            **{f"rows-{k}": v for k, v in {**ATTESTATION, **fields}.items()}}
    return client.post(page(app) + "/rows", data=data, content_type="multipart/form-data")


def record_count(client, app, count="40", **fields):
    token = csrf(client.get(page(app)).get_data(as_text=True))
    data = {"count-csrf_token": token, "count-count": count,
            **{f"count-{k}": v for k, v in {**ATTESTATION, **fields}.items()}}
    return client.post(page(app) + "/count", data=data)


def remove(client, app, batch_id, confirm=True):
    token = csrf(client.get(page(app)).get_data(as_text=True))
    data = {"csrf_token": token, "batch": str(batch_id), **({"confirm": "y"} if confirm else {})}
    return client.post(page(app) + "/remove", data=data)


def counts(app):
    """(confirmed, paper, rows on paper, batches) as the database holds them."""
    with app.app_context():
        drive = db.session.get(Drive, app.drive_id)
        return (drive.confirmed_count, drive.paper_count,
                db.session.scalar(select(func.count()).select_from(PaperSignature)),
                db.session.scalar(select(func.count()).select_from(PaperBatch)))


def batch_ids(app):
    with app.app_context():
        return db.session.scalars(select(PaperBatch.id).order_by(PaperBatch.id)).all()


def export(client, app, **fields):
    progress = f"/en/staff/drives/{app.drive_id}/progress"
    token = csrf(client.get(progress).get_data(as_text=True))
    data = {"csrf_token": token, "profile": "delivery", "format": "csv", "confirmed_only": "y", **fields}
    response = client.post(f"/en/staff/drives/{app.drive_id}/export", data=data)
    assert response.status_code == 200
    return response.get_data()


def csv_rows(body):
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def ndjson_rows(body):
    return [json.loads(line) for line in body.decode("utf-8").split("\n")[:-1]]


# --- the total -----------------------------------------------------------------------------

def test_an_upload_adds_the_names_and_the_total_shows_them_everywhere(app, campaigner):
    response = upload(campaigner, app)
    assert response.status_code == 303
    assert counts(app) == (2, 3, 3, 1)
    listing = campaigner.get(page(app)).get_data(as_text=True)
    assert "3 signatures on paper recorded." in listing and "Stockholm Pride stall" in listing
    assert "Lena, Stockholm group" in listing and "campaigner@staff.example" in listing
    visitor = app.test_client()
    for _view in range(2):  # rendered, then from the cached page with the live counts
        public = visitor.get(f"/en/drives/{SLUG}").get_data(as_text=True)
        assert "<strong>5</strong> signatures, including 3 on paper" in public
        assert 'value="5"' in public
    api = visitor.get(f"/api/v1/drives/{SLUG}").get_json()
    assert (api["confirmed"], api["paper"], api["total"]) == (2, 3, 5)
    staff_home = client_as(app, "organiser").get("/en/staff/").get_data(as_text=True)
    assert "5 (including 3 on paper)" in staff_home
    progress = client_as(app, "organiser").get(f"/en/staff/drives/{app.drive_id}/progress").get_data(as_text=True)
    assert "5 of 100 signatures, including 3 on paper" in progress


def test_without_paper_the_count_reads_as_before(app):
    public = app.test_client().get(f"/en/drives/{SLUG}").get_data(as_text=True)
    assert "<strong>2</strong> confirmed signatures" in public and "on paper" not in public
    api = app.test_client().get(f"/api/v1/drives/{SLUG}").get_json()
    assert (api["confirmed"], api["paper"], api["total"]) == (2, 0, 2)


def test_a_count_with_its_attestation_adds_to_the_total(app, campaigner):
    assert record_count(campaigner, app, count="40").status_code == 303
    assert counts(app) == (2, 40, 0, 1)
    public = app.test_client().get(f"/en/drives/{SLUG}").get_data(as_text=True)
    assert "<strong>42</strong> signatures, including 40 on paper" in public


def test_a_large_upload_goes_in_whole(app, campaigner):
    """Far beyond the site's 64 KiB form limit: 5,000 names in one insert."""
    sheet = "name,region,country\n" + "".join(f"Signer number {n:05},Skåne län,SE\n" for n in range(5000))
    assert len(sheet.encode()) > 64 * 1024
    assert upload(campaigner, app, sheet).status_code == 303
    assert counts(app) == (2, 5000, 5000, 1)


# --- the exports ---------------------------------------------------------------------------

ONLINE = [["Anna Berg", "Uppsala", "Sweden", "2026-03-01", "online"],
          ["Olof Lind", "Uppsala", "Sweden", "2026-03-02", "online"]]
ON_PAPER = [["Karin Ek", "Göteborg", "Sweden", GATHERED, "paper"], [CHINESE, "", "Sweden", GATHERED, "paper"],
            ["=cmd()", "Oslo", "Norway", GATHERED, "paper"]]


def test_the_delivery_export_lists_paper_names_marked_as_paper(app, campaigner):
    organiser = client_as(app, "organiser")
    supporters = {f: export(organiser, app, profile="supporters", format=f) for f in ("csv", "ndjson")}
    assert upload(campaigner, app).status_code == 303
    assert record_count(campaigner, app, count="40").status_code == 303  # no names: no rows
    rows = csv_rows(export(organiser, app))
    guarded = [row[:] for row in ON_PAPER]
    guarded[2][0] = "'=cmd()"  # a spreadsheet would run it: the same guard as online names
    assert rows == [["name", "region", "country", "date", "source", "count"], *[[*row, "1"] for row in ONLINE + guarded]]
    objects = ndjson_rows(export(organiser, app, format="ndjson"))
    assert [list(o.values()) for o in objects] == [[*row, 1] for row in ONLINE + ON_PAPER]
    assert list(objects[0]) == ["name", "region", "country", "date", "source", "count"]
    # The supporters export is for mailing: paper signers are never in it.
    for file_format, before in supporters.items():
        assert export(organiser, app, profile="supporters", format=file_format) == before
        assert b"Karin" not in before


@pytest.mark.parametrize("since, until, expected", [
    ("2026-03-05", "", ["Karin Ek", CHINESE, "=cmd()"]),
    ("", "2026-03-04", ["Anna Berg", "Olof Lind"]),
    ("2026-03-02", "2026-03-05", ["Olof Lind", "Karin Ek", CHINESE, "=cmd()"]),
    ("2026-03-06", "", []),
])
def test_export_filters_apply_to_the_day_the_paper_was_gathered(app, campaigner, since, until, expected):
    upload(campaigner, app)
    body = export(client_as(app, "organiser"), app, format="ndjson", since=since, until=until)
    assert [row["name"] for row in ndjson_rows(body)] == expected


def test_the_pack_counts_lists_and_attests_paper_signatures(app, campaigner):
    upload(campaigner, app)
    record_count(campaigner, app, count="40", event="Town hall meeting", held_by="Per in Malmö")
    pack = client_as(app, "organiser").get(f"/en/staff/drives/{app.drive_id}/pack").get_data(as_text=True)
    assert "<strong>45</strong> signatures, including 43 on paper" in pack
    assert '<td dir="auto">Town hall meeting</td><td dir="auto">Per in Malmö</td><td>40</td>' in pack
    signers = re.findall(r'<tr><td dir="auto">([^<]*)</td>.*?<td>([\d-]+)</td><td>([^<]+)</td></tr>', pack)
    assert signers == [("Anna Berg", "2026-03-01", "online"), ("Olof Lind", "2026-03-02", "online"),
                       ("Karin Ek", GATHERED, "on paper"), (CHINESE, GATHERED, "on paper"),
                       ("=cmd()", GATHERED, "on paper")]
    regions = dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', pack))
    assert regions == {region: "fewer than 5" for region in ["Uppsala", "Göteborg", "Oslo", "No region given"]}
    app.config["MIN_PUBLIC_COUNT"] = 1
    pack = client_as(app, "organiser").get(f"/en/staff/drives/{app.drive_id}/pack").get_data(as_text=True)
    regions = dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', pack))
    assert regions == {"Uppsala": "2", "Göteborg": "1", "Oslo": "1", "No region given": "1"}


# --- bad input -----------------------------------------------------------------------------

BAD_SHEET = ("name,region,country\n"
             "Karin Ek,Göteborg,SE\n"   # line 2: fine
             ",Malmö,SE\n"              # line 3: no name
             "Per Holm,Lund,XX\n"       # line 4: no such country
             "Eva Dahl,Kiruna\n"        # line 5: a cell short
             f"{'A' * 201},,SE\n"       # line 6: too long
             "Bo\u0007 Ek,,SE\n")       # line 7: a control character


def test_a_bad_upload_is_refused_whole_with_each_line_and_reason(app, campaigner):
    response = upload(campaigner, app, BAD_SHEET)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert '<p class="error" id="rows-file-error">Nothing was recorded. Fix these lines' in text
    problems = re.findall(r"<li>Line (\d+): ([^<]+)</li>", text)
    assert [int(line) for line, _reason in problems] == [3, 4, 5, 6, 7]
    reasons = dict(problems)
    assert reasons["3"] == "The name is missing."
    assert "“XX” is not an ISO country code" in reasons["4"]
    assert reasons["5"] == "Expected 3 cells (name, region, country), found 2."
    assert reasons["6"] == "The name is longer than 200 characters."
    assert reasons["7"] == "Please remove the invisible control characters."
    assert counts(app) == (2, 0, 0, 0)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action.startswith("paper"))) == 0


def test_a_long_list_of_problems_is_cut_and_the_rest_counted(app, campaigner):
    sheet = "name,region,country\n" + "".join(f"Signer {n},,ZZ\n" for n in range(25))
    text = upload(campaigner, app, sheet).get_data(as_text=True)
    assert len(re.findall(r"<li>Line \d+:", text)) == 20 and "And 5 more problems." in text
    assert counts(app) == (2, 0, 0, 0)


@pytest.mark.parametrize("sheet, message", [
    ("name,country\nKarin,SE\n", "Line 1: The first line must be the header name,region,country."),
    ("name,region,country\n", "Line 2: The file has no signatures under its header."),
    ("name,region,country\nK\xe4rin,,SE\n".encode("latin-1"), "Line 2: This is not UTF-8 text"),
    ("", "Line 1: The first line must be the header name,region,country."),
])
def test_a_file_that_is_not_a_sheet_is_refused(app, campaigner, sheet, message):
    response = upload(campaigner, app, sheet)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert counts(app) == (2, 0, 0, 0)


def test_an_upload_larger_than_its_limit_is_refused_beside_the_file(app, campaigner):
    sheet = "name,region,country\n" + "Karin Ek,Göteborg,SE\n" * (3 * 1024 * 1024 // 21)
    response = upload(campaigner, app, sheet)
    assert response.status_code == 413
    assert "The file is larger than 2 MB: please split it." in response.get_data(as_text=True)
    assert counts(app) == (2, 0, 0, 0)


def test_an_upload_whose_form_was_open_too_long_says_so(app, campaigner):
    """The upload checks its own form token (the site-wide check is off for it): a stale one refuses it."""
    response = upload(campaigner, app, **{"csrf_token": "stale"})
    assert response.status_code == 400
    assert "The form was open too long: please choose the file and send it again." in response.get_data(as_text=True)
    assert counts(app) == (2, 0, 0, 0)


@pytest.mark.parametrize("fields, field, message", [
    ({"count": "0"}, "count", "Please give a whole number of signatures, at least 1."),
    ({"count": "-3"}, "count", "Please give a whole number of signatures, at least 1."),
    ({"count": "many"}, "count", "Not a valid integer value."),
    ({"gathered_on": (date.today() + timedelta(days=2)).isoformat()}, "gathered_on",
     "The day the signatures were gathered cannot be in the future."),
    ({"gathered_on": ""}, "gathered_on", "Please give the day the signatures were gathered."),
    ({"event": "  "}, "event", "Please name the event where they were gathered."),
    ({"held_by": ""}, "held_by", "Please say who keeps the paper sheets."),
])
def test_a_bad_count_is_refused_beside_the_field(app, campaigner, fields, field, message):
    response = record_count(campaigner, app, **{"count": "40", **fields})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert re.search(rf'<p class="error" id="count-{field}-error">{re.escape(message)}</p>', text), text
    assert counts(app) == (2, 0, 0, 0)


def test_an_upload_needs_its_attestation_too(app, campaigner):
    response = upload(campaigner, app, held_by="")
    assert response.status_code == 400
    assert 'id="rows-held_by-error">Please say who keeps the paper sheets.' in response.get_data(as_text=True)
    assert counts(app) == (2, 0, 0, 0)


# --- removing, the audit log, who may, mail ------------------------------------------------

def test_removing_a_batch_restores_the_totals_exactly(app, campaigner):
    upload(campaigner, app)
    record_count(campaigner, app, count="40")
    first, second = batch_ids(app)
    assert counts(app) == (2, 43, 3, 2)
    refused = remove(campaigner, app, first, confirm=False)
    assert refused.status_code == 400 and "Please tick the box to confirm." in refused.get_data(as_text=True)
    assert counts(app) == (2, 43, 3, 2)
    assert remove(campaigner, app, first).status_code == 303
    assert counts(app) == (2, 40, 0, 1)
    assert remove(campaigner, app, second).status_code == 303
    assert counts(app) == (2, 0, 0, 0)
    assert remove(campaigner, app, second).status_code == 404
    public = app.test_client().get(f"/en/drives/{SLUG}").get_data(as_text=True)
    assert "<strong>2</strong> confirmed signatures" in public


def test_a_batch_removed_twice_at_once_is_subtracted_once(app, campaigner):
    """Two requests (a double click, two colleagues) that both loaded the batch before either removed it."""
    upload(campaigner, app)
    record_count(campaigner, app, count="40")
    first, _second = batch_ids(app)
    with app.app_context():
        late = db.session.get(PaperBatch, first)  # this request loaded it ...
        with app.app_context():  # ... while another, with a session of its own, removed it and committed
            assert paper.remove(db.session.get(PaperBatch, first))
            db.session.commit()
        assert not paper.remove(late)
        db.session.commit()
    assert counts(app) == (2, 40, 0, 1)


def test_a_batch_of_another_drive_cannot_be_removed_from_this_one(app, campaigner):
    upload(campaigner, app)
    with app.app_context():
        other = Drive(slug="norway-2026", iso2="NO", state=DriveState.DRAFT, goal=10, main_locale="en")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    token = csrf(campaigner.get(page(app)).get_data(as_text=True))
    response = campaigner.post(f"/en/staff/drives/{other_id}/paper/remove",
                               data={"csrf_token": token, "batch": str(batch_ids(app)[0]), "confirm": "y"})
    assert response.status_code == 404 and counts(app) == (2, 3, 3, 1)


def test_adding_and_removing_are_in_the_audit_log_without_the_names(app, campaigner):
    upload(campaigner, app)
    record_count(campaigner, app, count="40")
    remove(campaigner, app, batch_ids(app)[0])
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.startswith("paper"))
                                     .order_by(AuditEntry.id)).all()
        seen = [(e.actor, e.action, e.target, (e.before or {}).get("count"), (e.after or {}).get("count"))
                for e in entries]
        assert seen == [("campaigner@staff.example", "paper.add", f"drive:{SLUG}", None, 3),
                        ("campaigner@staff.example", "paper.add", f"drive:{SLUG}", None, 40),
                        ("campaigner@staff.example", "paper.remove", f"drive:{SLUG}", 3, None)]
        assert entries[0].after["event"] == "Stockholm Pride stall" and entries[0].after["kind"] == "rows"
        assert "Karin" not in json.dumps([e.after for e in entries])


@pytest.mark.parametrize("role, status", [(None, 302), ("organiser", 403), ("campaigner", 200), ("admin", 200)])
def test_only_campaigners_and_admins_record_paper_signatures(app, role, status):
    client = client_as(app, role)
    assert client.get(page(app)).status_code == status
    token = csrf(client.get("/en/staff/login").get_data(as_text=True))
    for action in ("rows", "count", "remove"):
        response = client.post(f"{page(app)}/{action}", data={"csrf_token": token})
        assert response.status_code == (400 if status == 200 else status), action
    assert counts(app) == (2, 0, 0, 0)


def test_no_mail_ever_goes_to_paper_signers(app, campaigner):
    upload(campaigner, app)
    record_count(campaigner, app)
    remove(campaigner, app, batch_ids(app)[1])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert db.session.scalar(select(func.count()).select_from(Signature)) == 2


def test_retention_deletes_the_names_on_paper_and_keeps_the_count(app, campaigner):
    upload(campaigner, app)
    record_count(campaigner, app, count="40")
    with app.app_context():
        drive = db.session.get(Drive, app.drive_id)
        drive.state, drive.closes_on = DriveState.CLOSED, date(2026, 3, 31)
        db.session.commit()
        report = retain(on=date(2026, 12, 1))
        db.session.commit()
        assert report[SLUG].paper == 3
    assert counts(app) == (2, 43, 0, 2)
    # The drive's total stays what it was; the export has no paper names left to list.
    body = export(client_as(app, "organiser"), app, format="ndjson")
    assert [row["source"] for row in ndjson_rows(body)] == ["online"]
