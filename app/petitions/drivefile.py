"""The YAML file campaigners describe a drive with, checked before anything is written."""

import re
import unicodedata
from datetime import date

from flask import current_app
from sqlalchemy import select

from app.countries import geo
from app.extensions import db
from app.letters import templates as letter_templates
from app.petitions.models import Drive, DriveState, DriveText
from app.petitions.states import change_state

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
FIELDS = {"slug", "country", "state", "opens_on", "closes_on", "goal", "main_language", "texts", "targets"}
TEXT_FIELDS = {"title", "summary", "petition"}
LETTER_FIELDS = {"letter_subject", "letter_body"}


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


def slug(value):
    if not isinstance(value, str) or not SLUG.fullmatch(value) or len(value) > 80:
        raise DriveFileError("slug: lowercase letters, digits and hyphens, at most 80 (e.g. sweden-2026)")
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
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise DriveFileError("goal: a whole number of signatures, at least 1")
    return value


def dates(opens_on, closes_on):
    for name, value in (("opens_on", opens_on), ("closes_on", closes_on)):
        if value is not None and not isinstance(value, date):
            raise DriveFileError(f"{name}: write a date as YYYY-MM-DD")
    if opens_on and closes_on and closes_on < opens_on:
        raise DriveFileError("closes_on is before opens_on")
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
        if not isinstance(fields, dict) or not TEXT_FIELDS <= set(fields) <= TEXT_FIELDS | LETTER_FIELDS:
            raise DriveFileError(f"texts.{tag}: needs title, summary and petition, "
                                 "and may have letter_subject and letter_body")
        if not all(isinstance(v, str) and v.strip() for v in fields.values()):
            raise DriveFileError(f"texts.{tag}: {', '.join(sorted(fields))} must not be empty")
        letter(tag, fields)
        if len(fields["title"]) > 200 or not single_line(fields["title"]):
            raise DriveFileError(f"texts.{tag}.title: one line of at most 200 characters, no control characters")
        checked[tag] = {k: v.strip() for k, v in fields.items()}
    return checked


def single_line(text):
    """One line with no control character: what a mail's Subject header can carry (a stray CR stops it)."""
    text = text.strip()
    return len(text.splitlines()) <= 1 and not any(unicodedata.category(c) == "Cc" for c in text)


def letter(tag, fields):
    """Check a letter template now, when it is saved, not when a letter is sent."""
    if bool(fields.get("letter_subject")) != bool(fields.get("letter_body")):
        raise DriveFileError(f"texts.{tag}: give both letter_subject and letter_body, or neither")
    if not single_line(fields.get("letter_subject", "")):
        raise DriveFileError(f"texts.{tag}.letter_subject: one line, no control characters")
    for name in LETTER_FIELDS & set(fields):
        try:
            letter_templates.check(fields[name])
        except letter_templates.LetterTemplateError as error:
            raise DriveFileError(f"texts.{tag}.{name}: {error}") from None


def apply(spec, creating):
    """Create the drive, or update the one with the same slug; texts are upserted per language."""
    drive = db.session.scalar(select(Drive).where(Drive.slug == spec["slug"]))
    if creating and drive is not None:
        raise DriveFileError(f"a drive called {spec['slug']} already exists: use `flask drives update`")
    if not creating and drive is None:
        raise DriveFileError(f"there is no drive called {spec['slug']}: use `flask drives create`")
    texts_by_tag, state = spec.pop("texts"), spec.pop("state")
    drive = drive or Drive(state=DriveState.DRAFT)
    for name, value in spec.items():
        setattr(drive, name, value)
    existing = {t.locale: t for t in drive.texts}
    for tag, fields in texts_by_tag.items():
        text = existing.get(tag) or DriveText(locale=tag)
        for name, value in fields.items():
            setattr(text, name, value)
        if tag not in existing:
            drive.texts.append(text)
    change_state(drive, state)  # after the texts, which a drive needs to open
    db.session.add(drive)
    return drive
