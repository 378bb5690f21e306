"""A drive's updates: the public's side (the timeline, the latest milestone, the feed)."""

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.petitions.models import VISIBLE, Drive
from app.updates.models import MILESTONES, Update

NEWEST_FIRST = (Update.published_at.desc(), Update.id.desc())


class Milestone(NamedTuple):
    """A published milestone and the drive it belongs to."""

    update: Update
    drive: Drive


def published(drive_id):
    """The drive's published updates, newest first, with their texts, in one query (never drafts)."""
    query = (select(Update).where(Update.drive_id == drive_id, Update.published_at.is_not(None))
             .options(joinedload(Update.texts)).order_by(*NEWEST_FIRST))
    return db.session.scalars(query).unique().all()


def latest_milestone(iso2):
    """The latest published milestone of the visible drives for country `iso2`, or None."""
    query = (select(Update, Drive).join(Drive, Drive.id == Update.drive_id)
             .where(Drive.iso2 == iso2.upper(), Drive.state.in_(VISIBLE), Update.published_at.is_not(None),
                    Update.kind.in_(MILESTONES))
             .order_by(*NEWEST_FIRST).limit(1))
    row = db.session.execute(query).first()
    return Milestone(*row) if row else None
