"""A drive on partner sites and on paper: the frameable embed page, its <iframe> code and the
drive's QR codes in the back office."""

import re
import struct
import threading
import zlib
from xml.etree import ElementTree

import pytest
import segno
from sqlalchemy import select
from werkzeug.serving import make_server

from app.extensions import cache, db
from app.petitions.models import Drive
from app.staff.auth import new_user
from tests.helpers import axe_violations, deliver, link, press, selects, serve, set_drive, sign
from tests.staff import PASSWORD, ROLES, client_as

EMBED, PAGE = "/en/drives/sweden-2026/embed", "/en/drives/sweden-2026"
SVG = "{http://www.w3.org/2000/svg}"
DOMAIN = "moratorium.test"  # petition_app's SERVER_NAME


def directives(response):
    policy = response.headers.get("Content-Security-Policy", "")
    return dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())


def confirm_a_signature(app, inbox, email="anna@example.org"):
    """Sign through the form, then press the confirmation button from the mail."""
    assert sign(app.test_client(), email=email).status_code == 303
    deliver(app)
    [message] = inbox.to(email)
    assert "confirmed and counted" in press(app.test_client(), link(message, "confirm")).get_data(as_text=True)


# --- the embed page -------------------------------------------------------------------------------

def test_the_embed_can_be_framed_and_the_drive_page_still_cannot(petition_app):
    client = petition_app.test_client()
    embed, page = client.get(EMBED), client.get(PAGE)
    assert embed.status_code == 200 and page.status_code == 200
    assert directives(embed)["frame-ancestors"] == "*"
    assert "X-Frame-Options" not in embed.headers
    # Every other header as strict as on the rest of the site.
    assert {k: v for k, v in directives(embed).items() if k != "frame-ancestors"} == \
        {k: v for k, v in directives(page).items() if k != "frame-ancestors"}
    assert directives(embed)["script-src"] == "'self'" and directives(embed)["style-src"] == "'self'"
    for header in ("X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy"):
        assert embed.headers[header] == page.headers[header], header
    assert directives(page)["frame-ancestors"] == "'none'" and page.headers["X-Frame-Options"] == "DENY"
    html = embed.get_data(as_text=True)
    assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=|<form", html, re.IGNORECASE)


def test_the_embed_sets_no_cookie_on_a_first_visit(petition_app):
    with petition_app.app_context():
        cache.clear()  # the page is rendered afresh: the shell, then a view from the cache
    client = petition_app.test_client()
    for path in (EMBED, EMBED, "/zh-hans/drives/sweden-2026/embed", "/en/drives/no-such-drive/embed"):
        response = client.get(path)
        assert "Set-Cookie" not in response.headers, path
    assert client.get_cookie("lang", DOMAIN) is None and client.get_cookie("session", DOMAIN) is None
    assert "Set-Cookie" in client.get(PAGE).headers  # the drive page does set its cookies


def test_the_embed_sets_no_cookie_for_a_visitor_with_a_session_nor_for_staff(petition_app):
    with petition_app.app_context():
        db.session.add(new_user("campaigner@staff.example", PASSWORD, "campaigner"))
        db.session.commit()
    visitor, staff = petition_app.test_client(), client_as(petition_app, "campaigner")
    for client in (visitor, staff):
        client.get(PAGE)  # a form token in the session
        client.get("/language/en", query_string={"next": PAGE})  # and the language cookie "en"
        assert client.get_cookie("session", DOMAIN) is not None and client.get_cookie("lang", DOMAIN).value == "en"
        with petition_app.app_context():
            cache.clear()
        # Another language than the cookie's, which the drive page would remember.
        for path in ("/zh-hans/drives/sweden-2026/embed", "/zh-hans/drives/sweden-2026/embed", EMBED):
            response = client.get(path)
            assert response.status_code == 200 and "Set-Cookie" not in response.headers, path
    assert "Set-Cookie" in visitor.get("/zh-hans/drives/sweden-2026").headers


def test_the_embed_shows_the_title_count_and_a_link_that_opens_the_drive_page(petition_app):
    html = petition_app.test_client().get("/zh-hans/drives/sweden-2026/embed").get_data(as_text=True)
    assert '<html lang="zh-Hans" dir="ltr">' in html
    assert "<h1>瑞典，请宣布暂停向中国引渡</h1>" in html
    assert 'class="progress"' in html and "<strong>0</strong>" in html
    link_ = re.search(r'<a class="button" href="([^"]+)" target="_blank" rel="noopener">([^<]+)</a>', html)
    assert link_.group(1) == "http://moratorium.test/zh-hans/drives/sweden-2026"
    assert link_.group(2) == "签署请愿"  # "Sign the petition", in the frame's language
    assert 'class="site-header"' not in html  # its own page, without the site's navigation
    arabic = petition_app.test_client().get("/ar/drives/sweden-2026/embed").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in arabic
    # No Arabic text: the main one, marked, in its own direction (its punctuation stays put).
    assert '<h1 lang="en" dir="ltr">Sweden, declare a moratorium</h1>' in arabic


def test_a_closed_drive_says_so_instead_of_offering_to_sign(petition_app, tmp_path):
    set_drive(petition_app, tmp_path, "closed", "update")
    html = petition_app.test_client().get(EMBED).get_data(as_text=True)
    assert "This petition is closed and can no longer be signed." in html
    assert 'class="button"' not in html and "Sign the petition" not in html
    assert 'href="http://moratorium.test/en/drives/sweden-2026" target="_blank" rel="noopener"' in html


def test_only_visible_drives_have_an_embed(empty_app, tmp_path):
    set_drive(empty_app, tmp_path, "draft", "create")
    response = empty_app.test_client().get(EMBED)
    assert response.status_code == 404 and "Set-Cookie" not in response.headers
    assert empty_app.test_client().get("/en/drives/no-such-drive/embed").status_code == 404


def test_the_count_is_live_while_the_page_comes_from_the_cache(petition_app, inbox):
    petition_app.config["PAGE_REVISION_TTL"] = 3600  # the revision is not read again: the cache stays warm
    client = petition_app.test_client()
    assert "<strong>0</strong> confirmed signatures" in client.get(EMBED).get_data(as_text=True)
    confirm_a_signature(petition_app, inbox)
    html, statements = selects(petition_app, client, EMBED)
    assert "<strong>1</strong> confirmed signature" in html
    assert len(statements) == 1, statements  # the counts, nothing else
    # A shared link's tracking arguments change nothing: the same cached page.
    html, statements = selects(petition_app, client, EMBED + "?fbclid=abc&utm_source=partner")
    assert "<strong>1</strong> confirmed signature" in html and "fbclid" not in html
    assert len(statements) == 1, statements


# --- in a real browser: framed on another site ----------------------------------------------------

@pytest.fixture
def partner_site():
    """Another site (another origin: localhost, where the app is on 127.0.0.1) that frames what it is told to."""
    frames = {}

    def site(environ, start_response):
        iframes = "".join(f'<iframe id="{name}" title="{name}" src="{src}" width="400" height="300"></iframe>'
                          for name, src in frames.items())
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [f'<!doctype html><html lang="en"><title>Partner</title><h1>Partner</h1>{iframes}'.encode()]

    server = make_server("127.0.0.1", 0, site, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_port}/", frames
    server.shutdown()


@pytest.mark.browser
def test_a_partner_site_shows_the_embed_but_not_the_drive_page(petition_app, inbox, browser, partner_site):
    petition_app.config["SERVER_NAME"] = None
    confirm_a_signature(petition_app, inbox)
    partner_url, frames = partner_site
    with serve(petition_app) as url:
        frames.update(embed=f"{url}{EMBED}", page=f"{url}{PAGE}")
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(partner_url)
        page.wait_for_load_state("load")
        embed = page.frame_locator("#embed")
        assert "1 confirmed signature" in embed.locator(".progress").inner_text()
        assert embed.locator("h1").inner_text() == "Sweden, declare a moratorium"
        assert embed.get_by_role("link", name="Sign the petition").get_attribute("target") == "_blank"
        # The drive page refuses the frame: the browser shows its error page, not the drive.
        framed = next(frame for frame in page.frames if frame.name == "" and frame != page.main_frame
                      and "/embed" not in frame.url)
        assert framed.url.startswith("chrome-error://"), framed.url
        assert page.frame_locator("#page").locator(".progress").count() == 0
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["en", "zh-hans", "ar"])
def test_axe_finds_no_accessibility_violations_on_the_embed(petition_app, browser, locale):
    petition_app.config["SERVER_NAME"] = None
    with serve(petition_app) as url:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{url}/{locale}/drives/sweden-2026/embed")
        assert axe_violations(page) == []
        context.close()


# --- the back office: the code to paste and the QR codes ------------------------------------------

@pytest.fixture
def staff_drive(petition_app):
    """petition_app with one account per role; the drive's id."""
    petition_app.config.update(RATELIMIT_ENABLED=False)
    with petition_app.app_context():
        for role in ROLES:
            db.session.add(new_user(f"{role}@staff.example", PASSWORD, role))
        db.session.commit()
        return db.session.scalar(select(Drive.id))


def test_the_drive_page_gives_the_iframe_code_for_each_language_it_has_a_text_in(petition_app, staff_drive):
    html = client_as(petition_app, "campaigner").get(f"/en/staff/drives/{staff_drive}").get_data(as_text=True)
    codes = dict(re.findall(r'<textarea id="embed-([a-z-]+)" readonly[^>]*>([^<]*)</textarea>', html))
    assert set(codes) == {"en", "zh-hans"}  # the drive's texts; no code for the languages it lacks
    assert codes["zh-hans"] == (
        '&lt;iframe src=&#34;http://moratorium.test/zh-hans/drives/sweden-2026/embed&#34; '
        'title=&#34;瑞典，请宣布暂停向中国引渡&#34; lang=&#34;zh-Hans&#34; width=&#34;400&#34; height=&#34;260&#34; '
        'loading=&#34;lazy&#34;&gt;&lt;/iframe&gt;')
    assert "<iframe" not in html  # shown as code, not framed in the back office
    assert f'href="/en/staff/drives/{staff_drive}/qr/zh-hans.svg"' in html
    assert f'href="/en/staff/drives/{staff_drive}/qr/en.png"' in html


def test_the_iframe_code_escapes_the_title(petition_app, staff_drive, tmp_path):
    from tests.helpers import DRIVE_YAML

    set_drive(petition_app, tmp_path, "open", "update",
              yaml=DRIVE_YAML.replace("Sweden, declare a moratorium", "'Sweden, \"now\" <b>&</b>'"))
    html = client_as(petition_app, "campaigner").get(f"/en/staff/drives/{staff_drive}").get_data(as_text=True)
    code = re.search(r'<textarea id="embed-en" readonly[^>]*>([^<]*)</textarea>', html).group(1)
    # Escaped twice: once in the code (the partner's page), once around it (the back office).
    assert "title=&#34;Sweden, &amp;#34;now&amp;#34; &amp;lt;b&amp;gt;&amp;amp;&amp;lt;/b&amp;gt;&#34;" in code


def png_modules(data, scale, border):
    """The dark modules of a 1-bit greyscale PNG QR code (as segno writes it), one row per list."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, header = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        chunk = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBB", chunk[:10])
        elif kind == b"IDAT":
            idat += chunk
        position += 12 + length
    width, height, depth, colour = header
    assert (depth, colour) == (1, 0) and width == height
    raw, stride = zlib.decompress(idat), (width + 7) // 8 + 1
    rows, above = [], bytes(stride - 1)
    for y in range(height):
        kind, line = raw[y * stride], raw[y * stride + 1:(y + 1) * stride]
        assert kind in {0, 2}  # None or Up, the two filters segno writes
        above = line if kind == 0 else bytes((a + b) % 256 for a, b in zip(line, above))
        rows.append(above)

    def dark(x, y):
        return not rows[y][x // 8] >> (7 - x % 8) & 1

    size = width // scale - 2 * border
    middle = scale // 2
    return [[dark((border + c) * scale + middle, (border + r) * scale + middle) for c in range(size)]
            for r in range(size)], width


def svg_modules(path_data, size):
    """The dark modules of segno's SVG path: runs drawn with h along rows at y + .5."""
    x = y = 0.0
    dark = set()
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path_data):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark.update((int(y), int(x) + i) for i in range(int(a)))
            x += float(a)
    return [[(r + 4, c + 4) in dark for c in range(size)] for r in range(size)]


def expected_modules(address):
    """The modules of `address` in a QR code with the highest error correction (H), for print."""
    return [[bool(module) for module in row] for row in segno.make(address, error="h", micro=False).matrix]


@pytest.mark.parametrize("role", ["campaigner", "organiser", "admin"])
def test_the_qr_codes_encode_the_drives_address_in_each_language(petition_app, staff_drive, role):
    client = client_as(petition_app, role)
    address = "http://moratorium.test/zh-hans/drives/sweden-2026"
    svg = client.get(f"/en/staff/drives/{staff_drive}/qr/zh-hans.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.headers["Content-Disposition"] == "attachment; filename=sweden-2026-zh-hans-qr.svg"
    root = ElementTree.fromstring(svg.data)
    assert root.tag == f"{SVG}svg" and root.find(f"{SVG}title").text == address
    expected = expected_modules(address)
    assert svg_modules(root.find(f"{SVG}path").get("d"), len(expected)) == expected
    assert root.get("width") == f"{(len(expected) + 8) * 2}mm"  # 2 mm a module, 4 modules of quiet zone

    png = client.get(f"/en/staff/drives/{staff_drive}/qr/zh-hans.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.headers["Content-Disposition"] == "attachment; filename=sweden-2026-zh-hans-qr.png"
    modules, width = png_modules(png.data, 32, 4)
    assert modules == expected and width >= 1200  # big enough for a poster
    assert modules != expected_modules("http://moratorium.test/en/drives/sweden-2026")


@pytest.mark.parametrize("path", ["{id}/qr/xx.svg", "{id}/qr/en.gif", "{id}/qr/en", "999/qr/en.svg"])
def test_unknown_languages_kinds_and_drives_are_not_found(petition_app, staff_drive, path):
    response = client_as(petition_app, "campaigner").get(f"/en/staff/drives/{path.format(id=staff_drive)}")
    assert response.status_code == 404


def test_the_qr_codes_are_for_staff_only(petition_app, staff_drive):
    anonymous = petition_app.test_client().get(f"/en/staff/drives/{staff_drive}/qr/en.png")
    assert anonymous.status_code == 302 and "/en/staff/login" in anonymous.headers["Location"]
    assert not anonymous.data.startswith(b"\x89PNG")
