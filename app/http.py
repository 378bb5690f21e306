"""The one way a view says "not here": or_404(what it looked up)."""

from flask import abort


def or_404(found):
    """`found`, or a 404 page when it is None (rows by id: Flask-SQLAlchemy's db.get_or_404)."""
    if found is None:
        abort(404)
    return found
