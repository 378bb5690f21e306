"""Queue mail in the caller's transaction; deliver it later, with retries and backoff."""

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email import charset as email_charset

from flask import current_app
from flask_mail import Message
from sqlalchemy import insert, select, update

from app.extensions import db, mail
from app.outbox.models import MessageState, OutboxMessage
from app.records import utcnow

log = logging.getLogger(__name__)
# Flask-Mail registers UTF-8 with no body encoding, so a long paragraph is one line longer than the
# 998 octets SMTP allows (RFC 5321) and a standard server refuses the mail. Quoted-printable keeps
# every line under 76 characters, whatever the language.
email_charset.add_charset("utf-8", email_charset.SHORTEST, email_charset.QP, "utf-8")
MAX_ATTEMPTS = 8  # tries that failed because of the message itself (refused recipient...)
SERVER_RETRY = timedelta(minutes=1)  # while the server is down, for as long as it is down
LEASE = timedelta(minutes=5)  # how long a worker's claim on a batch holds if the worker dies


WRITERS = {}  # kind -> function(message) -> Mail, or None when what the mail was about is gone


@dataclass(frozen=True)
class Mail:
    """A message's parts, as a writer registered with `writes` makes them at send time."""

    subject: str
    text: str
    html: str | None = None
    unsubscribe_url: str | None = None


def enqueue(kind, recipient, subject, text, html=None, reply_to=None, unsubscribe_url=None):
    """Add a written message to the session; it is sent only if the caller's transaction commits."""
    message = OutboxMessage(kind=kind, recipient=recipient, subject=subject, text=text,
                            html=html, reply_to=reply_to, unsubscribe_url=unsubscribe_url)
    db.session.add(message)
    return message


def enqueue_later(kind, recipient, about_id, locale):
    """Add a message the worker writes when it sends it, in `locale`, about row `about_id` of `kind`.

    The request stores only this: rendering templates and making links is the worker's work.
    """
    db.session.execute(insert(OutboxMessage.__table__), {
        "kind": kind, "recipient": recipient, "about_id": about_id, "locale": locale})


def writes(kind):
    """Register the function that writes mail of `kind` queued with `enqueue_later`."""
    def register(function):
        WRITERS[kind] = function
        return function
    return register


def write(message):
    """Fill in a message queued unwritten; False when what it was about is gone (withdrawn, erased)."""
    if message.text is not None:
        return True
    mail = WRITERS[message.kind](message)
    if mail is None:
        return False
    message.subject, message.text, message.html = mail.subject, mail.text, mail.html
    message.unsubscribe_url = mail.unsubscribe_url
    return True


def render_mail(name, **context):
    """A mail template rendered without the page context processors (language links etc.)."""
    return current_app.jinja_env.get_template(name).render(**context)


def backoff(attempts):
    """Wait before the next try: 30 s, 1 min, 2 min... at most an hour."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def is_due(now):
    """Pending and due, or claimed by a worker whose lease ran out."""
    return (OutboxMessage.state.in_([MessageState.PENDING, MessageState.SENDING])
            & (OutboxMessage.next_attempt_at <= now))


def due(limit, now):
    """The ids of the first `limit` messages due; rows another worker has locked are skipped (PostgreSQL)."""
    return (
        select(OutboxMessage.id).where(is_due(now)).order_by(OutboxMessage.id).limit(limit)
        .with_for_update(skip_locked=True)
    )


def claim(limit, now):
    """Take a batch for this worker, committed, so that each message's outcome can be committed alone.

    One UPDATE that re-checks each row is still due: however many workers or request threads
    claim at once, on PostgreSQL or SQLite, each message goes to one of them. A worker that dies
    holding a claim gives its messages up when the lease runs out.
    """
    claimed = db.session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due(limit, now).scalar_subquery()), is_due(now))
        .values(state=MessageState.SENDING, next_attempt_at=now + LEASE)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)
    ).all()


def deliver_batch(limit=50, now=None):
    """Send one batch of messages due at `now`, committing each one's new state; return (tried, sent).

    Each message is recorded as sent as soon as the server has taken it: a worker killed
    mid-batch sends none of the finished ones again, and leaves the rest to the next worker.
    """
    now = now or utcnow()
    messages = claim(limit, now)
    sent, current = 0, None
    try:
        with Sender() as sender:
            for current in messages:
                sent += attempt(sender, current)
                db.session.commit()
    except (smtplib.SMTPException, OSError, UndeliverableHere) as error:
        # The server, not a message, failed: wait and retry the rest, without using up their tries;
        # but a server that hung up in the middle of one message may be refusing that message.
        db.session.rollback()
        hung_up_on = current if isinstance(error, smtplib.SMTPServerDisconnected) else None
        for message in messages:
            if message.state == MessageState.SENDING:
                failed(message, error, counts=message is hung_up_on)
        db.session.commit()
    return len(messages), sent


def attempt(sender, message):
    """Write (if need be) and send one message; a refusal or a bad message fails only that message."""
    try:
        if not write(message):
            message.state = MessageState.DROPPED
            return 0
        sender.send(message)
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError):
        raise  # the connection is gone: the whole batch waits (deliver_batch counts a hang-up mid-message)
    except smtplib.SMTPException as error:  # refused recipient or data: this message only
        failed(message, error)
        return 0
    except OSError:
        raise  # the network, not the message (SMTPException is an OSError too, hence the order)
    except Exception as error:  # bad header, unencodable address, a template that cannot be written...
        log.warning("outbox message %s not sent: %s", message.id, type(error).__name__)
        failed(message, error)
        return 0
    message.state, message.sent_at = MessageState.SENT, utcnow()
    return 1


def failed(message, error, counts=True):
    """Record a failed try; give up after MAX_ATTEMPTS tries that were the message's own fault."""
    message.last_error = f"{type(error).__name__}: {error}"[:2000]  # some errors (BadHeaderError) say nothing
    message.attempts += counts
    if message.attempts >= MAX_ATTEMPTS:
        message.state = MessageState.FAILED
        log.error("giving up on outbox message %s after %s attempts", message.id, message.attempts)
    else:
        message.state = MessageState.PENDING
        wait = backoff(message.attempts) if counts else SERVER_RETRY
        message.next_attempt_at = utcnow() + wait


class UndeliverableHere(Exception):
    """No MAIL_SERVER outside development: mail waits until one is configured."""


class Sender:
    """An SMTP connection through Flask-Mail, or the development mailbox when MAIL_SERVER is unset."""

    def __enter__(self):
        self.connection = None
        if current_app.config["MAIL_SERVER"]:
            self.connection = mail.connect().__enter__()
        elif current_app.config["APP_ENV"] != "development":
            raise UndeliverableHere("MAIL_SERVER is not set")
        return self

    def __exit__(self, *exc):
        if self.connection is not None:
            self.connection.__exit__(*exc)

    def send(self, message):
        if self.connection is None:
            log.warning("development mailbox (no MAIL_SERVER): message %s, see /dev/mail", message.id)
            return
        self.connection.send(as_mail(message))


def as_mail(message):
    headers = {}
    if message.unsubscribe_url:  # mail clients then offer "unsubscribe", one click (RFC 8058)
        headers = {"List-Unsubscribe": f"<{message.unsubscribe_url}>",
                   "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    mail_message = Message(
        subject=message.subject, recipients=[message.recipient], body=message.text,
        html=message.html, reply_to=message.reply_to, extra_headers=headers,
    )
    # The same Message-ID on every try: should a worker die after the server took a message but
    # before its batch was recorded, the copy sent again is recognisably the same mail.
    mail_message.msgId = message_id(message, current_app.config["MAIL_DEFAULT_SENDER"])
    return mail_message


def message_id(message, sender):
    """<outbox-ID.CREATED@DOMAIN>: unique per message and stable across its tries."""
    domain = sender.rsplit("@", 1)[-1].rstrip(">").strip() or "localhost"
    return f"<outbox-{message.id}.{int(message.created_at.timestamp())}@{domain}>"


def deliver_inline():
    """Under `make run` (OUTBOX_INLINE), deliver what a request has just committed; elsewhere the worker does."""
    if current_app.config["OUTBOX_INLINE"]:
        work()


def work(limit=50, now=None):
    """Deliver due messages batch after batch until none are due; return how many were sent.

    `now` is the clock's time unless a test moves it forward (to see deferred letters leave).
    """
    total = 0
    while True:
        tried, sent = deliver_batch(limit, now)
        total += sent
        if tried < limit:
            return total
