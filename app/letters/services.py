"""Who a drive's letters go to."""

from sqlalchemy import select

from app.extensions import db
from app.letters.models import Legislator


def recipients(drive, region=None):
    """The drive's active target legislators, optionally only those of one region, by name."""
    query = select(Legislator).where(Legislator.iso2 == drive.iso2, Legislator.active)
    if "chamber" in drive.targets:
        query = query.where(Legislator.chamber == drive.targets["chamber"])
    elif "legislators" in drive.targets:
        query = query.where(Legislator.source_id.in_(drive.targets["legislators"]))
    if region:
        query = query.where(Legislator.region == region)
    return db.session.scalars(query.order_by(Legislator.name)).all()
