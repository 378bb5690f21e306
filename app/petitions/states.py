"""A drive's state changes: one path for the back office and for `flask drives create|update`."""

from enum import StrEnum

from app.petitions.models import DriveState
from app.records import utcnow

ENDED = frozenset({DriveState.CLOSED, DriveState.ARCHIVED})


class StateChange(StrEnum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    NEEDS_MAIN_TEXT = "needs_main_text"  # a drive opens only with its main language's texts


def change_state(drive, target, day=None):
    """Move `drive` to `target`; a drive that has ended gets its last day, from which retention runs."""
    day = day or utcnow().date()
    if target == DriveState.OPEN and drive.state != target and drive.text(drive.main_locale) is None:
        return StateChange.NEEDS_MAIN_TEXT
    outcome = StateChange.UNCHANGED if drive.state == target else StateChange.CHANGED
    drive.state = target
    if target in ENDED and (drive.closes_on is None or drive.closes_on > day):
        drive.closes_on = day
    return outcome
