"""The public's side of a drive's updates: its Atom feed, per language (the timeline is on the drive page)."""

from flask_babel import gettext as _

from app.caching import cached_page
from app.feeds import ATOM, Entry, document, tag_uri
from app.http import or_404
from app.i18n import SITE_NAME, current_tag, html_lang
from app.petitions.services import visible_drive
from app.records import as_utc
from app.updates import bp, services
from app.urls import public_url


@bp.route("/<lang:lang_code>/drives/<slug>/updates.atom")
@cached_page(mimetype=ATOM)
def feed(slug):
    """The drive's published updates as Atom, in the language of the URL (else the drive's main one)."""
    drive = or_404(visible_drive(slug))
    tag = current_tag()
    page = public_url("petitions.drive", slug=drive.slug)
    entries = [entry(update, text, page) for update in services.published(drive.id)
               if (text := update.text(tag, drive.main_locale)) is not None]
    return document(
        feed_id=tag_uri(f"drives/{drive.id}/updates/{tag}"),
        title=_("Updates: %(title)s", title=drive.text(tag).title), link=f"{page}#updates",
        self_link=public_url("updates.feed", slug=drive.slug), tag=html_lang(tag), entries=entries,
        author=SITE_NAME, updated=as_utc(drive.created_at),
    )


def entry(update, text, page):
    return Entry(id=tag_uri(f"updates/{update.id}"), title=text.title, updated=as_utc(update.updated_at),
                 link=f"{page}#update-{update.id}", text=text.body, published=as_utc(update.published_at))

