"""Signing, confirming and withdrawing, each a transaction the view commits once."""

from datetime import date
from enum import StrEnum
from functools import cache as once
from typing import NamedTuple

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload, lazyload

from app import tokens
from app.caching import seen_revision
from app.extensions import cache, db
from app.keys import email_key
from app.outbox.services import enqueue_later
from app.petitions.drives import SLUG
from app.petitions.models import VISIBLE, Drive, DriveState, Signature, SignatureState
from app.records import today, utcnow
from app.revisions import read_all

MAX_CONFIRMATION_SENDS = 3


def visible_drive(slug, with_texts=True):
    """The drive the public may see under `slug` (with its texts loaded, unless a signature only needs its dates), or None."""
    if not SLUG.fullmatch(slug):
        return None  # PostgreSQL refuses some strings (NUL) outright: never send them
    query = select(Drive).where(Drive.slug == slug, Drive.state.in_(VISIBLE))
    query = query.options(joinedload(Drive.texts) if with_texts else lazyload(Drive.texts))
    return db.session.scalars(query).unique().first()


class SigningDrive(NamedTuple):
    """What signing needs of a drive: which one, and whether it takes signatures on a day."""

    id: int
    state: DriveState
    opens_on: date | None
    closes_on: date | None

    def signable_on(self, day):
        return Drive.signable_on(self, day)


def signing_drive(slug):
    """The visible drive `slug` as signing needs it, or None: read once per data revision and
    cached (every change to a drive is a new revision), so a signature costs no drive query."""
    key = f"signing:{seen_revision()}:{slug}"
    found = cache.get(key)
    if found is None:
        drive = visible_drive(slug, with_texts=False)
        if drive is None:
            return None  # not cached: made-up addresses must not fill the cache
        found = SigningDrive(drive.id, drive.state, drive.opens_on, drive.closes_on)
        cache.set(key, found)
    return found


def open_drives(day, iso2=None):
    """The drives that can be signed on `day` (of one country, with `iso2`), oldest first."""
    # An undated drive has been open longest: first, on PostgreSQL (NULLS LAST by default) as on SQLite.
    query = select(Drive).where(Drive.state == DriveState.OPEN).order_by(Drive.opens_on.asc().nulls_first(), Drive.id)
    drives = db.session.scalars(query if iso2 is None else query.where(Drive.iso2 == iso2))
    return [d for d in drives if d.signable_on(day)]


def open_drive(iso2, day):
    """The country's drive that can be signed on `day`, if any."""
    return next(iter(open_drives(day, iso2)), None)


# What the progress display reads of a drive: the columns that change without a new revision,
# and those it needs beside them. Cached pages read only these on each view.
LIVE_COLUMNS = (Drive.id, Drive.slug, Drive.goal, Drive.confirmed_count, Drive.paper_count)


def live_drives(drive_ids):
    """The live columns of the drives `drive_ids`, {id: row}, read fresh in one query on a bare connection."""
    if not drive_ids:
        return {}
    return {row.id: row for row in read_all(select(*LIVE_COLUMNS).where(Drive.id.in_(drive_ids)))}


def sign(drive_id, data, tag):
    """Store an unconfirmed signature with its confirmation mail, or re-send to a known address."""
    values = {
        "drive_id": drive_id, "name": data["name"], "email": data["email"],
        "email_key": email_key(data["email"]), "residence": data["residence"],
        "region": data["region"] or "", "locale": tag, "consent_updates": data["consent_updates"],
        "unnamed": bool(data.get("unnamed")),
        "state": SignatureState.PENDING, "confirmation_sends": 1, "created_at": utcnow(),
    }
    # One statement that either inserts or, for an address already on this drive (even one
    # inserted a moment ago by a simultaneous request), does nothing: the unique constraint decides.
    new_id = db.session.scalar(insert_signature(db.session.get_bind().dialect.name), values)
    if new_id is None:
        existing = db.session.scalar(
            select(Signature).where(Signature.drive_id == drive_id, Signature.email_key == values["email_key"])
        )
        # Withdrawn between the two statements: then this is a new signature after all.
        return resend(existing) if existing else sign(drive_id, data, tag)
    queue_confirmation(Signature(id=new_id, **values))


@once
def insert_signature(dialect):
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id, which PostgreSQL and SQLite both speak in their
    own dialect: built once, the values come as parameters (signing is the hot path)."""
    table = Signature.__table__
    insert = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}[dialect]
    return insert(table).on_conflict_do_nothing(index_elements=["drive_id", "email_key"]).returning(table.c.id)


def resend(signature):
    """Send the confirmation again, a few times at most, and only while it is still needed."""
    if signature.state != SignatureState.PENDING:
        return
    bumped = db.session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.confirmation_sends < MAX_CONFIRMATION_SENDS)
        .values(confirmation_sends=Signature.confirmation_sends + 1)
    ).rowcount
    if bumped:
        queue_confirmation(signature)


def queue_confirmation(signature):
    """Queue the confirmation mail; the outbox worker writes it, in the signer's language (see mail.py)."""
    enqueue_later("confirmation", signature.email, signature.id, signature.locale)


class SignatureOutcome(StrEnum):
    """What a link from a mail did, for the page that says so."""

    CONFIRMED = "confirmed"
    ALREADY = "already"
    CLOSED = "closed"
    DONE = "done"
    NAMED = "named"
    UNNAMED = "unnamed"
    UNKNOWN = "unknown"


def signature_for(token_data):
    """The signature a link names, if it still exists and still belongs to the same address."""
    signature_id, print_ = token_data
    signature = db.session.get(Signature, signature_id)
    if signature is None or not tokens.fits(signature.email_key, print_):
        return None
    return signature


def confirm(signature):
    """Count a signature once; confirming twice is harmless; closed drives count no more."""
    drive = db.session.get(Drive, signature.drive_id, options=[lazyload(Drive.texts)])  # texts: if needed
    if signature.state == SignatureState.CONFIRMED:
        return SignatureOutcome.ALREADY, drive
    if not drive.signable_on(today()):
        return SignatureOutcome.CLOSED, drive
    # Only the transaction that moves the row from pending counts it.
    moved = db.session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.state == SignatureState.PENDING)
        .values(state=SignatureState.CONFIRMED, confirmed_at=utcnow())
    ).rowcount
    if moved:
        adjust_count(drive.id, +1)
        return SignatureOutcome.CONFIRMED, drive
    # Someone else moved it first: confirmed in another tab, or withdrawn meanwhile.
    still_there = db.session.scalar(select(Signature.id).where(Signature.id == signature.id))
    return (SignatureOutcome.ALREADY if still_there else SignatureOutcome.UNKNOWN), drive


def adjust_count(drive_id, step, count=Drive.confirmed_count):
    """Move one of a drive's counts (confirmed, or paper_count) in the caller's transaction, in SQL,
    under the row lock."""
    db.session.execute(update(Drive).where(Drive.id == drive_id).values({count: count + step}))


def withdraw(signature):
    """Delete the signature and everything it holds; uncount it if it was counted."""
    removed = db.session.execute(
        delete(Signature).where(Signature.id == signature.id).returning(Signature.drive_id, Signature.state)
    ).first()
    if removed is None:
        return SignatureOutcome.UNKNOWN, None
    if removed.state == SignatureState.CONFIRMED:
        adjust_count(removed.drive_id, -1)
    return SignatureOutcome.DONE, None


def unsubscribe(signature):
    """Stop campaign updates to this signer; the signature stays."""
    changed = db.session.execute(
        update(Signature).where(Signature.id == signature.id).values(consent_updates=False)
    ).rowcount
    return (SignatureOutcome.DONE if changed else SignatureOutcome.UNKNOWN), None


def toggle_unnamed(signature):
    """Leave the signer's name off the list handed to parliament, or put it back; the count is untouched."""
    flipped = db.session.execute(
        update(Signature).where(Signature.id == signature.id).values(unnamed=~Signature.unnamed)
        .returning(Signature.unnamed)
    ).scalar()
    if flipped is None:
        return SignatureOutcome.UNKNOWN, None
    return (SignatureOutcome.UNNAMED if flipped else SignatureOutcome.NAMED), None
