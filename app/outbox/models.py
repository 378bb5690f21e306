"""Mail waiting to be sent, written in the same transaction as what caused it."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.records import utcnow


class MessageState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker until next_attempt_at (its lease)
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry; kept for a person to look at
    DROPPED = "dropped"  # what it was about (a signature, a letter) was gone before it could be written


class OutboxMessage(db.Model):
    """One e-mail and its delivery state.

    Mail written by the worker (see services.enqueue_later) has no subject or text until it is
    sent: it names what it is about (`about_id`, by `kind`) and the language to write it in.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    reply_to: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(300))
    text: Mapped[str | None] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    state: Mapped[MessageState] = mapped_column(String(20), default=MessageState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    # For mail about a campaign: the one-click unsubscribe link (List-Unsubscribe, RFC 8058).
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    # For mail the worker writes at send time: the row it is about, and the recipient's language.
    about_id: Mapped[int | None]
    locale: Mapped[str | None] = mapped_column(String(20))
    # For a drive update mailed to its supporters: which update (about_id is then the signature).
    update_id: Mapped[int | None] = mapped_column(index=True)
