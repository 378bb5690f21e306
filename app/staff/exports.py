"""A drive's signatures as files: two profiles, CSV or NDJSON, streamed a chunk of rows at a time.

`delivery` is for handing to a parliament: name, region, country and the day the signature was
confirmed, never an e-mail address; then the names gathered on paper (app/petitions/paper.py),
with the day they were gathered, marked `paper` in the `source` column; last, one row marked
`unnamed` with only the number (`count`) of signers who asked to be counted without their name.
Batches known only by their count have no names, so no rows: the pack lists them with their attestation. `supporters` is for a CRM: only people who agreed to
updates, with their address and language, under OSDI's field names where OSDI has one.
"""

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import String, case, column, func, literal, literal_column, select, values

from app import audit, geo
from app.extensions import db
from app.i18n import html_lang, languages
from app.petitions.models import Drive, PaperBatch, PaperSignature, Signature, SignatureState
from app.records import today

PROFILES = ("delivery", "supporters")
FORMATS = ("csv", "ndjson")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson"}
COLUMNS = {
    # `count`: how many signatures the row stands for: 1 for a named signer, N for the one summary row
    # (source `unnamed`, no name, region, country or date) of those who asked not to be named.
    "delivery": ("name", "region", "country", "date", "source", "count"),
    # OSDI: email_addresses[].address, languages_spoken[], postal_addresses[].country and .region,
    # created_date. We keep one full name, never split, so `name` is ours.
    "supporters": ("name", "email_address", "language_spoken", "country", "region", "created_date"),
}
PIECE = 64 * 1024  # bytes sent at a time when the database writes the CSV itself
CHUNK = 500  # rows read from the database, encoded and sent at a time: memory stays flat
# OWASP's list: a spreadsheet reads a cell starting with one of these as a formula; some read the
# full-width forms as the ASCII ones too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# (SQLite strftime, PostgreSQL to_char) layouts of a UTC timestamp written as text.
LAYOUTS = {"day": ("%Y-%m-%d", "YYYY-MM-DD"), "moment": ("%Y-%m-%dT%H:%M:%SZ", 'YYYY-MM-DD"T"HH24:MI:SS"Z"')}


@dataclass(frozen=True)
class Export:
    """What to export: a drive's signatures in one profile and format, filtered by signing day."""

    drive: Drive
    profile: str
    format: str
    since: date | None = None
    until: date | None = None
    confirmed_only: bool = True

    def filters(self):
        """What the audit log keeps of the export."""
        return {"format": self.format, "since": self.since, "until": self.until,
                "confirmed_only": self.confirmed_only}

    def filename(self):
        return f"{self.drive.slug}-{self.profile}-{today().isoformat()}.{self.format}"


def utc_text(column, layout):
    """A timestamp column as UTC text in SQL (`day` YYYY-MM-DD or `moment` ISO 8601), on either database.

    The layouts are SQL literals rather than bound parameters so that PostgreSQL sees the
    same expression in SELECT and GROUP BY.
    """
    sqlite_layout, postgresql_layout = LAYOUTS[layout]
    if db.engine.dialect.name == "postgresql":
        utc = func.timezone(literal_column("'UTC'"), column)
        return func.to_char(utc, literal_column(f"'{postgresql_layout}'"))
    # SQLite keeps timestamps as UTC text already (the app writes them in UTC).
    return func.strftime(literal_column(f"'{sqlite_layout}'"), column)


def day_text(column):
    """A date column as YYYY-MM-DD text in SQL, whatever the session's date style."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(column, literal_column("'YYYY-MM-DD'"))
    return func.strftime(literal_column("'%Y-%m-%d'"), column)


def start_of(day):
    return datetime.combine(day, datetime.min.time(), UTC)


def statements(export):
    """The selects whose rows make the export, one after the other: online signatures, then paper ones,
    then the count of those who asked not to be named."""
    if export.profile != "delivery":
        return [statement(export)]
    return [statement(export), paper_statement(export), unnamed_statement(export)]


def statement(export):
    """The select reading the export's online signatures, ready to write, in signing order."""
    s = Signature
    # Only what signers typed (name, region, address) can start like a formula: country names,
    # language tags and dates are ours.
    cell = spreadsheet_safe if export.format == "csv" else verbatim
    names = country_names(export.drive)
    if export.profile == "delivery":
        country = func.coalesce(names.c.name, s.residence) if names is not None else country_case(export.drive,
                                                                                                  s.residence)
        columns = (cell(s.name), cell(s.region), country, utc_text(s.confirmed_at, "day"), literal_column("'online'"),
                   literal_column("1"))
    else:
        columns = (cell(s.name), cell(s.email), language_tags(), s.residence, cell(s.region),
                   utc_text(s.created_at, "moment"))
    named = [column.label(name) for column, name in zip(columns, COLUMNS[export.profile])]
    query = select(*named).where(*chosen(export)).order_by(s.id)
    if export.profile == "delivery" and names is not None:
        query = query.outerjoin(names, names.c.code == s.residence)
    if export.profile == "delivery":
        query = query.where(~s.unnamed)
    if export.profile == "supporters":
        query = query.where(s.consent_updates)
    return query


def chosen(export):
    """The conditions picking the export's online signatures: its drive, state and signing days."""
    s = Signature
    conditions = [s.drive_id == export.drive.id]
    if export.confirmed_only:
        conditions.append(s.state == SignatureState.CONFIRMED)
    if export.since:
        conditions.append(s.created_at >= start_of(export.since))
    if export.until:
        conditions.append(s.created_at < start_of(export.until + timedelta(days=1)))
    return conditions


def unnamed_statement(export):
    """The delivery's one summary row: how many of the chosen signers asked not to be named, and
    nothing else about them. No row when there are none (HAVING)."""
    none = literal_column("NULL")
    columns = (none, none, none, none, literal_column("'unnamed'"), func.count())
    return (select(*[column.label(name) for column, name in zip(columns, COLUMNS["delivery"])])
            .where(*chosen(export), Signature.unnamed).having(func.count() > 0))


def paper_statement(export):
    """The select reading the drive's names gathered on paper, in the delivery's columns, in upload order.

    They were never confirmed by mail (`confirmed_only` keeps them); the day is the one they were
    gathered on, which the since and until filters apply to.
    """
    p, batch = PaperSignature, PaperBatch
    cell = spreadsheet_safe if export.format == "csv" else verbatim
    names = country_names(export.drive)
    country = func.coalesce(names.c.name, p.country) if names is not None else country_case(export.drive, p.country)
    columns = (cell(p.name), cell(p.region), country, day_text(batch.gathered_on), literal_column("'paper'"),
               literal_column("1"))
    query = (select(*[column.label(name) for column, name in zip(columns, COLUMNS["delivery"])])
             .join(batch, batch.id == p.batch_id).where(p.drive_id == export.drive.id).order_by(p.id))
    if names is not None:
        query = query.outerjoin(names, names.c.code == p.country)
    if export.since:
        query = query.where(batch.gathered_on >= export.since)
    if export.until:
        query = query.where(batch.gathered_on <= export.until)
    return query


def unnamed_count(export):
    """How many of the export's signers asked not to be named: the number its summary row carries."""
    return db.session.scalar(select(func.count()).where(*chosen(export), Signature.unnamed))


def spreadsheet_safe(column):
    """SQL: the cell with a leading quote where a spreadsheet would run it as a formula (OWASP's advice)."""
    return case((func.substr(column, 1, 1).in_(FORMULA_STARTS), literal("'") + column), else_=column)


def verbatim(column):
    return column


def names_in(drive):
    """Every country's name in the drive's main language, the language of its petition."""
    locale = languages().get(drive.main_locale, drive.main_locale)
    return {code: geo.name(code, locale) for code in geo.codes()}


def country_names(drive):
    """PostgreSQL: a VALUES table of the names, joined on the residence (a hash join, where a
    250-branch CASE cost a second a million rows). None on SQLite, which cannot name the columns
    of a VALUES list: country_case is its way."""
    if db.engine.dialect.name != "postgresql":
        return None
    return values(column("code", String), column("name", String), name="country_names").data(
        list(names_in(drive).items()))


def country_case(drive, code_column):
    """SQL: the name as a CASE, the drive's own country (where most signers live) tried first."""
    names = names_in(drive)
    ordered = sorted(names, key=lambda code: code != drive.iso2)
    return case({code: names[code] for code in ordered}, value=code_column, else_=code_column)


def language_tags():
    """SQL: the signer's language as a BCP 47 tag (zh-hans becomes zh-Hans)."""
    return case({tag: html_lang(tag) for tag in languages()}, value=Signature.locale, else_=Signature.locale)


def row_chunks(export):
    """The export's rows, CHUNK at a time, read through a streaming cursor.

    The statement is built now, inside the request; reading needs no Flask context, so the
    response can stream after the request's contexts are gone.
    """
    return partitions(db.engine, statements(export))


def partitions(engine, queries):
    # A connection of its own, outside the request's session, held only while rows are read.
    with engine.connect() as connection:
        for query in queries:
            yield from connection.execution_options(yield_per=CHUNK).execute(query).partitions()


def stream(export):
    """The export's file as an iterator of bytes, one piece per chunk of rows."""
    if export.format == "csv" and db.engine.dialect.name == "postgresql":
        return copied_csv(export)
    encode = csv_pieces if export.format == "csv" else ndjson_pieces
    return encode(COLUMNS[export.profile], row_chunks(export))


def copied_csv(export):
    """PostgreSQL writes the CSV itself (COPY ... TO STDOUT): the same SELECT, guard and names
    included, passed through as it arrives, several times faster than rows through Python.

    COPY takes no bound parameters, so the SELECT is rendered with its values inline; they
    are the drive's id, dates and CLDR country names, never anything a signer typed.
    """
    engine = db.engine  # taken now: the body streams after the request's context is gone
    sqls = [query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
            for query in statements(export)]

    def pieces():
        yield "\ufeff".encode()
        with engine.connect() as connection:
            cursor = connection.connection.driver_connection.cursor()
            for n, sql in enumerate(sqls):  # one header, before the first select's rows
                with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER {n == 0})") as copy:
                    # libpq hands COPY data over a row at a time: send it on in pieces of 64 KiB.
                    buffer = bytearray()
                    for block in copy:
                        buffer += block
                        if len(buffer) >= PIECE:
                            yield bytes(buffer)
                            buffer.clear()
                    yield bytes(buffer)
    return pieces()


def csv_pieces(columns, chunks):
    """UTF-8 with a byte-order mark (so spreadsheets read it as UTF-8), one header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(columns)
    yield taken(buffer)
    for rows in chunks:
        writer.writerows(rows)
        yield taken(buffer)


def taken(buffer):
    """What the buffer holds, as UTF-8, leaving it empty."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode()


def ndjson_pieces(columns, chunks):
    """One JSON object per line, characters as they are (ensure_ascii off)."""
    for rows in chunks:
        yield "".join(json.dumps(dict(zip(columns, row)), ensure_ascii=False) + "\n" for row in rows).encode()


def record(export, actor=None):
    """Write the export to the audit log (the caller commits before the first byte is sent)."""
    audit.record(f"export.{export.profile}", f"drive:{export.drive.slug}", after=export.filters(), actor=actor)
