"""Updates to a drive's supporters, each with a title and body per language."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.petitions.models import in_language
from app.records import utcnow
from app.revisions import PublicData


class UpdateKind(StrEnum):
    NEWS = "news"
    HANDED_OVER = "handed_over"  # happened_on, handed_to, signatures_handed
    RESPONSE = "response"  # the government's response: the body quotes it, link points to it
    DEBATE = "debate"  # happened_on, link
    OUTCOME = "outcome"  # outcome


MILESTONES = frozenset({UpdateKind.HANDED_OVER, UpdateKind.RESPONSE, UpdateKind.DEBATE, UpdateKind.OUTCOME})


class Outcome(StrEnum):
    WON = "won"
    PARTLY_WON = "partly_won"
    LOST = "lost"


class Update(PublicData, db.Model):
    """One update to a drive: a draft until published; mailed at most once (mailed_at)."""

    __tablename__ = "drive_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    drive_id: Mapped[int] = mapped_column(ForeignKey("drives.id", ondelete="CASCADE"), index=True)
    kind: Mapped[UpdateKind] = mapped_column(String(20), default=UpdateKind.NEWS)
    # Milestones' own facts; which apply depends on the kind (see UpdateKind).
    happened_on: Mapped[date | None] = mapped_column(Date)
    handed_to: Mapped[str | None] = mapped_column(String(300))
    signatures_handed: Mapped[int | None]
    link: Mapped[str | None] = mapped_column(String(500))
    outcome: Mapped[Outcome | None] = mapped_column(String(20))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # None: a draft
    # "Mail it": set once, by the one statement that queues the mail (never twice).
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mailed_count: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    texts: Mapped[list["UpdateText"]] = relationship(
        back_populates="update", cascade="all, delete-orphan", lazy="selectin"
    )

    def text(self, tag, main_locale):
        """The texts in language `tag`, else in the drive's main language."""
        return in_language(self.texts, tag, main_locale)


class UpdateText(PublicData, db.Model):
    """An update's title and body (plain text: paragraphs and links, never HTML) in one language."""

    __tablename__ = "drive_update_texts"
    __table_args__ = (UniqueConstraint("update_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("drive_updates.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    update: Mapped[Update] = relationship(back_populates="texts")
