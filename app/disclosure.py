"""Counts of people by place, as they may leave the back office: none small enough to single anyone out.

A count below MIN_PUBLIC_COUNT is withheld ("fewer than 5"), and enough others with it (the
smallest first) that it cannot be worked back out by subtracting the shown cells from a total,
as statistics offices do (primary and secondary cell suppression). docs/organisers.md explains it.
"""

from dataclasses import dataclass

from flask import current_app
from flask_babel import format_number
from flask_babel import gettext as _


@dataclass(frozen=True)
class Shown:
    """One cell of a table as it may be shown: its count, or None when withheld."""

    value: int | None
    threshold: int
    small: bool = False  # withheld for being below the threshold, not to protect another cell

    @property
    def withheld(self):
        return self.value is None

    def __str__(self):
        if not self.withheld:
            return format_number(self.value)
        if self.small:
            return _("fewer than %(num)s", num=format_number(self.threshold))
        return _("withheld")


def most_first(count):
    """A sort key, most first, for an exact count or a Shown cell: withheld cells go after the
    shown ones, in no order of theirs (an order by their hidden values would narrow them down)."""
    if isinstance(count, Shown):
        return (count.withheld, -(count.value or 0))
    return (False, -count)


def shown(counts, total_shown=True, threshold=None):
    """{key: Shown} for {key: count}: small cells withheld, and as many more as keep them withheld.

    Without `total_shown`, a lone withheld cell gets a companion. With it (the page gives the
    table's sum, or the drive's total), the total less the shown cells must leave every small cell
    anywhere from 1 to threshold - 1.
    """
    threshold = threshold or current_app.config["MIN_PUBLIC_COUNT"]
    small = {key for key, count in counts.items() if 0 < count < threshold}
    hidden = set(small)
    while hidden and (missing := shortfall(counts, small, hidden, threshold, total_shown)) is not None:
        companions = sorted((count, str(key), key) for key, count in counts.items() if key not in hidden and count > 0)
        if not companions:
            break  # every count is withheld: only the total is left to show
        enough = [companion for companion in companions if companion[0] - threshold >= missing]
        hidden.add(enough[0][2] if enough else companions[-1][2])  # the smallest that does, else the largest
    return {key: Shown(None if key in hidden else count, threshold, key in small) for key, count in counts.items()}


def shortfall(counts, small, hidden, threshold, total_shown):
    """How much more the withheld cells must hide beyond a companion's threshold, or None when they are safe.

    A reader knows each small cell is 1 to threshold - 1 and each companion at least the
    threshold; what the withheld cells hold beyond that (the slack) is what a small cell's value
    can range over, and one companion at least lets the small cells take any value within their own.
    """
    if not total_shown:
        return None if len(hidden) > 1 else 0
    companions = hidden - small
    slack = sum(counts[key] for key in hidden) - len(hidden & small) - threshold * len(companions)
    if companions and slack >= threshold - 2:
        return None
    return max(threshold - 2 - slack, 0)
