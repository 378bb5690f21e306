"""Atom feeds (RFC 4287), written by feedgen: the data's developments and each drive's updates."""

from dataclasses import dataclass
from datetime import datetime

from feedgen.feed import FeedGenerator
from flask import Response

ATOM = "application/atom+xml; charset=utf-8"


@dataclass(frozen=True)
class Entry:
    """One entry: `id` is a permanent IRI (a tag: URI or the entry's own link), `text` is plain text."""

    id: str
    title: str
    updated: datetime
    link: str
    text: str = ""
    published: datetime | None = None


def atom(feed_id, title, link, self_link, tag, entries, author, updated=None):
    """An Atom document as a response: `link` is the page the feed follows, `self_link` the feed's
    own address, `tag` its language (a BCP 47 tag), `entries` newest first.

    A feed with no entries is still valid: its `updated` is `updated`, else the epoch of the site.
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
    return Response(feed.atom_str(pretty=True), mimetype=ATOM)
