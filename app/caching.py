"""Public pages are the same for every visitor until the data or the day changes, but for their live slots."""

import re
import time
from functools import wraps
from typing import Any, NamedTuple

from flask import Response, current_app, request
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import cache
from app.records import today
from app.revisions import current_revision


class Shell(NamedTuple):
    """A page with slots for its live parts, and what filling them needs (ids, flags: plain values)."""

    html: str
    facts: Any


def slot(name):
    """Where a cached page takes a live part, filled in on every view. Page text is escaped, so no
    "<" from a drive's texts or the data can look like one."""
    return Markup(f"<!--live:{name}-->")


SLOTS = re.compile(r"<!--live:[\w-]+-->")


def fill(html, parts):
    """`html` with each slot named in `parts` replaced by its markup; a slot without a part is emptied."""
    for name, markup in parts.items():
        html = html.replace(slot(name), str(markup))
    return SLOTS.sub("", html)


# Added to shared links by the sites they are shared on; they change nothing on the page.
TRACKING = re.compile(r"fbclid|gclid|msclkid|igshid|mc_[ce]id|utm_\w+")


def cached_page(args=(), live=None, mimetype=None):
    """Serve a rendered page from the cache while the data's revision and the day are the same.

    Only the query arguments in `args` vary the page; a request with any other is rendered
    afresh and not kept, so that made-up query strings cannot fill the cache; but for a link's
    tracking arguments (fbclid, utm_...) it is the page a visitor without them got, once one has
    (rendered with them, its language links would carry them to everyone). The view returns
    its body as text; `mimetype` (an Atom feed's, say) is what it is served as, else HTML.

    With `live`, the view returns a `Shell`: the parts of the page that change without a new
    revision (counts, the visitor's own form token) are slots, and `live(shell.facts)` gives
    their markup on every view, {slot name: markup}, with a query or two at most.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(*a, **kw):
            others = set(request.args) - set(args)
            if not all(TRACKING.fullmatch(name) for name in others):
                return served(view(*a, **kw), live, mimetype)
            query = "&".join(f"{k}={request.args[k]}" for k in args if k in request.args)
            # "2": the shape of what is kept (text or a Shell) since November 2026.
            key = f"page2:{seen_revision()}:{today()}:{request.host}{request.path}?{query}"
            page = cache.get(key)
            if others:
                return served(page if page is not None else view(*a, **kw), live, mimetype)
            if page is None:
                page = view(*a, **kw)
                if not isinstance(page, str | Shell):
                    return page  # redirects and error pages are not cached
                cache.set(key, page)
            return served(page, live, mimetype)

        return wrapper

    return decorate


def served(page, live, mimetype):
    """The page as sent: a shell's slots filled in, text as `mimetype`, anything else as it is."""
    if isinstance(page, Shell):
        page = fill(page.html, live(page.facts))
    return Response(page, mimetype=mimetype) if mimetype and isinstance(page, str) else page


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
