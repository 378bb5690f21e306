"""The public pages, in every shipped language."""

import re

import pytest

LOCALES = ["en", "zh-hans"]


@pytest.mark.parametrize("accept, target", [
    ("zh-CN,zh;q=0.9,en;q=0.5", "/zh-hans/"),
    ("zh", "/zh-hans/"),
    ("en-GB,en;q=0.8", "/en/"),
    ("fr-FR,de;q=0.7", "/fr/"),
    ("nl-NL,de;q=0.7", "/de/"),
    ("nl-NL", "/en/"),
    ("", "/en/"),
])
def test_root_negotiates_the_language(client, accept, target):
    response = client.get("/", headers={"Accept-Language": accept})
    assert response.status_code == 302
    assert response.headers["Location"] == target
    assert "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("path", ["/", "/countries/", "/countries/se", "/countries/fr", "/methodology"])
def test_every_page_answers_in_every_language(client, locale, path):
    response = client.get(f"/{locale}{path}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    lang = {"en": "en", "zh-hans": "zh-Hans"}[locale]
    assert f'<html lang="{lang}" dir="ltr">' in html
    assert 'hreflang="zh-Hans"' in html and 'hreflang="en"' in html
    assert "<main" in html and "<h1" in html


def test_country_names_come_from_cldr(client):
    assert "<h1>瑞典</h1>" in client.get("/zh-hans/countries/se").get_data(as_text=True)
    assert "<h1>Sweden</h1>" in client.get("/en/countries/se").get_data(as_text=True)


def test_sweden_has_no_treaty_and_shows_its_supreme_court_refusal(client):
    html = client.get("/en/countries/se").get_data(as_text=True)
    assert "No extradition treaty" in html
    assert "Its law allows extradition without a treaty, case by case." in html
    assert "Qiao Jianjun" in html and "Refused" in html
    assert '<time datetime="2019-07-09">July 9, 2019</time>' in html
    assert '<bdi class="publisher">Supreme Court of Sweden</bdi> (court): ' in html


def test_spain_shows_treaty_in_force_with_its_timeline(client):
    html = client.get("/en/countries/es").get_data(as_text=True)
    assert "Treaty in force, no moratorium" in html
    assert "in force since April 4, 2007" in html
    assert html.index("Treaty signed") < html.index("Treaty in force</span>")


def test_australia_shows_the_withdrawal_and_the_hong_kong_suspension(client):
    html = client.get("/en/countries/au").get_data(as_text=True)
    assert "Ratification of the treaty withdrawn" in html
    assert "Hong Kong surrender agreement suspended" in html
    assert "The ratification of the extradition treaty with China was withdrawn on" in html
    assert "This concerns surrenders to Hong Kong. It does not stop extraditions to mainland China." in html


def test_unverified_dates_and_bounds_are_marked(client):
    mongolia = client.get("/en/countries/mn").get_data(as_text=True)
    assert "not yet confirmed by a primary source" in mongolia
    angola = client.get("/en/countries/ao").get_data(as_text=True)
    assert 'no later than <time datetime="2018-10">October 2018</time>' in angola
    # The bound comes from a list seen only in copies: it is marked as such too.
    bound = angola[angola.index('no later than <time datetime="2018-10">'):]
    assert "not yet confirmed by a primary source" in bound[:bound.index("</li>")]


def test_dates_keep_their_precision_on_the_page(client):
    html = client.get("/zh-hans/countries/br").get_data(as_text=True)
    assert '<time datetime="2014">2014年</time>' in html


def test_a_country_without_any_data_says_it_has_no_treaty(client):
    html = client.get("/en/countries/is").get_data(as_text=True)
    assert "<h1>Iceland</h1>" in html
    assert "There is no extradition treaty with China" in html


def test_country_codes_are_lowercase_in_urls(client):
    response = client.get("/en/countries/SE")
    assert response.status_code == 301 and response.headers["Location"] == "/en/countries/se"


@pytest.mark.parametrize("locale, text", [("en", "Page not found"), ("zh-hans", "找不到")])
def test_unknown_country_is_a_404_in_the_visitors_language(client, locale, text):
    response = client.get(f"/{locale}/countries/xx")
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


def test_unknown_language_is_a_404(client):
    assert client.get("/xx/countries/se").status_code == 404


def test_index_lists_every_country_and_filters_by_status_and_region(client):
    everything = client.get("/en/countries/").get_data(as_text=True)
    assert everything.count('<tr><th scope="row">') == 248  # every ISO country but China
    europe = client.get("/en/countries/?status=in_force&region=150").get_data(as_text=True)
    names = re.findall(r'<tr><th scope="row"><a href="/en/countries/(\w\w)">', europe)
    assert {"es", "fr", "it", "pt", "be", "ru", "by", "bg", "ro", "lt", "ua", "ba"} <= set(names)
    assert not {"se", "cn", "th", "gr"} & set(names)


def test_a_bad_filter_is_a_400_with_the_message_beside_it(client):
    response = client.get("/en/countries/?status=bogus")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="status-error"' in html and 'aria-invalid="true"' in html


def test_home_shows_figures_map_and_latest_developments(client):
    html = client.get("/en/").get_data(as_text=True)
    assert re.search(r"<strong>\d+</strong> treaties in force", html)
    assert html.count("<path class=\"st-") > 150
    assert 'class="st-in_force" d=' in html and 'class="st-no_treaty" d=' in html
    assert "The map as a table" in html
    assert "Latest developments" in html
    assert "<script" not in html


def test_home_figures_match_the_api(client):
    stats = client.get("/api/v1/stats").get_json()
    html = client.get("/en/").get_data(as_text=True)
    assert f"<strong>{stats['in_force']}</strong> treaties in force" in html
    assert f"<strong>{stats['signed']}</strong> treat" in html


def test_methodology_states_the_source_policy_unverified_and_corrections(client):
    html = client.get("/en/methodology").get_data(as_text=True)
    assert "What “not yet confirmed by a primary source” means" in html and "corrections@" in html
    assert "We do not cite personal blogs, content farms, aggregators or copies of other sites." in html
    for kind in ("official", "court", "intergovernmental", "press", "NGO", "report", "academic", "secondary source"):
        assert f"<dt>{kind}</dt>" in html
    assert "The notes our researchers keep on each fact" in html


def test_language_switcher_keeps_the_visitor_on_the_same_page(client):
    html = client.get("/en/countries/se").get_data(as_text=True)
    assert 'href="/language/zh-hans?next=/zh-hans/countries/se" rel="nofollow" hreflang="zh-Hans"' in html


def test_china_is_the_requesting_state_not_a_country_without_treaty(client):
    html = client.get("/en/countries/cn").get_data(as_text=True)
    assert "The requesting state" in html
    assert "No treaty, but extradition still possible" not in html
    assert 'class="is-origin"' in client.get("/en/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/en/", "/en/countries/", "/en/countries/au", "/en/methodology"])
def test_pages_load_nothing_from_other_sites(client, path):
    html = client.get(path).get_data(as_text=True)
    assert "<script" not in html and "<iframe" not in html
    # Alternates and the canonical address name this site's pages on PUBLIC_URL: they load nothing.
    assert not re.search(r'<(link|img)(?![^>]+rel="(alternate|canonical)")[^>]+(href|src)="(https?:)?//', html)
    assert '<link rel="alternate" hreflang="zh-Hans" href="http://localhost/zh-hans/' in html


@pytest.mark.parametrize("query", ["?_method=POST", "?_external=1", "?_anchor=x&utm_source=mail", "?status=in_force&_scheme=ftp"])
def test_made_up_query_arguments_are_harmless(client, query):
    response = client.get(f"/en/countries/{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="http://localhosthttp' not in html and "ftp:" not in html


@pytest.mark.parametrize("path", ["/en/countries/%C3%9F", "/en/countries/%C4%B1e", "/en/countries/s", "/en/countries/swe"])
def test_only_ascii_iso_codes_name_countries(client, path):
    assert client.get(path).status_code == 404


def test_head_and_post_get_sensible_answers(client):
    assert client.head("/en/countries/se").status_code == 200
    response = client.post("/en/countries/se")
    assert response.status_code == 405 and "<html" in response.get_data(as_text=True)


def test_translated_sentences_keep_their_own_punctuation(client):
    html = client.get("/zh-hans/countries/au").get_data(as_text=True)
    assert '撤回对条约的批准（<time datetime="2017-03-28">2017年3月28日</time>）' in html
    assert "法院裁决：" in client.get("/zh-hans/").get_data(as_text=True)
