from flask import Blueprint

bp = Blueprint("countries", __name__)

from app.countries import routes  # noqa: E402,F401
