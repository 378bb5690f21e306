"""The public's side of a drive's updates: its Atom feed, per language (the timeline is on the drive page)."""

from urllib.parse import urlsplit

from flask import Response, current_app
from flask_babel import gettext as _

from app.caching import cached_page
from app.feeds import ATOM, Entry, atom
from app.http import or_404
from app.i18n import current_tag, html_lang
from app.petitions.services import visible_drive
from app.records import as_utc
from app.updates import bp, services
from app.urls import public_url


@bp.route("/<lang:lang_code>/drives/<slug>/updates.atom")
def feed(slug):
    return Response(feed_document(slug), mimetype=ATOM)


@cached_page()
def feed_document(slug):
    """The drive's published updates as Atom, in the language of the URL (else the drive's main one)."""
    drive = or_404(visible_drive(slug))
    tag = current_tag()
    page = public_url("petitions.drive", slug=drive.slug)
    entries = [entry(update, text, page) for update in services.published(drive.id)
               if (text := update.text(tag, drive.main_locale)) is not None]
    return atom(
        feed_id=tag_uri(f"drives/{drive.id}/updates/{tag}"),
        title=_("Updates: %(title)s", title=drive.text(tag).title), link=f"{page}#updates",
        self_link=public_url("updates.feed", slug=drive.slug), tag=html_lang(tag), entries=entries,
        author=_("Moratorium"), updated=as_utc(drive.created_at),
    ).get_data(as_text=True)


def entry(update, text, page):
    return Entry(id=tag_uri(f"updates/{update.id}"), title=text.title, updated=as_utc(update.updated_at),
                 link=f"{page}#update-{update.id}", text=text.body, published=as_utc(update.published_at))


def tag_uri(specific):
    """A permanent id (RFC 4151) on the site's own host: it survives a change of path or scheme."""
    return f"tag:{urlsplit(current_app.config['PUBLIC_URL']).hostname},2026:{specific}"
