"""Write every staff change to the audit log, in the same transaction as the change."""

from flask_login import current_user

from app.extensions import db
from app.staff.models import AuditEntry


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
