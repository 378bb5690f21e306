"""`flask legislators import`: CSV or Popolo JSON, validated whole, then upserted in one transaction."""

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale, UnknownLocaleError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from app import geo
from app.extensions import db
from app.letters.models import Legislator
from app.records import today, upsert_row

CSV_COLUMNS = ("id", "country", "name", "chamber", "party", "region", "email", "language", "active")
LENGTHS = {"source_id": 200, "name": 200, "title": 100, "chamber": 200, "party": 200, "region": 200}


class LegislatorImportError(Exception):
    """Bad rows; nothing was imported."""

    def __init__(self, problems):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list = field(default_factory=list)  # people the source gives no e-mail address for


def import_file(path, country=None, language=None):
    """Read a CSV or Popolo JSON file of legislators and upsert them all, or none; never commits."""
    path = Path(path)
    reader = read_popolo if path.suffix.lower() == ".json" else read_csv
    records, skipped = reader(path, country, language)
    problems = [f"{path.name}, {where}: {reason}" for where, values in records for reason in checked(values)]
    problems += duplicates(path.name, records)
    if problems:
        raise LegislatorImportError(problems)
    result = upsert([values for _, values in records])
    result.skipped = skipped
    return result  # the caller commits, with its audit entry, in one transaction


def read_csv(path, country, language):
    """(where, values) per row; the file's own country and language columns win over the defaults."""
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise LegislatorImportError([f"{path.name}, line 1: missing columns: {', '.join(missing)}"])
    records = []
    for row in reader:
        cells = {k: (v or "").strip() for k, v in row.items() if k}
        records.append((f"line {reader.line_num}", {
            "source_id": cells["id"], "iso2": (cells["country"] or country or "").upper(),
            "name": cells["name"], "title": cells.get("title", ""), "chamber": cells["chamber"], "party": cells["party"],
            "region": cells["region"], "email": cells["email"],
            "language": cells["language"] or language or "", "active": cells["active"] or "yes",
        }))
    return records, []


def read_popolo(path, country, language):
    """(where, values) per person with a seat, from a Popolo document (EveryPolitician's format)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise LegislatorImportError([f"{path.name}: not JSON: {error}"]) from None
    if not country or not language:
        raise LegislatorImportError([f"{path.name}: Popolo files need --country and --language"])
    names = {o.get("id"): o for o in document.get("organizations", [])}
    areas = {a.get("id"): a.get("name", "") for a in document.get("areas", [])}
    seats = current_seats(document.get("memberships", []), names)
    records, skipped = [], []
    for index, person in enumerate(document.get("persons", [])):
        seat = seats.get(person.get("id"))
        if seat is None:
            continue  # not a member of a legislature in this file
        address = person.get("email") or contact(person, "email")
        if not address:
            skipped.append(person.get("name", person.get("id")))
            continue
        records.append((f"persons[{index}]", {
            "source_id": str(person.get("id", "")), "iso2": country.upper(), "name": person.get("name", ""),
            "title": person.get("honorific_prefix") or "",
            "chamber": names.get(seat.get("organization_id"), {}).get("name", ""),
            "party": names.get(seat.get("on_behalf_of_id"), {}).get("name", ""),
            "region": areas.get(seat.get("area_id"), ""), "email": address, "language": language,
            "active": "no" if ended(seat) else "yes",
        }))
    return records, skipped


def current_seats(memberships, organizations):
    """person id -> their latest membership of a legislature (or chamber)."""
    seats = {}
    for membership in memberships:
        kind = organizations.get(membership.get("organization_id"), {}).get("classification")
        if kind in {"legislature", "chamber", "lower house", "upper house"}:
            known = seats.get(membership.get("person_id"))
            if known is None or membership.get("start_date", "") >= known.get("start_date", ""):
                seats[membership.get("person_id")] = membership
    return seats


def contact(person, kind):
    return next((c.get("value") for c in person.get("contact_details", []) if c.get("type") == kind), None)


def ended(membership):
    end = membership.get("end_date")
    return bool(end) and end[:10] < today().isoformat()


def checked(values):
    """Reasons a record cannot be imported, each naming the field."""
    if not values["source_id"]:
        yield "id is empty"
    if not geo.exists(values["iso2"]):
        yield f"country {values['iso2']!r} is not an ISO 3166-1 alpha-2 code"
    if not values["name"]:
        yield "name is empty"
    for name, limit in LENGTHS.items():
        if len(values[name]) > limit:
            yield f"{name} is longer than {limit} characters"
    yield from email_problems(values)
    yield from language_problems(values)
    if values["active"] not in {"yes", "no"}:
        yield f"active must be yes or no, not {values['active']!r}"


def email_problems(values):
    try:
        values["email"] = validate_email(values["email"], check_deliverability=False, allow_smtputf8=False).normalized
    except EmailNotValidError as error:
        yield f"email {values['email']!r}: {error}"


def language_problems(values):
    try:
        Locale.parse(values["language"].replace("-", "_"))
    except (ValueError, UnknownLocaleError, TypeError):
        yield f"language {values['language']!r} is not a language code (e.g. sv, en, zh-hans)"


def duplicates(name, records):
    seen, problems = {}, []
    for where, values in records:
        key = (values["iso2"], values["source_id"])
        if key in seen:
            problems.append(f"{name}, {where}: id {values['source_id']!r} repeats {seen[key]}")
        seen.setdefault(key, where)
    return problems


def upsert(rows):
    """Create or update legislators by (country, source id)."""
    existing = {(person.iso2, person.source_id): person for person in db.session.scalars(select(Legislator))}
    result = ImportReport()
    for values in rows:
        values = {**values, "active": values["active"] == "yes"}
        outcome = upsert_row(Legislator, existing.get((values["iso2"], values["source_id"])), values)
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result
