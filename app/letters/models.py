"""Legislators a drive's letters can go to."""

from datetime import datetime

from sqlalchemy import DateTime, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.records import utcnow



class Legislator(db.Model):
    """A member of a country's parliament, as imported from CSV or Popolo JSON."""

    __tablename__ = "legislators"
    # Re-importing the same source updates its people: they are known by the source's own id.
    __table_args__ = (UniqueConstraint("iso2", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    iso2: Mapped[str] = mapped_column(String(2), index=True)
    source_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    chamber: Mapped[str] = mapped_column(String(200), default="")
    party: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
