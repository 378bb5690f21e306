"""The back office's side of updates: writing them, publishing them, mailing them once, counting the mail."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, literal, literal_column, select, update
from sqlalchemy.types import DateTime

from app.extensions import db
from app.outbox.models import MessageState, OutboxMessage
from app.outbox.services import enqueue_later
from app.petitions.drives import text_in
from app.petitions.models import Signature, SignatureState
from app.records import utcnow
from app.updates.models import Update, UpdateKind, UpdateText

TITLE_MAX = 200
BODY_MAX = 20_000
LINK_MAX = 500
EARLIEST = date(2000, 1, 1)  # no drive of this campaign happened before
AHEAD = timedelta(days=2 * 366)  # a debate or a hand-over may be planned, not years ahead
# Which of a milestone's facts each kind has; all of them are required for that kind.
FACTS = {
    UpdateKind.NEWS: (),
    UpdateKind.HANDED_OVER: ("happened_on", "handed_to", "signatures_handed"),
    UpdateKind.RESPONSE: ("link",),
    UpdateKind.DEBATE: ("happened_on", "link"),
    UpdateKind.OUTCOME: ("outcome",),
}
ALL_FACTS = ("happened_on", "handed_to", "signatures_handed", "link", "outcome")
UPDATE_MAIL, TEST_MAIL = "update", "update_test"
MARKUP = re.compile(r"<[A-Za-z/!]")  # a tag, a closing tag or a comment; "<3" or "a < b" are plain text


def link_problem(value):
    """Why `value` is not a web address a supporter may follow, or None."""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or any(c.isspace() for c in value):
        return _l("Please give a web address starting with https:// or http://.")
    return None


def date_problem(day, today):
    """Why `day` cannot be a milestone's date, or None."""
    if not EARLIEST <= day <= today + AHEAD:
        return _l("Please give a date between %(first)s and %(last)s.", first=EARLIEST.isoformat(),
                  last=(today + AHEAD).isoformat())
    return None


def html_problem(text):
    """Staff write plain text: markup would show as text, so say so before it is published."""
    if MARKUP.search(text):
        return _l("Please write plain text, without HTML: it would be shown as it is typed.")
    return None


def facts(update_):
    """The update's kind and milestone facts, as the audit log records them."""
    return {"kind": str(update_.kind), **{name: getattr(update_, name) for name in ALL_FACTS}}


def save_facts(update_, kind, values):
    """Set the kind and its facts; the facts another kind has are cleared."""
    update_.kind = UpdateKind(kind)
    for name in ALL_FACTS:
        setattr(update_, name, values.get(name) if name in FACTS[update_.kind] else None)
    if update_.id is None:
        db.session.add(update_)
        db.session.flush()


def save_text(update_, tag, title, body):
    """Write (or correct, even once published) the title and body in one language."""
    text = text_in(update_, tag)
    if text is None:
        text = UpdateText(locale=tag)
        update_.texts.append(text)
    text.title, text.body = title, body
    update_.updated_at = utcnow()  # what the feed's readers see as the entry's change
    return text


def fallbacks(update_, languages, main_locale):
    """The languages whose readers get the main language's text, the update having none of its own."""
    written = {t.locale for t in update_.texts}
    return [tag for tag in languages if tag not in written and tag != main_locale]


class Published(StrEnum):
    PUBLISHED = "published"
    ALREADY = "already"  # published before; only mailing may be new
    NEEDS_MAIN_TEXT = "needs_main_text"


@dataclass(frozen=True)
class Publishing:
    """What pressing "publish" did: the update's new state, and how many mails it queued (None: none)."""

    outcome: Published
    mailed: int | None = None


def publish(update_, main_locale, mail_it, now, rate):
    """Publish the update (once) and, if asked, mail it (once); never commits."""
    if text_in(update_, main_locale) is None:
        return Publishing(Published.NEEDS_MAIN_TEXT)
    outcome = Published.ALREADY if update_.published_at else Published.PUBLISHED
    if update_.published_at is None:
        update_.published_at = now
        db.session.flush()
    return Publishing(outcome, mail(update_, now, rate) if mail_it else None)


def mail(update_, now, rate):
    """Queue the update for every consenting signer, or None if it was mailed before.

    The database decides: only the transaction whose UPDATE moves mailed_at from NULL queues the
    mail (the row lock makes a second press, tab or colleague wait, then find it set), so an update
    is mailed at most once; the queueing is in the same transaction, undone with it.
    """
    claimed = db.session.execute(
        update(Update).where(Update.id == update_.id, Update.mailed_at.is_(None), Update.published_at.is_not(None))
        .values(mailed_at=now, updated_at=Update.updated_at)  # mailing changes nothing a reader sees
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return None
    count = db.session.execute(queue(update_.id, update_.drive_id, now, rate)).rowcount
    db.session.execute(update(Update).where(Update.id == update_.id).values(mailed_count=count, updated_at=Update.updated_at)
                       .execution_options(synchronize_session=False))
    db.session.refresh(update_)
    return count


def queue(update_id, drive_id, now, rate):
    """One INSERT ... SELECT: a message per consenting confirmed signer, `rate` of them due per minute.

    The rows never pass through Python, however many there are; the worker writes each mail in its
    reader's language when it sends it (app/updates/mail.py).
    """
    place = func.row_number().over(order_by=Signature.id) - 1
    signers = select(
        literal(UPDATE_MAIL), Signature.email, Signature.id, Signature.locale, literal(update_id),
        literal(str(MessageState.PENDING)), literal(0), minutes_after(now, place // rate), literal(now, DateTime(True)),
    ).where(Signature.drive_id == drive_id, Signature.state == SignatureState.CONFIRMED, Signature.consent_updates)
    columns = ("kind", "recipient", "about_id", "locale", "update_id", "state", "attempts", "next_attempt_at",
               "created_at")
    # preserve_rowcount: SQLAlchemy reports an INSERT's rowcount only when asked (psycopg says -1 otherwise).
    return insert(OutboxMessage.__table__).from_select(columns, signers).execution_options(preserve_rowcount=True)


def minutes_after(start, minutes):
    """`start` plus a whole number of minutes, in SQL, stored as the DateTime column stores it."""
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLAlchemy keeps SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' text. SQLite's own arithmetic
        # rounds to milliseconds, which could put a message after `start`: it adds the minutes to the
        # whole seconds, and the microseconds are put back as they were.
        text = literal(start, DateTime(True))
        whole = func.strftime(literal_column("'%Y-%m-%d %H:%M:%S'"), func.substr(text, 1, 19),
                              literal("+") + minutes.cast(db.String) + literal(" minutes"))
        return whole.concat(func.substr(text, 20))
    return literal(start, DateTime(True)) + minutes * literal_column("interval '1 minute'")


def send_test(update_, tag, address):
    """Queue the update, written as signers get it in `tag`, to a member of staff: not a mailing."""
    enqueue_later(TEST_MAIL, address, update_.id, tag)


@dataclass(frozen=True)
class MailCounts:
    queued: int = 0
    sent: int = 0
    failed: int = 0
    dropped: int = 0


def counts(update_ids):
    """update id -> its mail's counts, from one GROUP BY on the outbox."""
    rows = db.session.execute(
        select(OutboxMessage.update_id, OutboxMessage.state, func.count())
        .where(OutboxMessage.update_id.in_(update_ids)).group_by(OutboxMessage.update_id, OutboxMessage.state)
    ).all()
    found = {update_id: {} for update_id in update_ids}
    for update_id, state, count in rows:
        field = "queued" if state in {MessageState.PENDING, MessageState.SENDING} else str(state)
        found[update_id][field] = found[update_id].get(field, 0) + count
    return {update_id: MailCounts(**values) for update_id, values in found.items()}


def of_drive(drive_id):
    """The drive's updates, drafts included, newest first."""
    return select(Update).where(Update.drive_id == drive_id).order_by(Update.created_at.desc(), Update.id.desc())
