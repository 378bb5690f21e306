"""A drive's letter, written to one legislator in their language: for sending and for the preview."""

import re
from functools import lru_cache
from urllib.parse import quote

from sqlalchemy import select

from app import geo
from app.extensions import db
from app.i18n import languages, maximized
from app.letters import templates
from app.letters.models import Legislator

SUBJECT_MAX = 300  # the outbox's subject column


@lru_cache(maxsize=256)
def language_key(identifier):
    """(language, script) for a tag such as sv, zh-hans or zh_Hant; None if it is not one."""
    return maximized(identifier.replace("_", "-")) if identifier else None


def letter_text(drive, language):
    """The drive text whose letter is sent to someone reading `language`: theirs if the drive has it, else the main one."""
    wanted = language_key(language)
    if wanted:
        for text in drive.texts:
            if text.letter_body and language_key(languages().get(text.locale, text.locale)) == wanted:
                return text
    return drive.text(drive.main_locale)


def compose(drive, text, legislator, writer):
    """(subject, body) of the letter in `text`'s language to one legislator.

    `writer` has name, region and personal. The personal paragraph is passed to the template
    as a value, so whatever it contains ({{ }}, markup, header lines) is only ever text.
    """
    fields = {
        "signer_name": writer.name, "signer_region": writer.region,
        "legislator_name": legislator.name, "legislator_title": legislator.title,
        "country": geo.name(drive.iso2, languages().get(text.locale, text.locale)),
        "drive_title": text.title, "personal_paragraph": writer.personal,
    }
    subject = " ".join(templates.render(text.letter_subject, fields).split())[:SUBJECT_MAX]
    body = templates.render(text.letter_body, fields)
    if writer.personal and "personal_paragraph" not in templates.fields_of(text.letter_body):
        body = f"{body.rstrip()}\n\n{writer.personal}\n"
    return subject, tidy(body)


def tidy(body):
    """No doubled spaces from an empty field (Dear  Anna), no runs of blank lines."""
    body = re.sub(r"(?<=\S) {2,}(?=\S)", " ", body)
    return re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"


def check_renders(letter, drive):
    """Compose the letter to each of its legislators, so that one the drive's template cannot make
    (templates.LetterTemplateError) is refused before its writer is asked to confirm it."""
    for legislator in db.session.scalars(select(Legislator).where(Legislator.id.in_(letter.legislator_ids))):
        compose(drive, letter_text(drive, legislator.language), legislator, letter)


def versions(drive, targets, writer, own_tag):
    """What the legislators receive, per language, and a reading in the visitor's language if that differs.

    `sent` lists (text, subject, body, legislators) per language the letter goes in; the first
    legislator of each stands in for all of them in the preview.
    """
    groups = {}
    for legislator in targets:
        groups.setdefault(letter_text(drive, legislator.language).locale, []).append(legislator)
    sent = []
    for locale, people in groups.items():
        text = drive.text(locale)
        sent.append((text, *compose(drive, text, people[0], writer), people))
    own = letter_text(drive, languages()[own_tag])
    translation = None
    if targets and own.locale not in groups:
        translation = (own, *compose(drive, own, targets[0], writer))
    return {"sent": sent, "translation": translation, "own": own}


def mailto(drive, legislator, writer):
    """A mailto: link with the same letter, for the visitor's own mail program."""
    subject, body = compose(drive, letter_text(drive, legislator.language), legislator, writer)
    body = body.replace("\n", "\r\n")  # RFC 6068: line breaks in a mailto body are CRLF
    return legislator, f"mailto:{quote(legislator.email, safe='@')}?subject={quote(subject)}&body={quote(body)}"
