"""Staff accounts (the audit log of what they change is app.audit)."""

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.records import utcnow


class Role(StrEnum):
    ADMIN = "admin"  # accounts, and everything the others do
    CAMPAIGNER = "campaigner"  # drives, letters, legislators, treaty and moratorium data
    ORGANISER = "organiser"  # progress and exports


class User(UserMixin, db.Model):
    """A member of staff who logs in to the back office."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    # Changes when the password does, which ends every session opened with the old one.
    session_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return self.session_token

    def may(self, *roles):
        """True for an admin, or for a member of staff in one of `roles`."""
        return self.role == Role.ADMIN or self.role in roles
