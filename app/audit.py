"""The audit log: every change by staff or a command, written in the same transaction as the change."""

from datetime import datetime

from flask_login import current_user
from sqlalchemy import JSON, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.records import utcnow


class AuditEntry(db.Model):
    """One change by staff (or an export): who, when, what, before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(254))  # kept as it was, whatever becomes of the account
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str] = mapped_column(String(200), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    source: Mapped[str | None] = mapped_column(Text)  # the source a data change was made on



def record(action, target, before=None, after=None, source=None, actor=None):
    """Add an entry to the caller's transaction; `actor` names a command-line user."""
    user = current_user if actor is None and current_user and current_user.is_authenticated else None
    entry = AuditEntry(
        user_id=user.id if user else None, actor=user.email if user else (actor or "unknown"),
        action=action, target=target, before=plain(before), after=plain(after), source=source,
    )
    db.session.add(entry)
    return entry


def plain(values):
    """JSON-ready values: dates and enums as text, only the fields that changed when both sides are given."""
    if values is None:
        return None
    return {k: (v if isinstance(v, (int, float, bool, type(None), list, dict)) else str(v)) for k, v in values.items()}


def changes(before, after):
    """(before, after) reduced to the fields whose values differ."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
