"""The data's public prose in every language: a gettext domain `data`, one msgctxt per row and column.

`pybabel extract -F data.cfg` reads the CSV files with `extract` below; `update_catalogs` merges
the template into each locale's data.po, keeping a translation (marked fuzzy) when its row's
English changed; pages look texts up by context and English, so a text edited since the
catalogs were made shows in English, marked as such, until translators catch up.
"""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po, write_po
from flask import current_app

from app.treaties.loader import SPECS

DOMAIN = "data"


def context(name, key, column):
    """The msgctxt of one cell: file, row key, column."""
    return f"{name}:{key}:{column}"


def extract(fileobj, keywords, comment_tags, options):
    """Babel extractor: every public text cell of a data/ CSV file, with its row and column as context."""
    name = Path(getattr(fileobj, "name", "")).name
    spec = SPECS.get(name)
    if spec is None or not spec.texts:
        return
    reader = csv.DictReader(io.TextIOWrapper(fileobj, encoding="utf-8-sig", newline=""))
    for record in reader:
        key = (record.get(spec.key) or "").strip()
        for column in spec.texts:
            text = (record.get(column) or "").strip()
            if key and text:
                comment = f"{column} of {record.get('country') or record.get('iso2') or key}"
                yield reader.line_num, "pgettext", (context(name, key, column), text), [comment]


def update_catalogs(template_path, directory):
    """Merge the template into every locale's data.po; a changed English keeps its old translation, fuzzy."""
    with open(template_path, "rb") as handle:
        template = read_po(handle)
    for messages in sorted(Path(directory).glob("*/LC_MESSAGES/messages.po")):
        po_path = messages.with_name(f"{DOMAIN}.po")
        old = Catalog(locale=messages.parts[-3])
        if po_path.is_file():
            with open(po_path, "rb") as handle:
                old = read_po(handle)
        with open(po_path, "wb") as handle:
            write_po(handle, merged(template, old), width=0, sort_by_file=False, include_previous=True)


def merged(template, old):
    """A catalog with the template's messages and whatever `old` translated of them."""
    by_context = {m.context: m for m in old if m.id}
    # Not fuzzy as a whole: pybabel compile would skip the catalog (fuzzy entries are skipped one by one).
    catalog = Catalog(locale=old.locale, domain=DOMAIN, project=template.project, fuzzy=False)
    for message in template:
        if not message.id:
            continue
        before = by_context.get(message.context)
        string, fuzzy, previous = "", False, []
        if before is not None and before.string:
            changed = before.id != message.id
            string, fuzzy = before.string, before.fuzzy or changed
            previous = [before.id] if changed else list(before.previous_id or [])
        catalog.add(message.id, string, locations=message.locations, auto_comments=message.auto_comments,
                    flags={"fuzzy"} if fuzzy else (), context=message.context, previous_id=previous or None)
    return catalog


@dataclass(frozen=True)
class Text:
    """A public text as a page shows it: translated, or the English marked `lang`."""

    text: str
    lang: str | None = None  # set when the text is not in the page's language


def catalog(locale):
    """The compiled data catalog of a locale (empty if none), read once per process."""
    loaded = current_app.extensions.setdefault("data_catalogs", {})
    if locale not in loaded:
        path = Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"]) / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
        found = Catalog(locale=None)
        if path.is_file():
            with open(path, "rb") as handle:
                found = read_mo(handle)
        loaded[locale] = found
    return loaded[locale]


def localized(row, column, locale):
    """The row's public text `column` in `locale`, or its English marked lang="en"."""
    english = getattr(row, column) or ""
    name = file_of(row)
    key = getattr(row, SPECS[name].attribute(SPECS[name].key))
    if not english or str(locale).startswith("en"):
        return Text(english)
    found = catalog(str(locale)).get(english, context=context(name, key, column))
    if found is not None and found.string and not found.fuzzy:
        return Text(found.string)
    return Text(english, "en")


def file_of(row):
    return next(name for name, spec in SPECS.items() if isinstance(row, spec.model))
