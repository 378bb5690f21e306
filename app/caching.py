"""Public pages are the same for every visitor until the data or the day changes."""

import time
from functools import wraps

from flask import Response, current_app, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import cache
from app.records import today
from app.revisions import current_revision


def cached_page(args=(), mimetype=None):
    """Serve a rendered page from the cache while the data's revision and the day are the same.

    Only the query arguments in `args` vary the page; a request with any other is rendered
    afresh and not kept, so that made-up query strings cannot fill the cache. The view returns
    its body as text; `mimetype` (an Atom feed's, say) is what it is served as, else HTML.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(*a, **kw):
            if not set(request.args) <= set(args):
                return typed(view(*a, **kw), mimetype)
            query = "&".join(f"{k}={request.args[k]}" for k in args if k in request.args)
            key = f"page:{seen_revision()}:{today()}:{request.host}{request.path}?{query}"
            html = cache.get(key)
            if html is None:
                html = view(*a, **kw)
                if not isinstance(html, str):
                    return html  # redirects and error pages are not cached
                cache.set(key, html)
            return typed(html, mimetype)

        return wrapper

    return decorate


def typed(body, mimetype):
    return Response(body, mimetype=mimetype) if mimetype and isinstance(body, str) else body


def seen_revision():
    """The data's revision, read from the database at most once per PAGE_REVISION_TTL seconds."""
    seen = current_app.extensions.setdefault("page_revision", {"number": None, "at": float("-inf")})
    now = time.monotonic()
    if now - seen["at"] > current_app.config["PAGE_REVISION_TTL"]:
        seen.update(number=current_revision(), at=now)
    return seen["number"]


@event.listens_for(Session, "after_commit")
def forget_revision(session):
    """A change committed by this process shows on its own next page at once."""
    if session.info.pop("revision_bumped", False) and current_app:
        current_app.extensions.pop("page_revision", None)
