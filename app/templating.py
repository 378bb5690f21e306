"""The filters and globals every template of the app may use: registered once, by create_app."""

import json
import re

from babel.lists import format_list
from flask_babel import format_date, format_datetime, format_decimal, format_percent, get_locale
from markupsafe import Markup, escape

from app import geo, urls
from app.countries import labels
from app.countries.worldmap import geometry
from app.i18n import (
    LATIN_RUN,
    SITE_NAME,
    current_tag,
    html_lang,
    isolating,
    language_name,
    open_graph_locale,
    text_direction,
)
from app.treaties import texts
from app.treaties.sources import cited
from app.updates import labels as update_labels


def partial_date(value):
    return value.format(get_locale())


def country_name(code):
    return geo.name(code, get_locale())


def data_text(row, column):
    """A public text of the data in the page's language, or in English marked as such."""
    return texts.localized(row, column, get_locale())


def isolated(text):
    """On a right-to-left page, each left-to-right run in `text` isolated in <bdi>, so its punctuation stays put."""
    if text_direction(current_tag()) != "rtl":
        return escape(text)
    pieces, last = [], 0
    for run in LATIN_RUN.finditer(text):
        pieces += [escape(text[last:run.start()]), Markup('<bdi dir="ltr">%s</bdi>') % run.group(0)]
        last = run.end()
    return Markup("").join([*pieces, escape(text[last:])])


# An address in staff-written plain text: http(s) and no spaces, less the punctuation that ends a sentence.
WEB_ADDRESS = re.compile(r"https?://[^\s<>\"]+?(?=[.,;:!?)\]'\"»”]*(?:\s|$))")


def paragraphs(text):
    """Plain text as staff write it (updates): blank lines part paragraphs, web addresses become
    links, and nothing else is markup: whatever HTML the text holds is shown as text."""
    def linked(line):
        pieces, last = [], 0
        for address in WEB_ADDRESS.finditer(line):
            pieces += [escape(line[last:address.start()]),
                       Markup('<a href="%s" rel="nofollow noopener">%s</a>') % (address.group(0), address.group(0))]
            last = address.end()
        return Markup("").join([*pieces, escape(line[last:])])

    blocks = [b.strip() for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if b.strip()]
    return Markup("\n").join(Markup("<p>%s</p>") % Markup("<br>\n").join(map(linked, b.split("\n")))
                              for b in blocks)


def shortened(text, limit=200):
    """`text` on one line and at most `limit` characters: cut after a word where there are spaces
    to cut at, anywhere in scripts written without them, and marked with an ellipsis."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[:limit - 1]
    if line[limit - 1] != " " and " " in cut[limit // 2:]:  # not at a word's end: back to the last one
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + "…"


def verdict_reason(standing):
    return labels.reason(standing, partial_date)


FILTERS = {
    "partial_date": partial_date,
    "country_name": country_name,
    "cited": cited,
    "isolated": isolated,
    "isolated_plain": isolating,  # the same, with Unicode isolates, where no markup can go (an SVG <title>)
    "number": format_decimal,
    "percent": format_percent,
    "names": lambda items: format_list(items, locale=get_locale()),
    "date_long": lambda d: format_date(d, "long"),
    "bcp47": html_lang,
    "text_direction": text_direction,
    "language_name": lambda tag: language_name(tag, get_locale()),
    "datetime_short": lambda value: format_datetime(value, "short"),
    "pretty_json": lambda value: json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True),
    "absolute": urls.absolute,
    "paragraphs": paragraphs,
    "shortened": shortened,
    "open_graph_locale": open_graph_locale,
}

GLOBALS = {
    "site_name": SITE_NAME,
    "public_url": urls.public_url,
    "map_geometry": geometry,
    "verdict_reason": verdict_reason,
    "data_text": data_text,
    "measure_scopes": labels.MEASURE_SCOPES,
    "publisher_kinds": labels.PUBLISHER_KINDS,
    "verdict_labels": labels.VERDICTS,
    "measure_labels": labels.MEASURES,
    "case_labels": labels.CASE_KINDS,
    "outcome_labels": labels.OUTCOMES,
    "update_kinds": update_labels.KINDS,
    "update_outcomes": update_labels.OUTCOMES,
}


def register(app):
    """Make the filters and globals available to every template of the app."""
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)
    for name, value in GLOBALS.items():
        app.add_template_global(value, name)
