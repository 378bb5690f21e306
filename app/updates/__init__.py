"""A drive's updates: news and milestones (handed over, government response, debate, outcome),
shown on the drive's timeline and in its feed and, if the campaigner chooses, mailed to consenting signers."""

from flask import Blueprint

bp = Blueprint("updates", __name__)

from app.updates import routes  # noqa: E402,F401
