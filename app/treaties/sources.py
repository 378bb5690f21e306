"""Sources and the publishers they must come from.

A source cell lists items separated by ` | `. An item is a web page, `[title or date](URL)`,
optionally preceded by `publisher-key: ` when the page is a syndicated copy of another
publisher's story, or a plain citation that starts with a registered citation prefix
(`Safeguard Defenders, Returned Without Rights (February 2022), p. 18`).
"""

import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import g
from sqlalchemy import select

from app.extensions import db
from app.treaties.models import Publisher, PublisherKind

log = logging.getLogger(__name__)
LINK = re.compile(r"^(?:(?P<via>[a-z0-9][a-z0-9.-]*):\s*)?\[(?P<title>.+?)\]\((?P<url>\S+)\)$")


@dataclass(frozen=True)
class Entry:
    """One registered publisher, as the checks and the pages need it."""

    key: str
    name: str
    kind: PublisherKind


@dataclass(frozen=True)
class Source:
    """One item of a source cell, resolved to its publisher."""

    publisher: Entry | None  # None: no registered publisher stands behind it (shown as plain text)
    title: str
    url: str | None = None
    host: Entry | None = None  # the site it was read on, when that is not the publisher


class Registry:
    """Publishers by host (with an optional path prefix) and by citation prefix."""

    def __init__(self, publishers):
        self.entries, self.sites, self.citations = {}, [], []
        for publisher in publishers:
            entry = Entry(publisher.key, publisher.name, PublisherKind(publisher.kind))
            self.entries[entry.key] = entry
            for item in publisher.identifies:
                if is_site(item):
                    host, slash, path = item.partition("/")
                    self.sites.append((f"{host.lower()}{slash}{path}", entry))
                else:
                    self.citations.append((item, entry))
        # The most specific identification wins: a path prefix over its bare host.
        self.sites.sort(key=lambda pair: -len(pair[0]))
        self.citations.sort(key=lambda pair: -len(pair[0]))

    def site(self, url):
        """The publisher whose host (and path prefix) the URL is on, or None."""
        parts = urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.")
        path = parts.path or "/"
        for item, entry in self.sites:
            bare, _, prefix = item.partition("/")
            if (host == bare or host.endswith(f".{bare}")) and path.startswith(f"/{prefix}"):
                return entry
        return None

    def resolve(self, item):
        """The Source an item names; ValueError saying what is unknown otherwise."""
        link = LINK.match(item)
        if link:
            return self.resolve_link(link["url"], link["title"].strip(), link["via"])
        if item.startswith(("http:", "https:")):
            raise ValueError(f"{item!r}: give the link a title or date, written [title](URL)")
        for prefix, entry in self.citations:
            if item.startswith(prefix) and not item[len(prefix):len(prefix) + 1].isalnum():
                return Source(entry, citation_title(item, entry))
        raise ValueError(f"{item!r} starts with no registered citation prefix (data/publishers.csv)")

    def resolve_link(self, url, title, via):
        if not title:
            raise ValueError(f"{url!r}: give the link a title or date, written [title](URL)")
        host = plain_host(url)
        found = self.site(url)
        if found is None:
            raise ValueError(f"{host} is not a registered publisher's host (data/publishers.csv)")
        if via is None:
            return Source(found, title, url)
        if via not in self.entries:
            raise ValueError(f"{via!r} is not a registered publisher key (data/publishers.csv)")
        return Source(self.entries[via], title, url, found if found.key != via else None)


# What a browser could read differently from urlsplit: backslashes, credentials, odd characters.
UNSAFE_IN_URL = re.compile(r"[\\\s\"<>`{}|^]")


def plain_host(url):
    """The host of an http(s) URL that every reader parses the same way; ValueError otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (parts is None or parts.scheme not in {"http", "https"} or not parts.hostname or port is not None
            or parts.username is not None or "@" in parts.netloc or UNSAFE_IN_URL.search(url)):
        raise ValueError(f"{url!r} is not a plain http(s) address (no credentials, port, backslash or spaces)")
    return parts.hostname


def is_site(item):
    """A host name, optionally with a path: no spaces, a dot before any slash."""
    return " " not in item and "." in item.split("/", 1)[0]


def citation_title(item, entry):
    """A citation without the publisher's own name in front: the page shows that name already."""
    rest = item.removeprefix(entry.name).lstrip(",;: ")
    return rest or item


def problems(registry, sources, verified_dates):
    """(column, reason) for sources no publisher stands behind, or verified dates only secondary ones back."""
    resolved = []
    for item in sources:
        try:
            resolved.append(registry.resolve(item))
        except ValueError as error:
            yield "sources", str(error)
    if verified_dates and len(resolved) == len(sources) and all(
            s.publisher.kind == PublisherKind.SECONDARY for s in resolved):
        for column in verified_dates:
            yield column, "a date marked verified needs a source that is not secondary"


def current_registry():
    """The registered publishers, read once per request."""
    if "publishers" not in g:
        g.publishers = Registry(db.session.scalars(select(Publisher)))
    return g.publishers


def cited(items):
    """Each source item resolved to its publisher.

    The loader and the back office let no other kind in; should one get through all the same (a row
    written by hand in SQL), it is shown as plain text, not linked, and logged, never a 500.
    """
    return [resolved(item) for item in items]


def resolved(item):
    try:
        return current_registry().resolve(item)
    except ValueError as error:
        log.warning("source not covered by a registered publisher: %s", error)
        return Source(None, item)
