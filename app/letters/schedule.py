"""When each letter may leave: the caps per legislator and per writer, hour by hour."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, select

from app.extensions import db
from app.letters.models import LetterDelivery
from app.petitions.models import Signature, SignatureState


def hour_start(hour):
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(hours=hour)


class Schedule:
    """Hours (since the epoch) in which letters may leave: per legislator per hour and per day, per writer per day.

    Hours and days are UTC clock hours and days. Each letter takes the earliest hour, from now
    on, in which none of its caps is full; nothing is refused, only later. Letters from writers
    who have not signed the drive may take only half of a legislator's hour and day, so that a
    flood of them cannot push a signer's letter back: a signer's finds room within the hour.
    """

    def __init__(self, legislator_ids, email_key, now, signed=True):
        config = current_app.config
        self.per_hour = config["LETTER_CAP_LEGISLATOR_HOUR"]
        self.per_day = config["LETTER_CAP_LEGISLATOR_DAY"]
        self.writer_per_day = config["LETTER_CAP_VISITOR_DAY"]
        self.signed = signed
        self.now_hour = int(now.timestamp() // 3600)
        since = self.now_hour - self.now_hour % 24
        self.hours, self.days, self.open_hours, self.open_days = Counter(), Counter(), Counter(), Counter()
        for legislator_id, hour, count, unsigned in db.session.execute(taken(legislator_ids, since)):
            self.hours[legislator_id, hour] += count
            self.days[legislator_id, hour // 24] += count
            self.open_hours[legislator_id, hour] += unsigned or 0
            self.open_days[legislator_id, hour // 24] += unsigned or 0
        self.writer_days = Counter()
        for hour, count in db.session.execute(
            select(LetterDelivery.slot_hour, func.count())
            .where(LetterDelivery.email_key == email_key, LetterDelivery.slot_hour >= since)
            .group_by(LetterDelivery.slot_hour)
        ):
            self.writer_days[hour // 24] += count

    def full(self, legislator_id, hour):
        """Which cap, if any, keeps this letter out of `hour`: "day" or "hour"."""
        day, key = hour // 24, (legislator_id, hour)
        if self.writer_days[day] >= self.writer_per_day or self.days[legislator_id, day] >= self.per_day:
            return "day"
        if not self.signed and self.open_days[legislator_id, day] >= max(1, self.per_day // 2):
            return "day"
        if self.hours[key] >= self.per_hour or (
                not self.signed and self.open_hours[key] >= max(1, self.per_hour // 2)):
            return "hour"
        return None

    def take(self, legislator_id):
        hour = self.now_hour
        while cap := self.full(legislator_id, hour):
            hour = (hour // 24 + 1) * 24 if cap == "day" else hour + 1
        day = hour // 24
        self.hours[legislator_id, hour] += 1
        self.days[legislator_id, day] += 1
        self.writer_days[day] += 1
        if not self.signed:
            self.open_hours[legislator_id, hour] += 1
            self.open_days[legislator_id, day] += 1
        return hour


def taken(legislator_ids, since):
    """(legislator, hour, letters, letters from writers who have not signed that drive) from `since` on."""
    signer = select(Signature.id).where(
        Signature.drive_id == LetterDelivery.drive_id, Signature.email_key == LetterDelivery.email_key,
        Signature.state == SignatureState.CONFIRMED).exists()
    return (
        select(LetterDelivery.legislator_id, LetterDelivery.slot_hour, func.count(),
               func.sum(case((signer, 0), else_=1)))
        .where(LetterDelivery.legislator_id.in_(legislator_ids), LetterDelivery.slot_hour >= since)
        .group_by(LetterDelivery.legislator_id, LetterDelivery.slot_hour)
    )
