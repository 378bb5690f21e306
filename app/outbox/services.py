"""Queue mail in the caller's transaction; deliver it later, with retries and backoff."""

import logging
import smtplib
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_mail import Message
from sqlalchemy import select

from app.extensions import db, mail
from app.outbox.models import MessageState, OutboxMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def enqueue(kind, recipient, subject, text, html=None, reply_to=None):
    """Add a message to the session; it is sent only if the caller's transaction commits."""
    message = OutboxMessage(kind=kind, recipient=recipient, subject=subject, text=text,
                            html=html, reply_to=reply_to)
    db.session.add(message)
    return message


def backoff(attempts):
    """Wait before the next try: 30 s, 1 min, 2 min... at most an hour."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def due(limit):
    """Pending messages whose time has come, locked so that side-by-side workers skip them."""
    return (
        select(OutboxMessage)
        .where(OutboxMessage.state == MessageState.PENDING,
               OutboxMessage.next_attempt_at <= datetime.now(UTC))
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


def deliver_batch(limit=50):
    """Send one batch of due messages and commit their new states; return (tried, sent)."""
    messages = db.session.scalars(due(limit)).all()
    sent = 0
    try:
        with Sender() as sender:
            for message in messages:
                sent += attempt(sender, message)
    except (smtplib.SMTPException, OSError) as error:  # no connection at all: retry them all
        for message in messages:
            if message.state == MessageState.PENDING and message.sent_at is None:
                failed(message, error)
    db.session.commit()
    return len(messages), sent


def attempt(sender, message):
    try:
        sender.send(message)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
        failed(message, error)
        return 0
    message.state, message.sent_at = MessageState.SENT, datetime.now(UTC)
    return 1


def failed(message, error):
    message.attempts += 1
    message.last_error = str(error)[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.state = MessageState.FAILED
        log.error("giving up on outbox message %s after %s attempts: %s", message.id, message.attempts, error)
    else:
        message.next_attempt_at = datetime.now(UTC) + backoff(message.attempts)


class Sender:
    """An SMTP connection through Flask-Mail, or the development mailbox when MAIL_SERVER is unset."""

    def __enter__(self):
        self.connection = mail.connect().__enter__() if current_app.config["MAIL_SERVER"] else None
        return self

    def __exit__(self, *exc):
        if self.connection is not None:
            self.connection.__exit__(*exc)

    def send(self, message):
        if self.connection is None:
            log.warning("development mailbox (no MAIL_SERVER): %s to %s", message.subject, message.recipient)
            return
        self.connection.send(as_mail(message))


def as_mail(message):
    return Message(
        subject=message.subject, recipients=[message.recipient], body=message.text,
        html=message.html, reply_to=message.reply_to,
    )


def work(limit=50):
    """Deliver due messages batch after batch until none are due; return how many were sent."""
    total = 0
    while True:
        tried, sent = deliver_batch(limit)
        total += sent
        if tried < limit:
            return total
