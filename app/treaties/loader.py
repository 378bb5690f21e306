"""Validate the data/ CSV files and upsert them, all or nothing."""

import csv
from dataclasses import dataclass, field
from pathlib import Path

import pycountry
from sqlalchemy import select

from app.extensions import db
from app.treaties.dates import PartialDate
from app.treaties.models import Basis, Case, CaseKind, Dispute, Measure, MeasureKind, Outcome, Treaty


class LoadError(Exception):
    """One or more bad rows; nothing was written."""

    def __init__(self, problems):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str
    message: str

    def __str__(self):
        where = f"{self.file}, line {self.line}"
        return f"{where}, column {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


def iso2(text):
    if not pycountry.countries.get(alpha_2=text):
        raise ValueError(f"{text!r} is not an ISO 3166-1 alpha-2 country code")
    return text


def partial_date(text):
    return PartialDate.parse(text) if text else None


def yes_no(text):
    if text not in {"", "yes", "no"}:
        raise ValueError(f"{text!r} is neither yes nor no")
    return text != "no"


def choice(enum, optional=False):
    def parse(text):
        if optional and not text:
            return None
        try:
            return enum(text)
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            raise ValueError(f"{text!r} is not one of: {allowed}") from None
    return parse


def required(text):
    if not text:
        raise ValueError("is empty")
    return text


def optional(text):
    return text


def sources(text):
    items = [s.strip() for s in text.split(" | ") if s.strip()]
    if not items:
        raise ValueError("every row needs at least one source")
    return items


@dataclass
class Spec:
    """How one CSV file maps onto one model: key column, and a parser per column."""

    model: type
    key: str
    columns: dict  # CSV column -> (model attribute or None to skip, parser)
    ignored: tuple = field(default=())


SPECS = {
    "treaties.csv": Spec(Treaty, "iso2", {
        "iso2": ("iso2", iso2),
        "dispute": ("dispute", choice(Dispute, optional=True)),
        "signed_on": ("signed_on", partial_date),
        "signed_verified": ("signed_verified", yes_no),
        "signed_by": ("signed_by", partial_date),
        "in_force_on": ("in_force_on", partial_date),
        "in_force_verified": ("in_force_verified", yes_no),
        "in_force_by": ("in_force_by", partial_date),
        "status_basis": ("basis", choice(Basis)),
        "sources": ("sources", sources),
        "notes": ("notes", optional),
    }, ignored=("country",)),
    "measures.csv": Spec(Measure, "key", {
        "key": ("key", required),
        "iso2": ("iso2", iso2),
        "kind": ("kind", choice(MeasureKind)),
        "taken_on": ("taken_on", partial_date),
        "actor": ("actor", optional),
        "instrument": ("instrument", required),
        "sources": ("sources", sources),
        "notes": ("notes", optional),
    }),
    "cases.csv": Spec(Case, "key", {
        "key": ("key", required),
        "iso2": ("iso2", iso2),
        "decided_on": ("decided_on", partial_date),
        "kind": ("kind", choice(CaseKind)),
        "person": ("person", required),
        "forum": ("forum", required),
        "outcome": ("outcome", choice(Outcome)),
        "summary": ("summary", required),
        "sources": ("sources", sources),
    }),
}


def read(path, spec):
    """Parse one file into (key, attributes) pairs; raise LoadError listing every bad cell."""
    if not path.is_file():
        raise LoadError([Problem(path.name, 0, "", "file not found")])
    problems, rows, seen = [], [], {}
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        problems += header_problems(path.name, reader.fieldnames or [], spec)
        if problems:
            raise LoadError(problems)
        for record in reader:
            line = reader.line_num
            values, bad = parse_row(path.name, line, record, spec)
            problems += bad
            key = values.get(spec.columns[spec.key][0])
            if key in seen:
                problems.append(Problem(path.name, line, spec.key, f"duplicate of line {seen[key]}"))
            elif not bad:
                seen[key] = line
                rows.append((key, values))
    if problems:
        raise LoadError(problems)
    return rows


def header_problems(name, header, spec):
    expected = set(spec.columns) | set(spec.ignored)
    missing = [c for c in spec.columns if c not in header]
    unknown = [c for c in header if c not in expected]
    return [Problem(name, 1, c, "column is missing") for c in missing] + [
        Problem(name, 1, c, "unknown column") for c in unknown
    ]


def parse_row(name, line, record, spec):
    values, problems = {}, []
    if None in record:
        problems.append(Problem(name, line, "", "more cells than columns"))
    for column, (attribute, parse) in spec.columns.items():
        text = (record.get(column) or "").strip()
        try:
            values[attribute] = parse(text)
        except ValueError as error:
            problems.append(Problem(name, line, column, str(error)))
    return values, problems


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def upsert(spec, rows):
    """Create or update one model's rows by key; return what changed."""
    key_column = getattr(spec.model, spec.columns[spec.key][0])
    existing = {getattr(o, key_column.key): o for o in db.session.scalars(select(spec.model))}
    tally = Tally()
    for key, values in rows:
        found = existing.get(key)
        if found is None:
            db.session.add(spec.model(**values))
            tally.created += 1
        elif any(getattr(found, a) != v for a, v in values.items()):
            for attribute, value in values.items():
                setattr(found, attribute, value)
            tally.updated += 1
        else:
            tally.unchanged += 1
    return tally


def load(directory):
    """Validate every file, then upsert them all in one transaction."""
    directory = Path(directory)
    parsed = {name: read(directory / name, spec) for name, spec in SPECS.items()}
    try:
        tallies = {name: upsert(SPECS[name], rows) for name, rows in parsed.items()}
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return tallies


def cell(value):
    """A model value written back as the CSV files write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return " | ".join(value)
    return str(value)


def rows_as_csv(name, objects):
    """(header, rows) of `objects` in the shape of data/<name>, ready to load again."""
    spec = SPECS[name]
    header = list(spec.columns)
    rows = [[cell(getattr(o, spec.columns[c][0])) for c in header] for o in objects]
    return header, rows
