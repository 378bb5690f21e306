"""Share previews: the Open Graph and X card tags of the public pages, in each page's language."""

import struct
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from app.config import shipped_languages
from app.templating import shortened
from tests.helpers import DRIVE_YAML as BASE_YAML
from tests.helpers import csrf_from, set_drive

PUBLIC = "https://moratorium.example"
SHARE_PNG = Path(__file__).resolve().parent.parent / "static" / "share.png"
LONG_SUMMARY = "Sveriges högsta domstol har stoppat utlämningar till Kina. " * 6  # 354 characters

# The petition app's drive, with a long Swedish summary and an Arabic text besides.
DRIVE_YAML = BASE_YAML + f"""  sv:
    title: Sverige, inför ett moratorium
    summary: {LONG_SUMMARY.strip()}
    petition: Vi uppmanar Sverige att stoppa utlämningar till Kina.
  ar:
    title: السويد، أعلني وقفًا للتسليم
    summary: اجعلوا حماية المحكمة العليا قانونًا.
    petition: ندعو السويد إلى وقف التسليم إلى الصين.
"""


class Head(HTMLParser):
    """The <head>'s meta tags, as (property or name, content), and its links, as (rel, href)."""

    def __init__(self, html):
        super().__init__()
        self.meta, self.links, self.inside = [], [], True
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.inside = False
        elif self.inside and tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta.append((attrs.get("property") or attrs["name"], attrs["content"]))
        elif self.inside and tag == "link":
            self.links.append((attrs["rel"], attrs["href"]))

    def one(self, key):
        """The content of the single tag `key`: it must be there exactly once."""
        [content] = [content for name, content in self.meta if name == key]
        return content


def head(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return Head(response.get_data(as_text=True))


@pytest.fixture
def share_app(petition_app, tmp_path):
    """Sweden's drive, in English, Swedish and Arabic, on a public address that is not the request's host."""
    set_drive(petition_app, tmp_path, "open", "update", yaml=DRIVE_YAML)
    petition_app.config["PUBLIC_URL"] = PUBLIC
    return petition_app


def assert_complete(tags, url, locale):
    """Every tag once (the alternate locales excepted), absolute on PUBLIC_URL, this page's language first."""
    repeated = [name for name, n in Counter(name for name, _ in tags.meta).items() if n > 1]
    assert repeated == ["og:locale:alternate"]
    assert [href for rel, href in tags.links if rel == "canonical"] == [url]
    assert tags.one("og:url") == url and tags.one("og:type") == "website"
    assert tags.one("og:locale") == locale
    alternates = [content for name, content in tags.meta if name == "og:locale:alternate"]
    assert locale not in alternates and len(alternates) == len(set(alternates)) == len(shipped_languages()) - 1
    assert {"en_US", "sv_SE", "ar_AR", "zh_CN", "zh_TW", "ug_CN", "kk_KZ", "el_GR"} <= {locale, *alternates}
    assert tags.one("og:image") == f"{PUBLIC}/static/share.png"
    assert (tags.one("og:image:width"), tags.one("og:image:height")) == ("1200", "630")
    assert tags.one("og:image:alt") and tags.one("twitter:image:alt") == tags.one("og:image:alt")
    assert tags.one("twitter:card") == "summary_large_image"
    assert tags.one("twitter:title") == tags.one("og:title")
    assert tags.one("twitter:description") == tags.one("og:description") == tags.one("description")


def test_a_drive_page_previews_in_swedish_when_shared_in_swedish(share_app):
    tags = head(share_app.test_client(), "/sv/drives/sweden-2026")
    assert_complete(tags, f"{PUBLIC}/sv/drives/sweden-2026", "sv_SE")
    assert tags.one("og:title") == "Sverige, inför ett moratorium"
    assert tags.one("og:site_name") == "Moratorium"
    description = tags.one("og:description")
    assert description == shortened(LONG_SUMMARY) and description.endswith("…") and len(description) <= 200
    assert LONG_SUMMARY.startswith(description.removesuffix("…") + " ")  # cut after a whole word


def test_a_drive_page_previews_in_arabic_when_shared_in_arabic(share_app):
    tags = head(share_app.test_client(), "/ar/drives/sweden-2026")
    assert_complete(tags, f"{PUBLIC}/ar/drives/sweden-2026", "ar_AR")
    assert tags.one("og:title") == "السويد، أعلني وقفًا للتسليم"
    assert tags.one("og:description") == "اجعلوا حماية المحكمة العليا قانونًا."
    assert tags.one("og:site_name") == "Moratorium"  # a proper name, the same in every language


def test_a_drive_without_the_language_previews_in_its_main_language(share_app):
    tags = head(share_app.test_client(), "/de/drives/sweden-2026")
    assert_complete(tags, f"{PUBLIC}/de/drives/sweden-2026", "de_DE")
    assert tags.one("og:title") == "Sweden, declare a moratorium"


def test_the_cached_drive_page_keeps_its_tags_and_each_visitors_token(share_app):
    share_app.config["PAGE_REVISION_TTL"] = 3600
    first, second = share_app.test_client(), share_app.test_client()
    one, two = (client.get("/sv/drives/sweden-2026").get_data(as_text=True) for client in (first, second))
    assert csrf_from(one) != csrf_from(two)
    assert Head(one).meta == Head(two).meta and Head(two).one("og:title") == "Sverige, inför ett moratorium"


@pytest.mark.parametrize("locale, og_locale", [("en", "en_US"), ("zh-hans", "zh_CN"), ("zh-hant", "zh_TW"), ("ug", "ug_CN")])
def test_the_home_page_previews_the_sites_tagline(share_app, locale, og_locale):
    client = share_app.test_client()
    tags = head(client, f"/{locale}/")
    assert_complete(tags, f"{PUBLIC}/{locale}/", og_locale)
    assert head(client, f"/{locale}/").meta == tags.meta  # from the cache, the same
    if locale == "en":
        assert tags.one("og:title") == "Stop extraditions to China"
        assert tags.one("og:description").startswith("Stop extraditions to China: treaty status")
    else:
        assert "Stop" not in tags.one("og:title") + tags.one("og:description")


def test_a_country_page_previews_its_moratorium_status(share_app):
    assert share_app.test_cli_runner().invoke(args=["data", "load"]).exit_code == 0
    client = share_app.test_client()
    tags = head(client, "/en/countries/se")
    assert_complete(tags, f"{PUBLIC}/en/countries/se", "en_US")
    assert tags.one("og:title") == "Sweden"
    assert "Its law allows extradition without a treaty, case by case." in tags.one("og:description")
    chinese = head(client, "/zh-hans/countries/se")
    assert chinese.one("og:title") == "瑞典" and chinese.one("og:locale") == "zh_CN"
    assert "Its law" not in chinese.one("og:description") and chinese.one("og:description")
    china = head(client, "/en/countries/cn").one("og:description")
    assert china.startswith("This campaign asks other states to stop extraditing people")


def test_the_canonical_address_leaves_made_up_query_arguments_out(share_app):
    tags = head(share_app.test_client(), "/en/drives/sweden-2026?utm_source=mail")
    assert tags.one("og:url") == f"{PUBLIC}/en/drives/sweden-2026"


@pytest.mark.parametrize("path", ["/en/countries/xx", "/en/drives/no-such-drive", "/en/privacy",
                                  "/en/signatures/confirm/forged"])
def test_pages_not_meant_for_sharing_have_no_preview_tags(share_app, path):
    html = share_app.test_client().get(path).get_data(as_text=True)
    tags = Head(html)
    assert not [name for name, _ in tags.meta if name.startswith(("og:", "twitter:"))]
    # A page that is not there, or whose address holds a token, has no address to give as its own.
    canonical = [href for rel, href in tags.links if rel == "canonical"]
    assert canonical == ([f"{PUBLIC}/en/privacy"] if path == "/en/privacy" else [])


def test_the_shared_image_is_a_1200_by_630_png_served_by_the_site(share_app):
    data = share_app.test_client().get("/static/share.png").get_data()
    assert data == SHARE_PNG.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1200, 630)


@pytest.mark.parametrize("text, expected", [
    ("Short  and\nsweet.", "Short and sweet."),
    ("word " * 60, ("word " * 40).strip() + "…"),
    ("words " * 60, ("words " * 33).strip() + "…"),
    ("停" * 300, "停" * 199 + "…"),  # no spaces to cut at: cut anywhere
])
def test_descriptions_are_shortened_sensibly(text, expected):
    assert shortened(text) == expected
