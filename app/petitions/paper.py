"""Signatures gathered on paper: names uploaded as CSV, or a count with an attestation.

They count in the drive's total (`Drive.paper_count`, kept exact here) and go into the
delivery export and pack, but live in tables of their own with no e-mail address, so that
nothing that mails signers can reach them. Nothing here commits: the view commits once, with
its audit entry. A rule returns what is wrong, as a translatable message, or None.
"""

import csv
import io
import unicodedata
from dataclasses import dataclass, field

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert

from app import geo
from app.extensions import db
from app.petitions.forms import NAME_MAX, REGION_MAX
from app.petitions.models import Drive, PaperBatch, PaperKind, PaperSignature
from app.petitions.services import adjust_count
from app.records import today

HEADER = ("name", "region", "country")
MAX_BYTES = 2 * 1024 * 1024  # about 20,000 rows of long names: a day's sheets from a big event
TOO_LARGE = _l("The file is larger than 2 MB: please split it.")
MAX_ROWS = 20_000
COUNT_MAX = 1_000_000
TEXT_MAX = 200  # event and who keeps the sheets


@dataclass
class Sheet:
    """An upload read: its rows as plain values, or every problem found, each with its line."""

    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # [(line number, message)]


# The rules.

def count_problem(value):
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= COUNT_MAX:
        return _l("Please give a whole number of signatures, at least 1.")
    return None


def day_problem(value):
    if value > today():
        return _l("The day the signatures were gathered cannot be in the future.")
    return None


def text_problem(value):
    """A name, region, event or keeper: one line of printable text."""
    if any(unicodedata.category(c) in {"Cc", "Cf", "Co", "Cs"} for c in value):
        return _l("Please remove the invisible control characters.")
    return None


# Reading an upload.

def read_sheet(data):
    """Check an uploaded CSV (UTF-8, with or without a byte-order mark, header name,region,country).

    Every problem is collected with its line number, so that one correction fixes them all; a
    sheet with any problem is refused whole.
    """
    if len(data) > MAX_BYTES:
        return Sheet(problems=[(0, TOO_LARGE)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        return Sheet(problems=[(line, _l("This is not UTF-8 text: save the file as CSV UTF-8."))])
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [cell.strip().lower() for cell in next(reader, [])]
    if tuple(header) != HEADER:
        return Sheet(problems=[(1, _l("The first line must be the header name,region,country."))])
    sheet = Sheet()
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                read_row(sheet, reader.line_num, cells)
    except csv.Error:
        sheet.problems.append((reader.line_num, _l("This line is not valid CSV (check its quotes).")))
    if not sheet.rows and not sheet.problems:
        sheet.problems.append((2, _l("The file has no signatures under its header.")))
    if len(sheet.rows) > MAX_ROWS:
        sheet.problems.append((MAX_ROWS + 2, _l("A file holds %(max)s signatures at most: please split it.",
                                                max=format_decimal(MAX_ROWS))))
    return sheet


def read_row(sheet, line, cells):
    """Add one row to the sheet, or its problems."""
    if len(cells) != len(HEADER):
        sheet.problems.append((line, _l("Expected 3 cells (name, region, country), found %(found)s.",
                                        found=format_decimal(len(cells)))))
        return
    name, region, country = (unicodedata.normalize("NFC", cell.strip()) for cell in cells)
    country = country.upper()
    found = [problem for problem in (
        _l("The name is missing.") if not name else None,
        _l("The name is longer than %(max)s characters.", max=NAME_MAX) if len(name) > NAME_MAX else None,
        _l("The region is longer than %(max)s characters.", max=REGION_MAX) if len(region) > REGION_MAX else None,
        text_problem(name + region),
        None if geo.exists(country) else _l("“%(code)s” is not an ISO country code (e.g. SE, DE).",
                                             code=country[:10]),
    ) if problem]
    sheet.problems.extend((line, problem) for problem in found)
    if not found:
        sheet.rows.append({"name": name, "region": region, "country": country})


# The changes.

def add_rows(drive, rows, attestation, created_by):
    """A batch of named paper signatures (rows from read_sheet), inserted in one statement."""
    batch = new_batch(drive, PaperKind.ROWS, len(rows), attestation, created_by)
    db.session.execute(insert(PaperSignature), [{**row, "batch_id": batch.id, "drive_id": drive.id} for row in rows])
    return batch


def add_count(drive, count, attestation, created_by):
    """A batch of paper signatures known by their number, with who keeps the sheets."""
    if problem := count_problem(count):
        raise ValueError(str(problem))
    return new_batch(drive, PaperKind.COUNT, count, attestation, created_by)


def new_batch(drive, kind, count, attestation, created_by):
    """attestation: {"gathered_on": date, "event": text, "held_by": text}, checked by the form."""
    if (problem := day_problem(attestation["gathered_on"])) or not attestation["event"] or not attestation["held_by"]:
        raise ValueError(str(problem or "an attestation needs its event and who keeps the sheets"))
    batch = PaperBatch(drive_id=drive.id, kind=kind, count=count, created_by=created_by,
                       gathered_on=attestation["gathered_on"], event=attestation["event"],
                       held_by=attestation["held_by"])
    db.session.add(batch)
    db.session.flush()  # its id, for the rows
    adjust_count(drive.id, +count, Drive.paper_count)
    return batch


def remove(batch):
    """Remove a batch and its rows; the drive's total loses exactly what the batch added.

    False when another request removed it first: the database decides (the batch's row lock makes a
    double click, a second tab or a colleague wait, then find nothing to delete), so the total never
    loses a batch twice.
    """
    count = db.session.execute(delete(PaperBatch).where(PaperBatch.id == batch.id).returning(PaperBatch.count)
                               .execution_options(synchronize_session=False)).scalar()
    if count is None:
        return False
    db.session.execute(delete(PaperSignature).where(PaperSignature.batch_id == batch.id))
    adjust_count(batch.drive_id, -count, Drive.paper_count)
    db.session.expunge(batch)
    return True


def described(batch):
    """What the audit log keeps of a batch: never the names."""
    return {"batch": batch.id, "kind": str(batch.kind), "count": batch.count, "gathered_on": batch.gathered_on,
            "event": batch.event, "held_by": batch.held_by}
