"""Filters and globals the public templates use."""

from urllib.parse import urlsplit

from flask_babel import format_date, format_decimal, get_locale

from app.countries import geo, labels
from app.countries.worldmap import geometry
from app.i18n import html_lang, language_name, text_direction


def partial_date(value):
    return value.format(get_locale())


def country_name(code):
    return geo.name(code, get_locale())


def source_host(url):
    """A source link's visible text: its site, so readers see whose word it is."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    return host.removeprefix("www.") if host else url


def verdict_reason(standing):
    return labels.reason(standing, partial_date)


FILTERS = {
    "partial_date": partial_date,
    "country_name": country_name,
    "source_host": source_host,
    "number": format_decimal,
    "date_long": lambda d: format_date(d, "long"),
    "bcp47": html_lang,
    "text_direction": text_direction,
    "language_name": lambda tag: language_name(tag, get_locale()),
}

GLOBALS = {
    "map_geometry": geometry,
    "verdict_reason": verdict_reason,
    "verdict_labels": labels.VERDICTS,
    "measure_labels": labels.MEASURES,
    "case_labels": labels.CASE_KINDS,
    "outcome_labels": labels.OUTCOMES,
}


def register(bp):
    """Make the filters and globals available to every template of the app."""
    for name, function in FILTERS.items():
        bp.add_app_template_filter(function, name)
    for name, value in GLOBALS.items():
        bp.add_app_template_global(value, name)
