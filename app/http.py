"""What views say about their answers: "not here" (or_404), and "no cookies" (cookieless)."""

from flask import abort


def or_404(found):
    """`found`, or a 404 page when it is None (rows by id: Flask-SQLAlchemy's db.get_or_404)."""
    if found is None:
        abort(404)
    return found


def cookieless(view):
    """Mark a view whose answers set no cookie, such as a page other sites frame (a third-party cookie there).

    The language cookie is set only when a visitor picks a language (i18n.choose), so what the mark
    asks is of the view itself: it must not touch the session (no form token, no staff member loaded).
    """
    view.sets_no_cookie = True
    return view
