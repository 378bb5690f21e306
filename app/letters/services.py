"""Letters' state changes (write, send, confirm) and who a drive's letters go to.

Each state change takes plain values, returns a LetterOutcome and never commits: the view or
command commits once, then hands the mail to the outbox.
"""

import hashlib
from datetime import timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import func, select, text, update

from app import collation, disclosure
from app.caching import seen_revision
from app.extensions import cache, db
from app.keys import email_key as key_of
from app.letters.compose import check_renders, compose, letter_text
from app.letters.models import Legislator, Letter, LetterDelivery, LetterState
from app.letters.schedule import Schedule, hour_start
from app.letters.templates import LetterTemplateError
from app.outbox.models import MessageState, OutboxMessage
from app.outbox.services import enqueue, enqueue_later
from app.petitions.models import Drive, Signature, SignatureState
from app.records import today, utcnow

LINKS_MAX = 3  # confirmation links an unproven address has at a time, as signing's MAX_CONFIRMATION_SENDS


def targets_query(drive):
    """The drive's active target legislators."""
    query = select(Legislator).where(Legislator.iso2 == drive.iso2, Legislator.active)
    if "chamber" in drive.targets:
        query = query.where(Legislator.chamber == drive.targets["chamber"])
    elif "legislators" in drive.targets:
        query = query.where(Legislator.source_id.in_(drive.targets["legislators"]))
    return query


def recipients(drive, region=None):
    """The drive's active target legislators, optionally only those of one region, by name."""
    query = targets_query(drive)
    if region:
        query = query.where(Legislator.region == region)
    return db.session.scalars(query.order_by(Legislator.name, Legislator.id)).all()


def regions(targets, locale):
    """The regions the targets stand for, for the visitor to pick theirs, in `locale`'s order."""
    return collation.by_name({legislator.region for legislator in targets if legislator.region}, locale)


def has_letter(drive):
    """True when the drive has a letter in its main language, the one every legislator can get."""
    main = drive.text(drive.main_locale)
    return bool(main and main.letter_body)


def writable(drive):
    """True when the drive has a letter and someone to send it to."""
    return has_letter(drive) and db.session.scalar(select(targets_query(drive).exists()))


def offers_letters(drive):
    """writable(drive) for a page to show, worked out once per data revision: the drive, its
    texts and the legislators are all public data, so a change to any of them is a new revision."""
    key = f"writable:{seen_revision()}:{drive.id}"
    found = cache.get(key)
    if found is None:
        found = writable(drive)
        cache.set(key, found)
    return found


class LetterOutcome(StrEnum):
    """What sending or confirming a letter did, for the page that says so."""

    QUEUED = "queued"  # sent from a proven address: its mails wait in the outbox
    HELD = "held"  # waits for its writer to confirm the address (also when too many links wait: nothing stored)
    ALREADY = "already"  # every legislator already had this writer's letter, or it was released before
    RELEASED = "released"  # confirmed now: its mails wait in the outbox
    WRITTEN = "written"  # confirmed now, but every legislator already had this writer's letter
    CLOSED = "closed"  # the drive takes no more letters
    UNAVAILABLE = "unavailable"  # the drive's letter cannot be written: nothing was stored or changed
    INVALID = "invalid"  # a link that was forged, made for something else, or has expired
    UNKNOWN = "unknown"  # a link to a letter that no longer exists


def send(drive, data, targets, tag, proven):
    """Store a letter to `targets`: released at once when its address is `proven` (True), else held and
    its writer asked by mail to confirm, while the address has fewer than LINKS_MAX links waiting.

    Past LINKS_MAX a letter is neither stored nor mailed about, and the outcome is the same
    (HELD): no one can bomb an inbox through its letters. UNAVAILABLE means the drive's letter
    cannot be written; the caller then rolls back what this stored.
    """
    key = key_of(data["email"])
    lock_writer(key)
    try:
        if proven:
            letter = write(drive, targets, data, tag, key)
            queued = release(letter, drive)
            if not queued:
                db.session.delete(letter)  # nothing to send: keep nothing
            return LetterOutcome.QUEUED if queued else LetterOutcome.ALREADY
        if may_ask(key):
            letter = write(drive, targets, data, tag, key)
            check_renders(letter, drive)
            enqueue_later("letter-confirmation", letter.email, letter.id, letter.locale)
        return LetterOutcome.HELD
    except LetterTemplateError as error:
        log_unavailable(drive, error)
        return LetterOutcome.UNAVAILABLE


def confirm(letter):
    """Release a held letter whose writer pressed the button in the mail: (outcome, drive, mails queued).

    UNAVAILABLE means the drive's letter cannot be written; the caller rolls back.
    """
    lock_writer(letter.email_key)
    db.session.refresh(letter)
    drive = db.session.get(Drive, letter.drive_id)
    if letter.state == LetterState.RELEASED:
        return LetterOutcome.ALREADY, drive, 0
    if drive is None or not drive.signable_on(today()) or not writable(drive):
        return LetterOutcome.CLOSED, drive, 0
    try:
        queued = release(letter, drive)
    except LetterTemplateError as error:
        log_unavailable(drive, error)
        return LetterOutcome.UNAVAILABLE, drive, 0
    if queued is None:
        return LetterOutcome.ALREADY, drive, 0
    return (LetterOutcome.RELEASED if queued else LetterOutcome.WRITTEN), drive, queued


def log_unavailable(drive, error):
    current_app.logger.warning("The letter of drive %s cannot be rendered: %s", drive.slug, error)


def lock_writer(email_key):
    """Take the writer's turn: their letters are stored, released and capped one at a time.

    PostgreSQL: a transaction-scoped advisory lock on the address. SQLite has one writer at a
    time anyway (and is for development).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        number = int.from_bytes(hashlib.blake2b(email_key.encode(), digest_size=8).digest(), "big", signed=True)
        db.session.execute(text("SELECT pg_advisory_xact_lock(:number)"), {"number": number})


def may_ask(email_key):
    """True while fewer than LINKS_MAX of the address's letters wait on a live confirmation link.

    Beyond that the caller stores and mails nothing, so no one can fill another's inbox from
    however many clients; a link that is used or expires makes room. The caller holds `lock_writer`.
    """
    since = utcnow() - timedelta(seconds=current_app.config["CONFIRMATION_MAX_AGE"])
    waiting = db.session.scalar(select(func.count()).select_from(Letter).where(
        Letter.email_key == email_key, Letter.state == LetterState.HELD, Letter.created_at >= since))
    return waiting < LINKS_MAX


def write(drive, targets, data, tag, email_key):
    """Store a held letter to `targets`: nothing is sent until `release`.

    Held letters never replace one another, so no one can swap their text into a letter
    waiting for someone else's confirmation.
    """
    letter = Letter(drive_id=drive.id, name=data["name"], email=data["email"], email_key=email_key,
                    region=data["region"] or "", locale=tag, personal=data["personal"] or "",
                    legislator_ids=[legislator.id for legislator in targets])
    db.session.add(letter)
    db.session.flush()
    return letter


def clock():
    """The time letters are scheduled from (tests set it to watch the caps across hours and days)."""
    return utcnow()


def release(letter, drive):
    """Claim a held letter and queue it to each legislator not yet written to, at the time the caps allow.

    Returns how many mails were queued (0 when the writer had already written to every one of
    its legislators: once per drive each), or None when it was not held any more (released by
    a concurrent request). The caller holds `lock_writer` for the letter's address.
    """
    claimed = db.session.execute(
        update(Letter).where(Letter.id == letter.id, Letter.state == LetterState.HELD)
        .values(state=LetterState.RELEASED, released_at=clock())
    ).rowcount
    if not claimed:
        return None
    written = set(db.session.scalars(select(LetterDelivery.legislator_id).where(
        LetterDelivery.drive_id == drive.id, LetterDelivery.email_key == letter.email_key)))
    ids = sorted(set(letter.legislator_ids) - written)
    now = clock()
    # Concurrent releases to the same legislators take their slots one after the other (PostgreSQL).
    legislators = {person.id: person for person in db.session.scalars(
        select(Legislator).where(Legislator.id.in_(ids)).order_by(Legislator.id).with_for_update()
    )}
    schedule = Schedule(ids, letter.email_key, now, signed=signed(drive, letter.email_key))
    queued = 0
    for legislator_id in ids:
        legislator = legislators.get(legislator_id)
        if legislator is None:
            continue  # deleted since the letter was written
        subject, body = compose(drive, letter_text(drive, legislator.language), legislator, letter)
        delivery = LetterDelivery(letter=letter, drive_id=drive.id, email_key=letter.email_key,
                                  legislator_id=legislator.id, slot_hour=schedule.take(legislator.id))
        delivery.outbox = enqueue("letter", legislator.email, subject, body, reply_to=letter.email)
        delivery.outbox.next_attempt_at = max(now, hour_start(delivery.slot_hour))
        db.session.add(delivery)
        queued += 1
    db.session.expire(letter, ["state", "released_at"])
    return queued


def signed(drive, email_key):
    """Whether the writer is a confirmed signer of the drive: their letters go before others'."""
    return db.session.scalar(select(Signature.id).where(
        Signature.drive_id == drive.id, Signature.email_key == email_key,
        Signature.state == SignatureState.CONFIRMED).limit(1)) is not None


def sent_counts(drive):
    """(letters sent on the drive, {legislator id: letters sent}), counting mail the server accepted."""
    rows = db.session.execute(
        select(LetterDelivery.legislator_id, func.count())
        .join(OutboxMessage, OutboxMessage.id == LetterDelivery.outbox_id)
        .where(LetterDelivery.drive_id == drive.id, OutboxMessage.state == MessageState.SENT)
        .group_by(LetterDelivery.legislator_id)
    ).all()
    per_legislator = dict(rows)
    return sum(per_legislator.values()), per_legislator


def public_sent_counts(drive):
    """(letters sent on the drive, {legislator id: Shown}) for the public: a legislator stands for a
    region, and each writer's letter goes to every legislator of theirs, so a count per legislator
    counts writers in one region and small ones are withheld (app/disclosure.py). One table for
    every page and the API, so that no two views can be set against each other."""
    sent, per_legislator = sent_counts(drive)
    return sent, disclosure.shown(per_legislator, total_shown=True)


def with_legislators(counts):
    """[(legislator, count)], most letters first, for {legislator id: count}."""
    if not counts:
        return []
    people = db.session.scalars(select(Legislator).where(Legislator.id.in_(counts)))
    return sorted(((p, counts[p.id]) for p in people), key=lambda pair: (disclosure.most_first(pair[1]), pair[0].name))
