"""Atom feeds (RFC 4287), written by feedgen: the data's developments and each drive's updates."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit

from feedgen.feed import FeedGenerator
from flask import current_app

ATOM = "application/atom+xml; charset=utf-8"
TAG_DATE = "2026"  # the year the site's tag: URIs were first minted: never change it, or every id changes


@dataclass(frozen=True)
class Entry:
    """One entry: `id` is a permanent IRI (a tag: URI or the entry's own link), `text` is plain text."""

    id: str
    title: str
    updated: datetime
    link: str
    text: str = ""
    published: datetime | None = None


def tag_uri(specific):
    """A permanent id (RFC 4151 tag: URI) on PUBLIC_URL's host, e.g. tag:example.org,2026:developments/sv.

    Build entry ids from what names the thing in the data (a row's key and what happened to it),
    never from a database id, so that reloading the data keeps every id.
    """
    host = urlsplit(current_app.config["PUBLIC_URL"]).hostname
    return f"tag:{host},{TAG_DATE}:{quote(specific, safe='/')}"


def document(feed_id, title, link, self_link, tag, entries, author, updated=None):
    """An Atom document, as text for a view under cached_page(mimetype=ATOM): `link` is the page the
    feed follows, `self_link` the feed's own address, `tag` its language (a BCP 47 tag), `entries`
    newest first.

    A feed with no entries is still valid: its `updated` is `updated` (give one: else feedgen
    writes the time it is written).
    """
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(title)
    feed.author({"name": author})
    feed.link(href=link, rel="alternate")
    feed.link(href=self_link, rel="self")
    feed.language(tag)
    newest = max((e.updated for e in entries), default=updated)
    if newest is not None:
        feed.updated(newest)
    for entry in entries:
        item = feed.add_entry(order="append")
        item.id(entry.id)
        item.title(entry.title)
        item.link(href=entry.link)
        item.updated(entry.updated)
        if entry.published is not None:
            item.published(entry.published)
        if entry.text:
            item.content(entry.text, type="text")
    return feed.atom_str(pretty=True).decode("utf-8")
