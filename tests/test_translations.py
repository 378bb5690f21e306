"""Every shipped catalog translates every string the code uses, placeholders intact."""

import gettext
import re
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
CATALOGS = sorted((ROOT / "translations").glob("*/LC_MESSAGES/messages.po"))


@pytest.fixture(scope="module")
def code_strings(tmp_path_factory):
    """The message ids extracted from the code and templates right now."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-o", str(pot), str(ROOT)]
    )
    with open(pot, "rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def catalog(path):
    with open(path, "rb") as handle:
        return read_po(handle)


def test_the_shipped_languages_have_catalogs(app):
    shipped = {identifier for identifier in app.config["LANGUAGES"].values() if identifier != "en"}
    assert {path.parts[-3] for path in CATALOGS} == shipped


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_catalog_is_complete_and_current(path, code_strings):
    messages = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog(path) if m.id}
    assert code_strings - set(messages) == set(), "catalog is older than the code: run make extract"
    untranslated = [i for i, m in messages.items() if i in code_strings and (m.fuzzy or not all(
        m.string if isinstance(m.string, tuple) else [m.string]))]
    assert untranslated == []


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_placeholders_survive_translation(path):
    for message in catalog(path):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, (message.id, string)


DATA_CATALOGS = sorted((ROOT / "translations").glob("*/LC_MESSAGES/data.po"))


@pytest.fixture(scope="module")
def data_texts(tmp_path_factory):
    """(msgctxt, msgid) of every public text in data/ right now, through the data extractor."""
    pot = tmp_path_factory.mktemp("pot") / "data.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(ROOT / "data.cfg"), "--no-default-keywords",
                                "-k", "pgettext:1c,2", "-o", str(pot), str(ROOT)])
    with open(pot, "rb") as handle:
        return {(m.context, m.id) for m in read_po(handle) if m.id}


def test_every_shipped_language_has_a_data_catalog():
    assert {p.parts[-3] for p in DATA_CATALOGS} == {p.parts[-3] for p in CATALOGS}


@pytest.mark.parametrize("path", DATA_CATALOGS, ids=lambda p: p.parts[-3])
def test_data_catalog_translates_every_public_text_of_the_data(path, data_texts):
    found = catalog(path)
    assert len(data_texts) > 150
    assert not found.fuzzy, "a catalog whose header is fuzzy is not compiled: run make extract"
    translated = {(m.context, m.id) for m in found if m.id and m.string and not m.fuzzy}
    missing = sorted(context for context, _ in data_texts - translated)
    assert missing == [], "untranslated, fuzzy or older than data/: run make extract and translate"


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_plural_forms_part_the_numbers_as_cldr_does(path):
    """The catalog's Plural-Forms picks one form per CLDR plural category of whole numbers, and back:
    Russian's three forms are one (1, 21), few (2-4, 22) and many (0, 5-20); Korean's one form is all."""
    found = catalog(path)
    form_of = gettext.c2py(found.plural_expr)
    category_of = Locale.parse(path.parts[-3]).plural_form
    numbers = [*range(0, 1201), 10**6, 2 * 10**6, 10**6 + 1, 10**9]  # French, Spanish... have "many" for millions
    pairs = {(category_of(n), form_of(n)) for n in numbers}
    categories, forms = {c for c, _ in pairs}, {f for _, f in pairs}
    assert len(pairs) == len(categories) == len(forms) == found.num_plurals, sorted(pairs)


# One word for "campaign" per language (a stem, where the word is declined), as docs/translators.md lists.
CAMPAIGN = {"ar": "حمل", "cs": "kampa", "de": "kampagne", "el": "εκστρατεί", "es": "campaña", "fr": "campagne",
            "id": "kampanye", "it": "campagn", "kk": "науқан", "ko": "캠페인", "pl": "kampani", "pt": "campanha",
            "ru": "кампани", "sv": "kampanj", "th": "รณรงค์", "tr": "kampanya", "ug": "پائالىيەت",
            "vi": "chiến dịch", "zh_Hans": "行动", "zh_Hant": "行動"}
# Words a language's catalogs must not use: Turkish's petition is not an application to an authority;
# Uyghur names China and Hong Kong as the diaspora press does, not as Beijing does.
AVOIDED = {"tr": ["dilekçe"], "ug": ["جۇڭگو", "جۇڭخۇا", "شياڭگاڭ"]}


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_each_language_has_one_word_for_campaign(path):
    word = CAMPAIGN[path.parts[-3]]
    drifted = []
    for message in catalog(path):
        english = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if re.search(r"\bcampaign\b", english or "", re.I) and not all(word in s.lower() for s in strings):
            drifted.append((english, strings))
    assert drifted == []


@pytest.mark.parametrize("locale", AVOIDED)
def test_avoided_words_are_in_no_catalog_of_the_language(locale):
    for domain in ("messages", "data"):
        text = (ROOT / "translations" / locale / "LC_MESSAGES" / f"{domain}.po").read_text(encoding="utf-8")
        assert [word for word in AVOIDED[locale] if word in text] == [], domain
