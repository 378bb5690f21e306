"""Country drives and their petitions: signing, confirming by e-mail, withdrawing."""

from flask import Blueprint

bp = Blueprint("petitions", __name__)

from app.petitions import mail, routes  # noqa: E402,F401
from app.updates import models  # noqa: E402,F401  (the drives' updates: their tables live beside the drives')
