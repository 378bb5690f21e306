"""The YAML file campaigners describe a drive with, checked before anything is written."""

from datetime import date

from flask import current_app
from sqlalchemy import select

from app import geo
from app.extensions import db
from app.petitions import drives
from app.petitions.drives import LETTER_FIELDS, TEXT_FIELDS, DriveChange
from app.petitions.models import Drive, DriveState

FIELDS = {"slug", "country", "state", "opens_on", "closes_on", "goal", "main_language", "texts", "targets"}


class DriveFileError(ValueError):
    """The file says something that cannot be a drive; the message says what."""


def parse(document):
    """The drive described by a loaded YAML document, as plain values."""
    if not isinstance(document, dict):
        raise DriveFileError("the file must be a mapping of fields (slug, country, texts...)")
    unknown = set(document) - FIELDS
    if unknown:
        raise DriveFileError(f"unknown fields: {', '.join(sorted(unknown))}")
    spec = {"slug": slug(document.get("slug")), "iso2": country(document.get("country"))}
    spec |= {"state": state(document.get("state", "draft")), "goal": goal(document.get("goal"))}
    spec |= dates(document.get("opens_on"), document.get("closes_on"))
    spec["main_locale"] = language(document.get("main_language", "en"), "main_language")
    spec["texts"] = texts(document.get("texts"), spec["main_locale"])
    spec["targets"] = targets(document.get("targets", "all"))
    return spec


def targets(value):
    """all, {chamber: name} or {legislators: [ids from the import]}."""
    if value == "all":
        return {"all": True}
    if isinstance(value, dict) and len(value) == 1:
        chamber, ids = value.get("chamber"), value.get("legislators")
        if isinstance(chamber, str) and chamber.strip():
            return {"chamber": chamber.strip()}
        if isinstance(ids, list) and ids and all(isinstance(i, (str, int)) for i in ids):
            return {"legislators": [str(i) for i in ids]}
    raise DriveFileError("targets: all, {chamber: NAME} or {legislators: [ID, ...]} (ids as imported)")


def check(where, problem):
    """Raise a drive rule's complaint (see drives.py) about `where` in the file."""
    if problem:
        raise DriveFileError(f"{where}: {problem}")


def slug(value):
    if not isinstance(value, str):
        raise DriveFileError("slug: missing")
    check("slug", drives.slug_problem(value))
    return value


def country(value):
    if not isinstance(value, str) or not geo.exists(value.upper()):
        raise DriveFileError(f"country: {value!r} is not an ISO 3166-1 alpha-2 code")
    return value.upper()


def state(value):
    try:
        return DriveState(value)
    except ValueError:
        raise DriveFileError(f"state: {value!r} is not one of {', '.join(DriveState)}") from None


def goal(value):
    check("goal", drives.goal_problem(value))
    return value


def dates(opens_on, closes_on):
    for name, value in (("opens_on", opens_on), ("closes_on", closes_on)):
        if value is not None and not isinstance(value, date):
            raise DriveFileError(f"{name}: write a date as YYYY-MM-DD")
    check("closes_on", drives.dates_problem(opens_on, closes_on))
    return {"opens_on": opens_on, "closes_on": closes_on}


def language(value, where):
    if value not in current_app.config["LANGUAGES"]:
        raise DriveFileError(f"{where}: {value!r} is not a language of the site "
                             f"({', '.join(current_app.config['LANGUAGES'])})")
    return value


def texts(value, main):
    if not isinstance(value, dict) or main not in value:
        raise DriveFileError(f"texts: give at least the main language ({main}) with title, summary and petition")
    checked = {}
    for tag, fields in value.items():
        language(tag, "texts")
        if not isinstance(fields, dict) or not set(TEXT_FIELDS) <= set(fields) <= {*TEXT_FIELDS, *LETTER_FIELDS}:
            raise DriveFileError(f"texts.{tag}: needs title, summary and petition, "
                                 "and may have letter_subject and letter_body")
        if not all(isinstance(v, str) and v.strip() for v in fields.values()):
            raise DriveFileError(f"texts.{tag}: {', '.join(sorted(fields))} must not be empty")
        check(f"texts.{tag}.title", drives.line_problem(fields["title"], drives.TITLE_MAX))
        check(f"texts.{tag}", drives.letter_problem(fields.get("letter_subject"), fields.get("letter_body")))
        if "letter_subject" in fields:
            check(f"texts.{tag}.letter_subject", drives.line_problem(fields["letter_subject"], drives.SUBJECT_MAX))
        for name in set(LETTER_FIELDS) & set(fields):
            check(f"texts.{tag}.{name}", drives.template_problem(fields[name]))
        checked[tag] = {k: v.strip() for k, v in fields.items()}
    return checked


def apply(spec, creating):
    """Create the drive, or update the one with the same slug; texts are written per language."""
    drive = db.session.scalar(select(Drive).where(Drive.slug == spec["slug"]))
    if creating and drive is not None:
        raise DriveFileError(f"a drive called {spec['slug']} already exists: use `flask drives update`")
    if not creating and drive is None:
        raise DriveFileError(f"there is no drive called {spec['slug']}: use `flask drives create`")
    texts_by_tag, state = spec.pop("texts"), spec.pop("state")
    drive = drive or Drive(state=DriveState.DRAFT)
    for tag, fields in texts_by_tag.items():  # first: a published drive keeps texts in its main language
        drives.save_text(drive, tag, fields)
    if drives.save_settings(drive, spec) == DriveChange.NEEDS_MAIN_TEXT:
        raise DriveFileError(f"texts: a published drive needs its texts in its main language ({spec['main_locale']})")
    drives.change_state(drive, state)  # after the texts, which a drive needs to open
    return drive
