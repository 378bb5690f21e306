"""A copy of everything kept under one address, for a person who asks what is held about them.

The export finds what `app.privacy.erase` removes, by the same address key: signatures on every
drive, letters with whom they went to, and the mail sent to the address. What erasure leaves
is not personal data of theirs (the audit log holds a keyed digest, never the address; a name
on paper has no address; a staff account is answered separately, see docs/operators.md).
It is written as it is read, one row at a time, so that a person with years of updates fits.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from sqlalchemy import func, inspect, select

from app.extensions import db
from app.letters.models import Legislator, Letter, LetterDelivery
from app.outbox.models import OutboxMessage
from app.petitions.models import Drive, Signature
from app.records import as_utc, utcnow

# Columns that say nothing about the person: row ids, and the address's key (the address is there).
INTERNAL = {"id", "drive_id", "email_key", "legislator_ids"}
# What a mail to the address shows: never its text, which holds links that act on their behalf.
MAIL_FIELDS = ("kind", "state", "subject", "locale", "created_at", "sent_at")
BATCH = 200


@dataclass
class Exported:
    signatures: int = 0
    letters: int = 0
    messages: int = 0


def to_address(key):
    """Mail addressed to the person with address key `key`; letters they wrote go to legislators."""
    return (func.lower(OutboxMessage.recipient) == key) & (OutboxMessage.kind != "letter")


def plain(value):
    """A JSON value: timestamps in UTC ISO 8601, states as their names."""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def columns(row):
    """Every stored column of `row` but the internal ones, by its column name."""
    return {c.key: plain(getattr(row, c.key)) for c in inspect(row).mapper.column_attrs if c.key not in INTERNAL}


def signatures(key):
    """The person's signatures, each with the drive it is on."""
    rows = db.session.execute(select(Signature, Drive.slug).join(Drive, Drive.id == Signature.drive_id)
                              .where(Signature.email_key == key).order_by(Signature.id)).yield_per(BATCH)
    for signature, slug in rows:
        yield {"drive": slug, **columns(signature)}


def letters(key):
    """The person's letters, each with its drive and the legislators it was (or is to be) sent to."""
    rows = db.session.execute(select(Letter, Drive.slug).join(Drive, Drive.id == Letter.drive_id)
                              .where(Letter.email_key == key).order_by(Letter.id)).all()
    for letter, slug in rows:
        yield {"drive": slug, **columns(letter), "deliveries": deliveries(letter)}


def deliveries(letter):
    """Whom a letter went to, and when: the legislator's public details and the mail's state."""
    rows = db.session.execute(select(Legislator, OutboxMessage)
                              .join(LetterDelivery, LetterDelivery.legislator_id == Legislator.id)
                              .outerjoin(OutboxMessage, OutboxMessage.id == LetterDelivery.outbox_id)
                              .where(LetterDelivery.letter_id == letter.id).order_by(LetterDelivery.id)).all()
    if not rows:  # held: not released yet, so only the legislators chosen
        chosen = select(Legislator).where(Legislator.id.in_(letter.legislator_ids)).order_by(Legislator.id)
        rows = [(person, None) for person in db.session.scalars(chosen)]
    return [{"legislator": person.name, "country": person.iso2, "chamber": person.chamber,
             "state": plain(mail.state) if mail else None, "sent_at": plain(mail.sent_at) if mail else None}
            for person, mail in rows]


def messages(key):
    """The mail sent (or waiting to be sent) to the address."""
    rows = db.session.scalars(select(OutboxMessage).where(to_address(key)).order_by(OutboxMessage.id))
    for message in rows.yield_per(BATCH):
        yield {name: plain(getattr(message, name)) for name in MAIL_FIELDS}


def write(address, key, out):
    """Write the export of address key `key` to the text stream `out` as JSON; returns what it held."""
    tally = Exported()
    head = {"address": address.strip(), "exported_at": plain(utcnow())}
    out.write(json.dumps(head, ensure_ascii=False, indent=1)[:-2])
    for section, rows in (("signatures", signatures(key)), ("letters", letters(key)), ("messages", messages(key))):
        out.write(f',\n "{section}": [')
        for number, row in enumerate(rows):
            out.write(("," if number else "") + "\n  " + json.dumps(row, ensure_ascii=False, sort_keys=True))
            setattr(tally, section, number + 1)
        out.write("\n ]" if getattr(tally, section) else "]")
    out.write("\n}\n")
    return tally

