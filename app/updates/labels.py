"""Translated words for an update's kind and a campaign's outcome."""

from flask_babel import lazy_gettext as _l

from app.updates.models import Outcome, UpdateKind

# Milestones only: news needs no label.
KINDS = {
    UpdateKind.HANDED_OVER: _l("Petition handed over"),
    UpdateKind.RESPONSE: _l("Government response"),
    UpdateKind.DEBATE: _l("Debate"),
    UpdateKind.OUTCOME: _l("Outcome"),
}

OUTCOMES = {
    Outcome.WON: _l("Won"),
    Outcome.PARTLY_WON: _l("Partly won"),
    Outcome.LOST: _l("Lost"),
}
