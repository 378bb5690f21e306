"""The data's developments as Atom feeds: valid for a real feed reader, worded as the pages word them."""

import csv
import html
import re
from datetime import date
from xml.etree import ElementTree

import feedparser
import pytest
from flask_babel import get_locale, gettext
from sqlalchemy import select

from app import geo
from app.countries import developments, services
from app.extensions import db
from app.treaties import texts
from app.treaties.models import Case, LegalBasis, Measure, Treaty

ISOLATES = str.maketrans("", "", "\u2068\u2069")  # what an Arabic page's text may carry around Latin runs


def read(client, lang):
    response = client.get(f"/{lang}/developments.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    found = feedparser.parse(response.data)
    assert found.bozo is False, found.get("bozo_exception")
    assert found.version == "atom10"
    return found


def by_id(found):
    """Entries by what their id names after the language: "case/<key>", "treaty/<iso2>/signed"..."""
    return {entry.id.split(":developments/", 1)[1].split("/", 1)[1]: entry for entry in found.entries}


def content(entry):
    return entry.content[0].value


@pytest.mark.parametrize("lang, bcp47", [("en", "en"), ("sv", "sv"), ("ar", "ar"), ("zh-hans", "zh-Hans")])
def test_the_feed_is_atom_in_its_language_newest_first_linking_to_the_country_pages(app, client, lang, bcp47):
    found = read(client, lang)
    assert found.feed.language == bcp47
    assert found.feed.id == f"tag:localhost,2026:developments/{lang}"
    assert {link.rel: link.href for link in found.feed.links} == {
        "alternate": f"http://localhost/{lang}/", "self": f"http://localhost/{lang}/developments.atom"}
    assert len(found.entries) == 50
    dates = [entry.updated_parsed for entry in found.entries]
    assert dates == sorted(dates, reverse=True)
    assert found.feed.updated_parsed == dates[0]
    for entry in found.entries:
        assert entry.id.startswith(f"tag:localhost,2026:developments/{lang}/")
        assert re.fullmatch(rf"http://localhost/{lang}/countries/[a-z]{{2}}", entry.link), entry.link
    assert by_id(found)["treaty/ke/in_force"].link == f"http://localhost/{lang}/countries/ke"
    assert len({entry.id for entry in found.entries}) == 50
    for link in {entry.link for entry in found.entries}:
        assert client.get(link.removeprefix("http://localhost")).status_code == 200


@pytest.mark.parametrize("lang", ["en", "sv", "ar"])
def test_measures_and_cases_are_titled_as_the_home_page_words_them(app, client, lang):
    page = client.get(f"/{lang}/").get_data(as_text=True)
    items = re.findall(r'<li>\s*<time[^>]*>.*?</time> · <a href="[^"]+">(.*?)</a>\s*<p>(.*?)</p>', page, re.DOTALL)
    assert len(items) == 6
    with app.test_request_context(f"/{lang}/"):
        # The feed puts the country before what the home page says happened there.
        expected = [gettext("%(country)s: %(development)s", country=plain(country), development=plain(what))
                    for country, what in items]
    entries = [entry for entry in read(client, lang).entries if "/treaty/" not in entry.id][:6]
    assert [entry.title.translate(ISOLATES) for entry in entries] == [title.translate(ISOLATES) for title in expected]


def plain(markup):
    return html.unescape(re.sub(r"<[^>]+>", "", markup)).translate(ISOLATES).strip()


def test_each_language_titles_with_its_own_catalogs(app, client):
    titles = {lang: by_id(read(client, lang))["case/se-2019-qiao-jianjun"].title.translate(ISOLATES)
              for lang in ("en", "sv", "ar")}
    assert titles["en"] == "Sweden: Court decision: Refused (Supreme Court of Sweden)"
    assert len(set(titles.values())) == 3
    for lang in ("sv", "ar"):
        with app.test_request_context(f"/{lang}/"):
            case = db.session.scalar(select(Case).where(Case.key == "se-2019-qiao-jianjun"))
            words = [geo.name("SE", lang), gettext("Court decision"), gettext("Refused"),
                     texts.localized(case, "forum", lang).text]
        assert "Court decision" not in titles[lang] and "Sweden" not in titles[lang]
        for word in words:
            assert word.translate(ISOLATES) in titles[lang], (lang, word)


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_a_date_not_yet_confirmed_or_only_bounded_says_so_as_the_country_page_does(app, client, lang):
    entries = by_id(read(client, lang))
    with app.test_request_context(f"/{lang}/"):
        caveat, bound = gettext("not yet confirmed by a primary source"), gettext("no later than %(date)s", date="")
        marked = gettext("%(country)s: %(development)s (not yet confirmed by a primary source)",
                         country="\0", development="\0").rsplit("\0", 1)[1]
    with app.app_context():
        treaties = {t.iso2.lower(): t for t in db.session.scalars(select(Treaty))}
    shown = [(key, entry) for key, entry in entries.items() if key.startswith("treaty/")]
    unconfirmed = [key for key, entry in shown if caveat in content(entry)]
    assert unconfirmed and len(unconfirmed) < len(shown)
    for key, entry in shown:
        _, code, kind = key.split("/")
        verified = getattr(treaties[code], f"{kind}_verified")
        assert entry.title.endswith(marked) is (not verified), entry.title
        assert (caveat in content(entry)) is (not verified), content(entry)
        assert (bound.strip() in content(entry)) is (getattr(treaties[code], f"{kind}_on") is None), content(entry)
    assert bound.strip() in content(entries["treaty/ke/signed"])


def test_a_treaty_sources_disagree_on_says_so_once_they_do(app):
    with app.test_request_context("/en/"):
        treaty = db.session.scalar(select(Treaty).where(Treaty.iso2 == "AF"))
        [_signed, in_force] = services.treaty_events(treaty)
        before, after = (list(developments.details(in_force, day)) for day in (date(2020, 12, 23), date(2020, 12, 24)))
    assert not any("disagree" in line for line in before)
    assert "A treaty was signed; sources disagree whether it is in force." in after
    assert "no later than October 2018" in after and "not yet confirmed by a primary source" in after


def test_entry_ids_survive_reloading_the_data_in_another_order(app, client, empty_app, data_dir, tmp_path):
    for path in data_dir.glob("*.csv"):
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header, rows = next(reader), list(reader)
        with open(tmp_path / path.name, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([header, *reversed(rows)])
    assert empty_app.test_cli_runner().invoke(args=["data", "load", "--dir", str(tmp_path)]).exit_code == 0
    keys = {}
    for each in (app, empty_app):
        with each.app_context():
            keys[each] = db.session.scalar(select(Case.id).where(Case.key == "se-2019-qiao-jianjun"))
    assert keys[app] != keys[empty_app], "the rows should have other ids in the other database"
    first, again = read(client, "sv"), read(empty_app.test_client(), "sv")
    assert [(e.id, e.title, e.updated) for e in first.entries] == [(e.id, e.title, e.updated) for e in again.entries]


@pytest.mark.parametrize("path", ["/sv/", "/sv/countries/", "/sv/countries/se"])
def test_the_pages_link_the_feed_of_their_language(client, path):
    page = client.get(path).get_data(as_text=True)
    [link] = re.findall(r'<link rel="alternate" type="application/atom\+xml"[^>]*>', page)
    href = re.search(r'href="([^"]+)"', link).group(1)
    assert href == "http://localhost/sv/developments.atom"
    assert re.search(r'title="[^"]+"', link)
    assert read(client, "sv").feed.language == "sv"


def test_the_home_page_shows_a_link_to_follow_developments(client):
    page = client.get("/en/").get_data(as_text=True)
    assert '<a href="/en/developments.atom" type="application/atom+xml">Follow developments (Atom feed)</a>' in page


def test_an_unknown_language_has_no_feed(client):
    assert client.get("/xx/developments.atom").status_code == 404


def test_the_cached_feed_is_still_served_as_atom(client):
    first, second = client.get("/ar/developments.atom"), client.get("/ar/developments.atom")
    assert first.data == second.data
    assert second.mimetype == "application/atom+xml" and second.mimetype_params["charset"] == "utf-8"


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_no_research_note_is_anywhere_in_the_feed(app, client, lang):
    with app.test_request_context(f"/{lang}/"):
        notes = [row.research_note for model in (Treaty, Measure, Case, LegalBasis)
                 for row in db.session.scalars(select(model)) if len(row.research_note) > 30]
        case = db.session.scalar(select(Case).where(Case.key == "se-2019-qiao-jianjun"))
        summary = texts.localized(case, "summary", get_locale()).text
    assert len(notes) > 50
    root = ElementTree.fromstring(client.get(f"/{lang}/developments.atom").data)
    text = " ".join(root.itertext()) + " ".join(v for node in root.iter() for v in node.attrib.values())
    assert summary[:60] in text  # the public texts are there: the check below reads what a reader gets
    for note in notes:
        assert note[:60] not in text and note[-60:] not in text, note[:60]


def test_the_feed_carries_the_security_headers_of_every_page(client):
    response = client.get("/en/developments.atom")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert client.post("/en/developments.atom").status_code == 405
