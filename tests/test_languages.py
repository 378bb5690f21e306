"""Every shipped language: URLs, alternates, the visitor's remembered choice, right-to-left."""

import re

import pytest

from app.config import shipped_languages
from tests.helpers import axe_violations, serve

LANGUAGES = shipped_languages()
EXPECTED = {"en", "zh-hans", "zh-hant", "es", "fr", "de", "pt", "it", "sv", "pl", "cs", "tr", "ar", "ug"}
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
        # An alternate for every language, to the same page.
        alternates = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="[^"]+/([a-z-]+)' + re.escape(path) + '"', html)
        assert {alternate[1] for alternate in alternates} == EXPECTED, (tag, path)


def test_the_switcher_keeps_the_visitor_on_the_same_page(client):
    html = client.get("/ar/countries/se?as_of=2020-01-01").get_data(as_text=True)
    assert 'href="/zh-hant/countries/se?as_of=2020-01-01"' in html and 'hreflang="zh-Hant"' in html


def test_a_visitors_choice_is_remembered(client):
    client.get("/tr/countries/")
    response = client.get("/", headers={"Accept-Language": "de"})
    assert response.headers["Location"].endswith("/tr/")
    assert "Cookie" in response.headers["Vary"]


@pytest.mark.parametrize("accept, tag", [("zh-TW", "zh-hant"), ("zh-HK,en;q=0.5", "zh-hant"), ("zh-CN", "zh-hans"),
                                         ("ug-CN", "ug"), ("pt-BR", "pt"), ("sv-FI", "sv"), ("xx", "en")])
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
