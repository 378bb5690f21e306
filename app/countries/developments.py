"""The data's developments as an Atom feed, in the visitor's language, worded as the pages word them."""

from datetime import UTC, datetime, time

from flask_babel import get_locale
from flask_babel import gettext as _

from app import feeds, geo
from app.countries import services
from app.countries.labels import CASE_KINDS, OUTCOMES, treaty_reason
from app.i18n import SITE_NAME, current_tag, html_lang, isolating
from app.treaties import texts
from app.treaties.status import Verdict
from app.urls import public_url

LIMIT = 50  # enough for a reader that looks in once a month; the pages have the rest


def feed(day):
    """The developments up to `day`, newest first, as the text of an Atom document."""
    tag = current_tag()
    entries = [entry(event, tag, day) for event in services.developments(day, LIMIT)]
    return feeds.document(
        feeds.tag_uri(f"developments/{tag}"), f"{_('Latest developments')} · {SITE_NAME}",
        public_url("countries.home"), public_url("countries.developments_feed"), html_lang(tag),
        entries, SITE_NAME,
    )


def entry(event, tag, day):
    # The date as the data has it: a month or a year stands at its first day, the text says which.
    on = datetime.combine(event.when.start, time(), UTC)
    return feeds.Entry(
        id=feeds.tag_uri(f"developments/{tag}/{event.key}"), title=title(event), updated=on, published=on,
        link=public_url("countries.show", code=event.iso2.lower()), text="\n\n".join(details(event, day)),
    )


def title(event):
    """The country and what happened there, with the page's caveat for an unconfirmed date."""
    country, development = geo.name(event.iso2, get_locale()), happened(event)
    if event.verified:
        return _("%(country)s: %(development)s", country=country, development=development)
    return _("%(country)s: %(development)s (not yet confirmed by a primary source)",
             country=country, development=development)


def happened(event):
    """What happened, in the words of the home page's latest developments and the country's timeline."""
    if event.case:
        case = event.case
        return _("%(kind)s: %(outcome)s (%(forum)s)", kind=CASE_KINDS[case.kind], outcome=OUTCOMES[case.outcome],
                 forum=data_text(case, "forum"))
    if event.lifted:
        return _("Lifted: %(measure)s", measure=event.title)
    return str(event.title)


def details(event, day):
    """The entry's text: its date as the timeline gives it, the caveats the country page shows, a case's summary."""
    when = event.when.format(get_locale())
    yield _("no later than %(date)s", date=when) if event.bound else when
    if not event.verified:
        yield _("not yet confirmed by a primary source")
    if event.treaty and event.treaty.disputed_as_of(day):
        yield treaty_reason(Verdict.DISPUTED, event.treaty, lambda d: d.format(get_locale()))
    if event.case and event.case.summary:
        yield data_text(event.case, "summary")


def data_text(row, column):
    """A public text of the data in the visitor's language; English left untranslated, isolated on a right-to-left feed."""
    found = texts.localized(row, column, get_locale())
    return isolating(found.text) if found.lang else found.text
