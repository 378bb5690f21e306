"""The home page leads to action: the open drives first, with live counts, and every country with
an open drive linked to it from the map and the country tables."""

import re

import pytest

from tests.helpers import DRIVE_YAML, axe_violations, deliver, link, press, selects, serve, set_drive, sign
from tests.test_browser import NOT_ISOLATED

OTHER_DRIVE = """
slug: {slug}
country: "{country}"
state: {{state}}
opens_on: {opens_on}
closes_on: 2099-12-31
goal: 500
main_language: en
texts:
  en:
    title: {title}
    summary: A summary.
    petition: A petition.
"""


def other_drive(app, tmp_path, state, slug, country, title, opens_on="2026-01-01", verb="create"):
    yaml = OTHER_DRIVE.format(slug=slug, country=country, title=title, opens_on=opens_on)
    set_drive(app, tmp_path, state, verb, yaml=yaml)


def cards(html):
    """The home page's open drives: (title, sign link) per card, in order."""
    found = re.findall(r'<li class="drive-card">\s*<h3[^>]*>(.*?)</h3>.*?<a class="button" href="([^"]+)"', html, re.S)
    return [(re.sub(r"<[^>]+>", "", title), href) for title, href in found]


@pytest.fixture
def world_app(petition_app):
    """petition_app (Sweden's drive open) with the data loaded, so the map and the tables have countries."""
    assert petition_app.test_cli_runner().invoke(args=["data", "load"]).exit_code == 0
    return petition_app


def test_the_home_page_lists_only_the_drives_open_today(world_app, tmp_path):
    other_drive(world_app, tmp_path, "draft", "norway-draft", "NO", "Norway draft")
    other_drive(world_app, tmp_path, "closed", "denmark-closed", "DK", "Denmark closed")
    other_drive(world_app, tmp_path, "closed", "finland-archived", "FI", "Finland archived")
    other_drive(world_app, tmp_path, "archived", "finland-archived", "FI", "Finland archived", verb="update")
    other_drive(world_app, tmp_path, "open", "spain-later", "ES", "Spain not yet", opens_on="2099-01-01")
    other_drive(world_app, tmp_path, "open", "france-2026", "FR", "France, declare a moratorium")
    html = world_app.test_client().get("/en/").get_data(as_text=True)
    assert cards(html) == [("Sweden, declare a moratorium", "/en/drives/sweden-2026"),
                           ("France, declare a moratorium", "/en/drives/france-2026")]
    for hidden in ("norway-draft", "denmark-closed", "finland-archived", "spain-later"):
        assert hidden not in html
    # The drives lead: before the figures, the map and the news.
    assert html.index('class="open-drives"') < html.index('id="figures-title"') < html.index('class="map"')


def test_counts_on_the_cached_home_page_are_live(world_app, inbox):
    world_app.config["PAGE_REVISION_TTL"] = 3600  # no revision read in between: the page is the cached one
    client = world_app.test_client()
    assert "<strong>0</strong> confirmed signatures" in client.get("/en/").get_data(as_text=True)
    sign(client)
    deliver(world_app)
    press(client, link(inbox.to("anna@example.org")[0], "confirm"))
    html, statements = selects(world_app, client, "/en/")
    assert "<strong>1</strong> confirmed signature" in html
    assert 'value="1"' in html and 'max="1000"' in html  # the progress bar, through the drive page's macro
    # From the cache but for the counts: one query, for every open drive at once.
    assert len(statements) == 1, statements


def test_each_drive_on_the_home_page_has_its_own_progress_heading(world_app, tmp_path):
    other_drive(world_app, tmp_path, "open", "france-2026", "FR", "France, declare a moratorium")
    html = world_app.test_client().get("/en/").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert len(re.findall(r'<progress [^>]*aria-labelledby="drive-\d+-title-count"', html)) == 2


def test_the_home_page_speaks_the_visitors_language_and_marks_a_fallback(world_app):
    client = world_app.test_client()
    assert cards(client.get("/zh-hans/").get_data(as_text=True)) == [
        ("瑞典，请宣布暂停向中国引渡", "/zh-hans/drives/sweden-2026")]
    swedish = client.get("/sv/").get_data(as_text=True)
    assert cards(swedish) == [("Sweden, declare a moratorium", "/sv/drives/sweden-2026")]
    assert '<bdi lang="en">Sweden, declare a moratorium</bdi>' in swedish  # no Swedish text: the English, marked


def test_the_map_and_the_country_tables_link_a_country_with_an_open_drive_to_it(world_app, tmp_path):
    other_drive(world_app, tmp_path, "open", "france-2026", "FR", "France, declare a moratorium")
    client = world_app.test_client()
    home = client.get("/en/").get_data(as_text=True)
    for code, slug in (("se", "sweden-2026"), ("fr", "france-2026")):  # the map
        assert f'<a href="/en/drives/{slug}" tabindex="-1" class="has-drive">' in home
        assert f'href="/en/countries/{code}" tabindex="-1"' not in home
    assert 'href="/en/countries/es" tabindex="-1"' in home  # no drive: the country page, as before
    # The home's table lists the countries with a treaty or a measure (France, not Sweden); the
    # country index lists them all.
    for html, code, slug in ((home, "fr", "france-2026"), (client.get("/en/countries/").get_data(as_text=True), "se", "sweden-2026")):
        rows = dict(re.findall(r'<tr><th scope="row"><a href="/en/countries/(\w+)">(.*?)</tr>', html, re.S))
        assert f'<a href="/en/drives/{slug}">Sign the petition</a>' in rows[code]
        assert "Sign the petition" not in rows["es"]


def test_with_no_drive_open_the_home_page_says_nothing_about_drives(world_app, tmp_path):
    set_drive(world_app, tmp_path, "closed", "update", yaml=DRIVE_YAML)
    html = world_app.test_client().get("/en/").get_data(as_text=True)
    assert "drive-card" not in html and "Sign a petition" not in html
    assert "has-drive" not in html and "Sign the petition" not in html and ">Petition</th>" not in html
    assert 'href="/en/countries/se" tabindex="-1"' in html


@pytest.mark.browser
def test_the_home_page_with_open_drives_passes_axe_and_leads_to_the_drive(world_app, browser, tmp_path):
    other_drive(world_app, tmp_path, "open", "france-2026", "FR", "France, declare a moratorium")
    world_app.config["SERVER_NAME"] = None
    with serve(world_app) as url:
        context = browser.new_context()
        page = context.new_page()
        for locale in ("en", "zh-hans", "ar"):
            page.goto(f"{url}/{locale}/")
            assert page.locator(".drive-card").count() == 2
            assert axe_violations(page) == []
        assert page.evaluate(NOT_ISOLATED) == []  # the Arabic page: the English title is isolated
        page.goto(f"{url}/en/")
        page.locator(".drive-card").first.get_by_role("link", name="Sign").click()
        page.wait_for_url(f"{url}/en/drives/sweden-2026")
        assert page.get_by_role("button", name="Sign").is_visible()
        page.goto(f"{url}/en/")
        page.locator('.map a.has-drive[href$="/france-2026"] path').dispatch_event("click")  # the map's France
        page.wait_for_url(f"{url}/en/drives/france-2026")
        context.close()
