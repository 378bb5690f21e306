"""What views say about their answers: "not here" (or_404), and "no cookies" (cookieless)."""

from flask import abort, current_app, has_request_context, request


def or_404(found):
    """`found`, or a 404 page when it is None (rows by id: Flask-SQLAlchemy's db.get_or_404)."""
    if found is None:
        abort(404)
    return found


def cookieless(view):
    """Mark a view whose answers set no cookie, such as a page other sites frame (a third-party cookie there).

    The language cookie respects the mark; the view itself must not touch the session (no form
    token, no staff member loaded).
    """
    view.sets_no_cookie = True
    return view


def sets_no_cookie():
    """Whether this request's view is marked `cookieless`."""
    if not has_request_context() or request.endpoint is None:
        return False
    return getattr(current_app.view_functions.get(request.endpoint), "sets_no_cookie", False)
