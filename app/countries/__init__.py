from flask import Blueprint

bp = Blueprint("countries", __name__)

from app.countries import routes, templating  # noqa: E402,F401

templating.register(bp)
