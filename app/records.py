"""Small helpers shared by the importers and models."""

from datetime import UTC, datetime

from app.extensions import db


def utcnow():
    """Now, in UTC: the default of every timestamp column."""
    return datetime.now(UTC)


def today():
    """Today's date in UTC: the day statuses, drives and retention are reckoned on."""
    return utcnow().date()


def as_utc(moment):
    """A timestamp read back with its zone: SQLite returns them without one, and they were written in UTC."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def upsert_row(model, found, values):
    """Add a new row or update `found` in place; say which: created, updated or unchanged."""
    if found is None:
        db.session.add(model(**values))
        return "created"
    if all(getattr(found, name) == value for name, value in values.items()):
        return "unchanged"
    for name, value in values.items():
        setattr(found, name, value)
    return "updated"
