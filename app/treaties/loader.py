"""Validate the data/ CSV files and upsert them, all or nothing."""

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import String, select

from app.extensions import db
from app.records import upsert_row
from app.treaties import sources as sourcing
from app.treaties.cells import (
    choice,
    identifiers,
    iso2,
    optional,
    partial_date,
    required,
    sources,
    written,
    yes_no,
)
from app.treaties.checks import (
    legal_basis_checks,
    measure_checks,
    registry_checks,
    treaty_checks,
)
from app.treaties.models import (
    Basis,
    Case,
    CaseKind,
    CaseOutcome,
    Dispute,
    LegalBasis,
    LegalBasisKind,
    Measure,
    MeasureKind,
    Publisher,
    PublisherKind,
    Treaty,
)


class LoadError(Exception):
    """One or more bad rows; nothing was written."""

    def __init__(self, problems):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | str  # a line of the file, or the key of a row that is only in the database
    column: str
    message: str

    def __str__(self):
        where = f"{self.file}, line {self.line}" if isinstance(self.line, int) else f"{self.file}, row {self.line}"
        return f"{where}, column {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class Spec:
    """How one CSV file maps onto one model: key column, a parser per column, row checks."""

    model: type
    key: str
    columns: dict  # CSV column -> (model attribute, parser)
    checks: object = None
    ignored: tuple = field(default=())
    private: tuple = field(default=())  # never published: not in exports, optional when loading
    texts: tuple = field(default=())  # public prose, translated in the data catalogs

    def attribute(self, column):
        return self.columns[column][0]

    def public_columns(self):
        return [c for c in self.columns if c not in self.private]


# Characters no cell needs, which PostgreSQL refuses (NUL) or a page cannot show: line breaks and tabs are fine.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
RESEARCH_NOTE = {"research_note": ("research_note", optional)}

# In load order: publishers first, since every other file's sources must resolve to one.
SPECS = {
    "publishers.csv": Spec(Publisher, "key", {
        "key": ("key", required),
        "name": ("name", required),
        "kind": ("kind", choice(PublisherKind)),
        "identifies": ("identifies", identifiers),
    }),
    "treaties.csv": Spec(Treaty, "iso2", {
        "iso2": ("iso2", iso2),
        "dispute": ("dispute", choice(Dispute, optional=True)),
        "disputed_since": ("disputed_since", partial_date),
        "signed_on": ("signed_on", partial_date),
        "signed_verified": ("signed_verified", yes_no),
        "signed_by": ("signed_by", partial_date),
        "in_force_on": ("in_force_on", partial_date),
        "in_force_verified": ("in_force_verified", yes_no),
        "in_force_by": ("in_force_by", partial_date),
        "status_basis": ("basis", choice(Basis)),
        "sources": ("sources", sources),
        "public_note": ("public_note", optional),
        **RESEARCH_NOTE,
    }, checks=treaty_checks, ignored=("country",), private=("research_note",), texts=("public_note",)),
    "measures.csv": Spec(Measure, "key", {
        "key": ("key", required),
        "iso2": ("iso2", iso2),
        "kind": ("kind", choice(MeasureKind)),
        "taken_on": ("taken_on", partial_date),
        "ends_on": ("ends_on", partial_date),
        "actor": ("actor", optional),
        "instrument": ("instrument", required),
        "sources": ("sources", sources),
        "public_note": ("public_note", optional),
        **RESEARCH_NOTE,
    }, checks=measure_checks, private=("research_note",), texts=("instrument", "public_note")),
    "cases.csv": Spec(Case, "key", {
        "key": ("key", required),
        "iso2": ("iso2", iso2),
        "decided_on": ("decided_on", partial_date),
        "kind": ("kind", choice(CaseKind)),
        "person": ("person", required),
        "forum": ("forum", required),
        "outcome": ("outcome", choice(CaseOutcome)),
        "summary": ("summary", required),
        "sources": ("sources", sources),
        **RESEARCH_NOTE,
    }, private=("research_note",), texts=("person", "forum", "summary")),
    "legal_basis.csv": Spec(LegalBasis, "iso2", {
        "iso2": ("iso2", iso2),
        "basis": ("basis", choice(LegalBasisKind)),
        "sources": ("sources", lambda text: sources(text, optional=True)),
        "public_note": ("public_note", optional),
        **RESEARCH_NOTE,
    }, checks=legal_basis_checks, private=("research_note",), texts=("public_note",)),
}


def read(path, spec):
    """Parse one file into (key, attributes) pairs; raise LoadError listing every bad cell."""
    reader = csv.DictReader(io.StringIO(decoded(path), newline=""))
    try:
        problems = header_problems(path.name, reader.fieldnames or [], spec)
        if problems:
            raise LoadError(problems)
        rows, problems = parse_rows(path.name, reader, spec)
    except csv.Error as error:
        # line_num counts the lines of complete records; the broken one starts after them.
        raise LoadError([Problem(path.name, reader.line_num + 1, "", f"unreadable: {error}")]) from None
    if problems:
        raise LoadError(problems)
    return rows


def decoded(path):
    """The file's text; utf-8-sig because spreadsheets save CSV with a byte-order mark."""
    if not path.is_file():
        raise LoadError([Problem(path.name, 0, "", "file not found")])
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise LoadError([Problem(path.name, line, "", f"not UTF-8 text: {error.reason}")]) from None


def parse_rows(name, reader, spec):
    """(rows, problems) for every data row of an open reader; a row is (key, attributes, line)."""
    rows, problems, seen = [], [], {}
    for record in reader:
        line = reader.line_num
        values, bad = parse_row(name, line, record, spec)
        key = values.get(spec.attribute(spec.key))
        if key in seen:
            bad.append(Problem(name, line, spec.key, f"duplicate of line {seen[key]}"))
        elif not bad:
            seen[key] = line
            rows.append((key, values, line))
        problems += bad
    return rows, problems


def header_problems(name, header, spec):
    expected = set(spec.columns) | set(spec.ignored)
    repeated = [c for c, n in Counter(header).items() if n > 1]
    return (
        [Problem(name, 1, c, "column is missing") for c in spec.public_columns() if c not in header]
        + [Problem(name, 1, c, "unknown column") for c in header if c not in expected]
        + [Problem(name, 1, c, "column appears more than once") for c in repeated]
    )


def parse_row(name, line, record, spec):
    """(attributes, problems) of one row: every cell parsed, then the row's own checks."""
    values, problems = {}, []
    if None in record:
        problems.append(Problem(name, line, "", "more cells than columns"))
    for column, (attribute, parse) in spec.columns.items():
        if column in spec.private and column not in record:
            continue  # a published export has no private columns: loading it keeps them as they are
        text = (record.get(column) or "").strip()
        if CONTROL.search(text):
            problems.append(Problem(name, line, column, "contains a control character"))
            continue
        try:
            values[attribute] = fits(spec.model, attribute, parse(text))
        except ValueError as error:
            problems.append(Problem(name, line, column, str(error)))
    if not problems and spec.checks:
        problems += [Problem(name, line, c, reason) for c, reason in spec.checks(values)]
    return values, problems


def fits(model, attribute, value):
    """The value, if the column can hold it: SQLite would store an over-long text, PostgreSQL not."""
    column_type = model.__table__.columns[attribute].type
    length = getattr(column_type, "length", None) if isinstance(column_type, String) else None
    if isinstance(value, str) and length and len(value) > length:
        raise ValueError(f"is {len(value)} characters long; at most {length} fit")
    return value


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    absent: list = field(default_factory=list)  # keys in the database but not in the file
    pruned: bool = False


def upsert(spec, rows, prune=False):
    """Create or update one model's rows by key, optionally deleting rows not in the file."""
    existing = {getattr(o, spec.attribute(spec.key)): o for o in db.session.scalars(select(spec.model))}
    tally = LoadReport()
    for key, values, _line in rows:
        outcome = upsert_row(spec.model, existing.pop(key, None), values)
        setattr(tally, outcome, getattr(tally, outcome) + 1)
    tally.absent, tally.pruned = sorted(existing), prune
    for stale in existing.values() if prune else ():
        db.session.delete(stale)
    return tally


def sourcing_problems(parsed):
    """Problems of every row whose sources resolve to no registered publisher."""
    registry = sourcing.Registry(SimpleNamespace(**values) for _key, values, _line in parsed["publishers.csv"])
    return [
        Problem(name, line, column, reason)
        for name, rows in parsed.items()
        for _key, values, line in rows
        for column, reason in registry_checks(SPECS[name], values, registry)
    ]


def load(directory, prune=False):
    """Validate every file, then upsert them all; the caller commits, with its audit entry, or nothing is kept."""
    directory = Path(directory)
    parsed, problems = {}, []
    for name, spec in SPECS.items():
        try:
            parsed[name] = read(directory / name, spec)
        except LoadError as error:
            problems += error.problems
    problems = problems or sourcing_problems(parsed)
    if problems:
        raise LoadError(problems)
    tallies = {name: upsert(SPECS[name], rows, prune) for name, rows in parsed.items()}
    stale = stale_sources()
    if stale:  # rows kept from before (not in the files) whose publisher went or changed
        raise LoadError(stale)
    return tallies


def stale_sources():
    """Problems of rows in the database, files or not, whose sources the registered publishers no longer cover."""
    db.session.flush()
    registry = sourcing.Registry(db.session.scalars(select(Publisher)))
    return [
        Problem(name, f"{getattr(row, spec.attribute(spec.key))} (in the database)", column, reason)
        for name, spec in SPECS.items() if "sources" in spec.columns
        for row in db.session.scalars(select(spec.model))
        for column, reason in sourcing.problems(registry, row.sources, [])
    ]


def rows_as_csv(name, objects):
    """(header, rows) of `objects` in the shape of data/<name>, ready to load again."""
    spec = SPECS[name]
    header = spec.public_columns()
    return header, [[written(getattr(o, spec.attribute(c))) for c in header] for o in objects]
