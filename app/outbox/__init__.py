"""The outbox: mail written with the change that causes it, delivered by workers with retries."""

from flask import Blueprint

bp = Blueprint("outbox", __name__)

from app.outbox import routes  # noqa: E402,F401
