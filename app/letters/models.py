"""Legislators a drive's letters can go to."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.outbox.models import OutboxMessage
from app.records import utcnow
from app.revisions import PublicData


class Legislator(PublicData, db.Model):
    """A member of a country's parliament, as imported from CSV or Popolo JSON.

    Public data: who can be written to decides what a drive's cached page offers.
    """

    __tablename__ = "legislators"
    # Re-importing the same source updates its people: they are known by the source's own id.
    __table_args__ = (UniqueConstraint("iso2", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    iso2: Mapped[str] = mapped_column(String(2), index=True)
    source_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    # How letters address them, e.g. "Dr" or "Hon."; the CSV's title, Popolo's honorific_prefix.
    title: Mapped[str] = mapped_column(String(100), default="", server_default="")
    chamber: Mapped[str] = mapped_column(String(200), default="")
    party: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class LetterState(StrEnum):
    HELD = "held"  # waits until the writer proves the address is theirs
    RELEASED = "released"  # one outbox message per legislator, each at its time under the caps


class Letter(db.Model):
    """What one visitor wrote on a drive: their details and their own paragraph, sent to each target."""

    __tablename__ = "letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    drive_id: Mapped[int] = mapped_column(ForeignKey("drives.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), index=True)
    region: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str] = mapped_column(String(10))  # the writer's language, for their mail
    personal: Mapped[str] = mapped_column(Text, default="")  # plain text, never a template
    # Whom it was written to; a delivery per legislator is made when it is released.
    legislator_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    state: Mapped[LetterState] = mapped_column(String(20), default=LetterState.HELD)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deliveries: Mapped[list["LetterDelivery"]] = relationship(
        back_populates="letter", cascade="all, delete-orphan", passive_deletes=True
    )


class LetterDelivery(db.Model):
    """One letter to one legislator: a person writes to a legislator once per drive."""

    __tablename__ = "letter_deliveries"
    __table_args__ = (
        UniqueConstraint("drive_id", "email_key", "legislator_id"),
        Index("ix_letter_deliveries_legislator_slot", "legislator_id", "slot_hour"),
        Index("ix_letter_deliveries_email_slot", "email_key", "slot_hour"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"), index=True)
    drive_id: Mapped[int] = mapped_column(ForeignKey("drives.id", ondelete="CASCADE"))
    email_key: Mapped[str] = mapped_column(String(254))
    legislator_id: Mapped[int] = mapped_column(ForeignKey("legislators.id", ondelete="CASCADE"))
    # The hour (since the Unix epoch, UTC) the caps gave this delivery; set when the letter is released.
    slot_hour: Mapped[int | None]
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"), index=True)
    letter: Mapped[Letter] = relationship(back_populates="deliveries")
    outbox: Mapped[OutboxMessage | None] = relationship()
