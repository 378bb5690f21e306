"""Dates only as precise as their source: a year, a month or a day."""

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from babel.dates import format_date, format_skeleton
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class Precision(StrEnum):
    YEAR = "year"
    MONTH = "month"
    DAY = "day"


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to a year, a month or a day; `2014` is a year, not 1 January 2014."""

    start: date
    precision: Precision

    @classmethod
    def parse(cls, text):
        """Read `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; raise ValueError with a reason otherwise."""
        match = PATTERN.match(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not a date: write YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = match.groups()
        precision = Precision.DAY if day else Precision.MONTH if month else Precision.YEAR
        try:
            return cls(date(int(year), int(month or 1), int(day or 1)), precision)
        except ValueError as error:
            raise ValueError(f"{text!r} is not a date: {error}") from None

    @property
    def end(self):
        """The last day the date may stand for."""
        if self.precision is Precision.DAY:
            return self.start
        if self.precision is Precision.MONTH:
            last = calendar.monthrange(self.start.year, self.start.month)[1]
            return self.start.replace(day=last)
        return self.start.replace(month=12, day=31)

    def certainly_by(self, day):
        """True when the event surely happened on or before `day`."""
        return self.end <= day

    def isoformat(self):
        """The date written as precisely as it is known."""
        return self.start.isoformat()[: {"year": 4, "month": 7, "day": 10}[self.precision]]

    def format(self, locale):
        """The date in the words of `locale`, at its own precision."""
        if self.precision is Precision.DAY:
            return format_date(self.start, format="long", locale=locale)
        skeleton = "yMMMM" if self.precision is Precision.MONTH else "y"
        return format_skeleton(skeleton, self.start, locale=locale)

    def __str__(self):
        return self.isoformat()


def happened_by(day, *dates):
    """True when any of `dates` (None for unknown) surely lies on or before `day`."""
    return any(d is not None and d.certainly_by(day) for d in dates)


class PartialDateType(TypeDecorator):
    """Stores a PartialDate as its ISO text, which keeps the precision with the value."""

    impl = String(10)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else value.isoformat()

    def process_result_value(self, value, dialect):
        return None if value is None else PartialDate.parse(value)
