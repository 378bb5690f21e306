"""Country drives and their signatures."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, DateTime, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.records import utcnow
from app.revisions import PublicData


class DriveState(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


VISIBLE = frozenset({DriveState.OPEN, DriveState.CLOSED, DriveState.ARCHIVED})


def in_language(texts, tag, fallback):
    """Of a row's texts per language (a drive's, an update's), the one in `tag`, else in `fallback`."""
    by_tag = {t.locale: t for t in texts}
    return by_tag.get(tag) or by_tag.get(fallback)


class Drive(PublicData, db.Model):
    """A campaign for one country: petition texts per language, a goal, dates."""

    __tablename__ = "drives"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    iso2: Mapped[str] = mapped_column(String(2), index=True)
    state: Mapped[DriveState] = mapped_column(String(20), default=DriveState.DRAFT)
    opens_on: Mapped[date | None] = mapped_column(Date)
    closes_on: Mapped[date | None] = mapped_column(Date)
    goal: Mapped[int]
    main_locale: Mapped[str] = mapped_column(String(10))
    # Who the drive's letters go to: {"all": true}, {"chamber": name} or {"legislators": [ids]}.
    targets: Mapped[dict] = mapped_column(JSON, default=lambda: {"all": True})
    # Confirmed signatures, kept exact by the same transactions that confirm or withdraw.
    confirmed_count: Mapped[int] = mapped_column(default=0)
    # Signatures gathered on paper (app/petitions/paper.py), kept exact by the same transactions
    # that add or remove a batch of them.
    paper_count: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    texts: Mapped[list["DriveText"]] = relationship(
        back_populates="drive", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def total(self):
        """Every signature counted: confirmed online, and on paper."""
        return self.confirmed_count + self.paper_count

    def text(self, tag):
        """The texts in language `tag`, else in the drive's main language."""
        return in_language(self.texts, tag, self.main_locale)

    def signable_on(self, day):
        """True while the drive is open and `day` lies within its dates."""
        return (
            self.state == DriveState.OPEN
            and (self.opens_on is None or self.opens_on <= day)
            and (self.closes_on is None or day <= self.closes_on)
        )


class DriveText(PublicData, db.Model):
    """A drive's title, summary and petition in one language."""

    __tablename__ = "drive_texts"
    __table_args__ = (UniqueConstraint("drive_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drive_id: Mapped[int] = mapped_column(ForeignKey("drives.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    petition: Mapped[str] = mapped_column(Text)
    # The letter to legislators in this language: sandboxed Jinja with the merge fields only.
    letter_subject: Mapped[str | None] = mapped_column(String(300))
    letter_body: Mapped[str | None] = mapped_column(Text)
    drive: Mapped[Drive] = relationship(back_populates="texts")


class SignatureState(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"


class Signature(db.Model):
    """One person's signature on one drive; counted once confirmed by e-mail."""

    __tablename__ = "signatures"
    # One signature per person per drive, whatever the case of the address: two
    # simultaneous submissions cannot both land.
    __table_args__ = (UniqueConstraint("drive_id", "email_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drive_id: Mapped[int] = mapped_column(ForeignKey("drives.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254))
    residence: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(100), default="")
    locale: Mapped[str] = mapped_column(String(10))
    consent_updates: Mapped[bool] = mapped_column(default=False)
    # Counted everywhere, but left out of the names handed to parliament: only their number goes.
    unnamed: Mapped[bool] = mapped_column(default=False, server_default=false())
    state: Mapped[SignatureState] = mapped_column(String(20), default=SignatureState.PENDING)
    confirmation_sends: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PaperKind(StrEnum):
    ROWS = "rows"  # names uploaded as a CSV file
    COUNT = "count"  # a number, with an attestation of where the sheets are


class PaperBatch(PublicData, db.Model):
    """Signatures gathered on paper at one event, recorded by staff: names or a count."""

    __tablename__ = "paper_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    drive_id: Mapped[int] = mapped_column(ForeignKey("drives.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PaperKind] = mapped_column(String(10))
    count: Mapped[int]
    gathered_on: Mapped[date] = mapped_column(Date)
    event: Mapped[str] = mapped_column(String(200))
    held_by: Mapped[str] = mapped_column(String(200))  # who keeps the sheets
    created_by: Mapped[str] = mapped_column(String(254))  # as the audit log names its actor
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PaperSignature(db.Model):
    """One name from a paper sheet. No e-mail address: nothing that mails signers can reach it."""

    __tablename__ = "paper_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("paper_batches.id", ondelete="CASCADE"), index=True)
    drive_id: Mapped[int] = mapped_column(ForeignKey("drives.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2))
