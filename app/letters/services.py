"""Who a drive's letters go to, in which language, and when each may leave under the caps."""

import hashlib
import hmac
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from flask import current_app, session
from sqlalchemy import case, func, select, text, update

from app.countries import geo
from app.countries.caching import seen_revision
from app.extensions import cache, db
from app.i18n import languages, maximized
from app.letters import templates
from app.letters.models import Legislator, Letter, LetterDelivery, LetterState
from app.outbox.models import MessageState, OutboxMessage
from app.outbox.services import enqueue
from app.petitions.models import Signature, SignatureState

SUBJECT_MAX = 300  # the outbox's subject column
PROOFS_KEPT = 10  # addresses a browser has proved it reads, remembered in its session
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


def regions(targets):
    """The regions the targets stand for, for the visitor to pick theirs."""
    return sorted({legislator.region for legislator in targets if legislator.region}, key=str.casefold)


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


# Proof that this browser reads an address: set when its owner presses a confirmation button.
# A keyed digest, so that the (signed, not encrypted) session cookie does not carry the address
# and no one can forge the proof for another address.

def proof(email_key):
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"letter-proof:" + email_key.encode(), hashlib.sha256).hexdigest()


def remember_proof(email_key):
    proofs = [p for p in session.get("proofs", []) if p != proof(email_key)]
    session["proofs"] = [*proofs, proof(email_key)][-PROOFS_KEPT:]


def proven(email_key):
    return proof(email_key) in session.get("proofs", [])


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
    since = datetime.now(UTC) - timedelta(seconds=current_app.config["CONFIRMATION_MAX_AGE"])
    waiting = db.session.scalar(select(func.count()).select_from(Letter).where(
        Letter.email_key == email_key, Letter.state == LetterState.HELD, Letter.created_at >= since))
    return waiting < LINKS_MAX


def check_renders(letter, drive):
    """Compose the letter to each of its legislators, so that one the drive's template cannot make
    (templates.LetterTemplateError) is refused before its writer is asked to confirm it."""
    for legislator in db.session.scalars(select(Legislator).where(Legislator.id.in_(letter.legislator_ids))):
        compose(drive, letter_text(drive, legislator.language), legislator, letter)


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
    return datetime.now(UTC)


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


def hour_start(hour):
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(hours=hour)


class Schedule:
    """Hours (since the epoch) in which letters may leave: per legislator per hour and per day, per writer per day.

    Hours and days are UTC clock hours and days. Each letter takes the earliest hour, from now
    on, in which none of its caps is full; nothing is refused, only later. Letters from writers
    who have not signed the drive may take only half of a legislator's hour and day, so that a
    flood of them cannot push a signer's letter back: a signer's finds room within the hour.
    """

    def __init__(self, legislator_ids, email_key, now, signed=True):
        config = current_app.config
        self.per_hour = config["LETTER_CAP_LEGISLATOR_HOUR"]
        self.per_day = config["LETTER_CAP_LEGISLATOR_DAY"]
        self.writer_per_day = config["LETTER_CAP_VISITOR_DAY"]
        self.signed = signed
        self.now_hour = int(now.timestamp() // 3600)
        since = self.now_hour - self.now_hour % 24
        self.hours, self.days, self.open_hours, self.open_days = Counter(), Counter(), Counter(), Counter()
        for legislator_id, hour, count, unsigned in db.session.execute(taken(legislator_ids, since)):
            self.hours[legislator_id, hour] += count
            self.days[legislator_id, hour // 24] += count
            self.open_hours[legislator_id, hour] += unsigned or 0
            self.open_days[legislator_id, hour // 24] += unsigned or 0
        self.writer_days = Counter()
        for hour, count in db.session.execute(
            select(LetterDelivery.slot_hour, func.count())
            .where(LetterDelivery.email_key == email_key, LetterDelivery.slot_hour >= since)
            .group_by(LetterDelivery.slot_hour)
        ):
            self.writer_days[hour // 24] += count

    def full(self, legislator_id, hour):
        """Which cap, if any, keeps this letter out of `hour`: "day" or "hour"."""
        day, key = hour // 24, (legislator_id, hour)
        if self.writer_days[day] >= self.writer_per_day or self.days[legislator_id, day] >= self.per_day:
            return "day"
        if not self.signed and self.open_days[legislator_id, day] >= max(1, self.per_day // 2):
            return "day"
        if self.hours[key] >= self.per_hour or (
                not self.signed and self.open_hours[key] >= max(1, self.per_hour // 2)):
            return "hour"
        return None

    def take(self, legislator_id):
        hour = self.now_hour
        while cap := self.full(legislator_id, hour):
            hour = (hour // 24 + 1) * 24 if cap == "day" else hour + 1
        day = hour // 24
        self.hours[legislator_id, hour] += 1
        self.days[legislator_id, day] += 1
        self.writer_days[day] += 1
        if not self.signed:
            self.open_hours[legislator_id, hour] += 1
            self.open_days[legislator_id, day] += 1
        return hour


def taken(legislator_ids, since):
    """(legislator, hour, letters, letters from writers who have not signed that drive) from `since` on."""
    signer = select(Signature.id).where(
        Signature.drive_id == LetterDelivery.drive_id, Signature.email_key == LetterDelivery.email_key,
        Signature.state == SignatureState.CONFIRMED).exists()
    return (
        select(LetterDelivery.legislator_id, LetterDelivery.slot_hour, func.count(),
               func.sum(case((signer, 0), else_=1)))
        .where(LetterDelivery.legislator_id.in_(legislator_ids), LetterDelivery.slot_hour >= since)
        .group_by(LetterDelivery.legislator_id, LetterDelivery.slot_hour)
    )


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


def with_legislators(counts):
    """[(legislator, count)], most letters first, for {legislator id: count}."""
    if not counts:
        return []
    people = db.session.scalars(select(Legislator).where(Legislator.id.in_(counts)))
    return sorted(((p, counts[p.id]) for p in people), key=lambda pair: (-pair[1], pair[0].name))
