"""Every shipped language: URLs, alternates, the visitor's remembered choice, right-to-left."""

import re
from html import unescape

import pytest

from app.config import shipped_languages
from tests.helpers import axe_violations, serve

LANGUAGES = shipped_languages()
EXPECTED = {"en", "zh-hans", "zh-hant", "es", "fr", "de", "pt", "it", "sv", "pl", "cs", "tr", "ar", "ug",
            # the languages of the states that still extradite: Central Asia, Korea, South-East Asia, Greece and Cyprus
            "ru", "kk", "ko", "th", "vi", "id", "el"}
RIGHT_TO_LEFT = {"ar", "ug"}


def test_the_campaigns_languages_ship():
    assert set(LANGUAGES) == EXPECTED


@pytest.mark.parametrize("tag", sorted(EXPECTED))
def test_every_page_type_answers_in_every_language_with_its_direction(client, tag):
    for path in ("/", "/countries/", "/countries/se", "/methodology", "/privacy"):
        response = client.get(f"/{tag}{path}")
        assert response.status_code == 200, (tag, path)
        html = response.get_data(as_text=True)
        direction = "rtl" if tag in RIGHT_TO_LEFT else "ltr"
        assert re.search(rf'<html lang="[^"]+" dir="{direction}">', html), (tag, path)
        # An alternate for every language, to the same page; x-default where no language is chosen yet.
        alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)"', html))
        default = alternates.pop("x-default")
        assert {re.match(r"https?://[^/]+/([a-z-]+)/", url).group(1) for url in alternates.values()} == EXPECTED
        assert all(url.endswith(path) for url in alternates.values()), (tag, path)
        assert re.fullmatch(r"https?://[^/]+/" if path == "/" else r"https?://[^/]+/en" + re.escape(path), default)
        [canonical] = re.findall(r'<link rel="canonical" href="([^"]+)"', html)
        assert re.fullmatch(r"https?://[^/]+/" + tag + re.escape(path), canonical), (tag, path)


def switcher_links(html):
    """The language switcher's links, by BCP 47 tag."""
    return {bcp47: unescape(href) for href, bcp47 in re.findall(r'<li><a href="([^"]+)" rel="nofollow" hreflang="([^"]+)"', html)}


def test_the_switcher_keeps_the_visitor_on_the_same_page(client):
    html = client.get("/ar/countries/se?as_of=2020-01-01").get_data(as_text=True)
    response = client.get(switcher_links(html)["zh-Hant"])
    assert response.status_code == 303 and response.headers["Location"] == "/zh-hant/countries/se?as_of=2020-01-01"


def test_a_visitors_choice_is_remembered(client):
    html = client.get("/ar/countries/").get_data(as_text=True)
    client.get(switcher_links(html)["tr"])
    response = client.get("/", headers={"Accept-Language": "de"})
    assert response.headers["Location"].endswith("/tr/")
    assert "Cookie" in response.headers["Vary"]


@pytest.mark.parametrize("path", ["/tr/", "/tr/countries/se", "/tr/privacy", "/tr/no-such-page"])
def test_viewing_a_page_sets_no_language_cookie(client, path):
    assert "Set-Cookie" not in client.get(path).headers
    assert client.get("/", headers={"Accept-Language": "de"}).headers["Location"].endswith("/de/")


@pytest.mark.parametrize("wanted", ["https://elsewhere.example/tr/", "//elsewhere.example/tr/", "/de/countries/",
                                    "/\\elsewhere.example/", "", "/tr/x\r\nX-Injected: yes", "/tr/../de/",
                                    "/tr/%2e%2e/de/", "/tr/./../api/v1/drives"])
def test_the_switcher_sends_the_visitor_nowhere_but_the_chosen_languages_pages(client, wanted):
    response = client.get("/language/tr", query_string={"next": wanted})
    assert response.status_code == 303 and response.headers["Location"] == "/tr/"


def test_the_alternates_name_the_canonical_pages_without_their_query(client):
    html = client.get("/tr/countries/?status=in_force&utm_source=x").get_data(as_text=True)
    assert re.findall(r'<link rel="canonical" href="[^"]+/tr/countries/"', html)
    assert not re.findall(r'<link rel="alternate" hreflang="[^"]+" href="[^"?]+\?', html)


def test_a_page_answered_with_an_error_is_not_offered_to_search_engines(client):
    response = client.get("/tr/countries/?status=bogus")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'rel="canonical"' not in html and 'hreflang="x-default"' not in html


def test_the_switcher_answers_only_for_shipped_languages(client):
    assert client.get("/language/xx?next=/xx/").status_code == 404


@pytest.mark.parametrize("path", ["/en/signatures/confirm/some-token", "/en/letters/confirm/some-token", "/en/staff/login"])
def test_token_and_back_office_pages_have_no_alternates_and_ask_not_to_be_indexed(client, path):
    html = client.get(path).get_data(as_text=True)
    assert 'rel="alternate"' not in html and 'rel="canonical"' not in html
    assert '<meta name="robots" content="noindex">' in html


@pytest.mark.parametrize("accept, tag", [("zh-TW", "zh-hant"), ("zh-HK,en;q=0.5", "zh-hant"), ("zh-CN", "zh-hans"),
                                         ("ug-CN", "ug"), ("pt-BR", "pt"), ("sv-FI", "sv"), ("xx", "en"),
                                         ("yue-HK", "zh-hant"), ("zh-Hant-HK", "zh-hant"), ("yue-CN", "zh-hans"),
                                         ("cmn-Hant-TW", "zh-hant"), ("ru-KZ", "ru"), ("kk-KZ", "kk"),
                                         ("ko-KR", "ko"), ("th-TH", "th"), ("vi-VN", "vi"), ("id-ID", "id"),
                                         ("el-CY", "el")])
def test_a_first_visit_is_negotiated_from_accept_language(app, accept, tag):
    response = app.test_client().get("/", headers={"Accept-Language": accept})
    assert response.headers["Location"].endswith(f"/{tag}/")


@pytest.mark.browser
@pytest.mark.parametrize("tag", sorted(RIGHT_TO_LEFT))
def test_right_to_left_pages_are_mirrored_and_pass_axe(app, browser, tag):
    with serve(app) as url:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{url}/{tag}/countries/se")
        assert page.evaluate("document.documentElement.dir") == "rtl"
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        brand = page.locator(".brand").bounding_box()
        languages = page.locator(".languages").bounding_box()
        assert brand["x"] > languages["x"], "the brand starts the bar on the right, as Arabic script reads"
        assert axe_violations(page) == []
        context.close()


@pytest.mark.parametrize("path, name", [("/ug/countries/cn", "خىتاي"), ("/ug/countries/hk", "خوڭكوڭ")])
def test_uyghur_pages_name_china_and_hong_kong_as_the_diaspora_press_does(client, path, name):
    html = client.get(path).get_data(as_text=True)
    assert f"<h1>{name}</h1>" in html
    assert "جۇڭگو" not in html and "شياڭگاڭ" not in html
