"""What a drive may be, and the one way each change to it is made.

The back office's forms and drive files (`flask drives create|update`) check a drive with the
same rules and save it with the same functions; none of them commits. A rule returns what is
wrong, as a translatable message, or None.
"""

import re
import unicodedata
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.letters import templates as letter_templates
from app.petitions.models import Drive, DriveState, DriveText
from app.records import today

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX, TITLE_MAX, SUBJECT_MAX, GOAL_MAX = 80, 200, 300, 100_000_000
TEXT_FIELDS = ("title", "summary", "petition")
LETTER_FIELDS = ("letter_subject", "letter_body")
ENDED = frozenset({DriveState.CLOSED, DriveState.ARCHIVED})
# What each of the back office's buttons may do, from which states.
TRANSITIONS = {
    "publish": ({DriveState.DRAFT, DriveState.CLOSED}, DriveState.OPEN),
    "close": ({DriveState.OPEN}, DriveState.CLOSED),
    "archive": ({DriveState.CLOSED}, DriveState.ARCHIVED),
}


# The rules.

def slug_problem(value):
    if not SLUG.fullmatch(value) or len(value) > SLUG_MAX:
        return _l("Lowercase letters, digits and hyphens only, e.g. sweden-2026.")
    return None


def goal_problem(value):
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= GOAL_MAX:
        return _l("Please give a whole number of signatures.")
    return None


def dates_problem(opens_on, closes_on):
    if opens_on and closes_on and closes_on < opens_on:
        return _l("The drive cannot close before it opens.")
    return None


def line_problem(value, longest):
    """One line of at most `longest` characters with no control character: what a mail's Subject can carry."""
    text = value.strip()
    if len(text.splitlines()) > 1 or any(unicodedata.category(c) == "Cc" for c in text):
        return _l("Please keep this to one line.")
    if len(text) > longest:
        return _l("Please keep this to %(max)d characters or fewer.", max=longest)
    return None


def template_problem(value):
    """A letter template is checked when it is saved, not when a letter is sent."""
    try:
        letter_templates.check(value)
    except letter_templates.LetterTemplateError as error:
        return _l("This template cannot be used: %(reason)s", reason=str(error))
    return None


def letter_problem(subject, body):
    if bool(subject) != bool(body):
        return _l("Give both the letter's subject and its body, or neither.")
    return None


def slug_taken(slug, drive_id=None):
    return db.session.scalar(select(Drive.id).where(Drive.slug == slug, Drive.id != (drive_id or 0))) is not None


# The changes.

class DriveChange(StrEnum):
    """What a change to a drive did."""

    CHANGED = "changed"
    UNCHANGED = "unchanged"
    SLUG_TAKEN = "slug_taken"  # another drive has this address
    NEEDS_MAIN_TEXT = "needs_main_text"  # a published drive needs its texts in its main language
    NOT_FROM_HERE = "not_from_here"  # the button does not apply to the drive's current state


def settings(drive):
    """A drive's settings as plain values, for the audit log."""
    return {"slug": drive.slug, "iso2": drive.iso2, "goal": drive.goal, "opens_on": drive.opens_on,
            "closes_on": drive.closes_on, "main_locale": drive.main_locale, "targets": drive.targets,
            "state": drive.state}


def save_settings(drive, values):
    """Give `drive` (a new Drive, or one stored) the settings in `values` (slug, iso2, goal, opens_on,
    closes_on, main_locale, targets), checked by the rules above. A new drive is added as a draft."""
    if slug_taken(values["slug"], drive.id):
        return DriveChange.SLUG_TAKEN
    if drive.id is not None and drive.state != DriveState.DRAFT and text_in(drive, values["main_locale"]) is None:
        return DriveChange.NEEDS_MAIN_TEXT
    for name, value in values.items():
        setattr(drive, name, value)
    if drive.id is None:
        drive.state = drive.state or DriveState.DRAFT
        db.session.add(drive)
    db.session.flush()
    return DriveChange.CHANGED


def save_text(drive, tag, fields):
    """Write the drive's texts in language `tag` (title, summary, petition and, optionally, its letter)."""
    text = text_in(drive, tag)
    if text is None:
        text = DriveText(locale=tag)
        drive.texts.append(text)
    for name in TEXT_FIELDS:
        setattr(text, name, fields[name])
    for name in LETTER_FIELDS:  # kept unless given; no letter is None, not an empty template
        if name in fields:
            setattr(text, name, fields[name] or None)
    return DriveChange.CHANGED


def text_in(row, tag):
    """A drive's (or an update's) own texts in language `tag`, or None (`text` falls back to the main language)."""
    return next((text for text in row.texts if text.locale == tag), None)


def text_values(text):
    return {k: getattr(text, k) for k in (*TEXT_FIELDS, *LETTER_FIELDS)}


def change_state(drive, target, day=None):
    """Move `drive` to `target`; a drive that has ended gets its last day, from which retention runs."""
    day = day or today()
    if target == DriveState.OPEN and drive.state != target and drive.text(drive.main_locale) is None:
        return DriveChange.NEEDS_MAIN_TEXT
    outcome = DriveChange.UNCHANGED if drive.state == target else DriveChange.CHANGED
    drive.state = target
    if target in ENDED and (drive.closes_on is None or drive.closes_on > day):
        drive.closes_on = day
    return outcome


def press(drive, action, day=None):
    """What one of the back office's buttons (publish, close, archive) does to `drive`."""
    sources, target = TRANSITIONS[action]
    if drive.state not in sources:
        return DriveChange.NOT_FROM_HERE
    return change_state(drive, target, day)
