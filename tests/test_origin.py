"""Nothing a public page loads comes from another origin, and every flow works with JavaScript off."""

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.letters.models import Letter
from app.petitions.models import Signature
from tests.helpers import WRITER, body, deliver, link, serve, sign, write

pytestmark = pytest.mark.browser

LOCALES = ["en", "ar", "zh-hans"]
DRIVE = "/{locale}/drives/sweden-2026"
PAGES = ["/{locale}/", "/{locale}/countries/", "/{locale}/countries/se", "/{locale}/countries/hk",
         "/{locale}/countries/xx", "/{locale}/methodology", "/{locale}/privacy", "/{locale}/signing-safely", DRIVE, f"{DRIVE}/letter",
         f"{DRIVE}/embed", f"{DRIVE}/check-your-mail", f"{DRIVE}/letter/sent?status=held",
         "/{locale}/developments.atom", f"{DRIVE}/updates.atom"]
API = ["/api/v1/countries", "/api/v1/countries/se", "/api/v1/drives/sweden-2026", "/api/v1/stats",
       "/api/v1/openapi.json"]

# What the page would load whether or not the browser gets round to it: every src, srcset, poster
# and data attribute, every <link> that fetches (stylesheets for print too, icons, preloads) and
# every url() in its stylesheets (fonts, backgrounds), resolved against the page's address.
REFERENCED = """() => {
  const found = [];
  for (const element of document.querySelectorAll('[src], [srcset], [poster], object[data]')) {
    for (const name of ['src', 'poster', 'data']) if (element.getAttribute(name)) found.push(element[name]);
    for (const item of (element.getAttribute('srcset') || '').split(',')) {
      if (item.trim()) found.push(new URL(item.trim().split(/\\s+/)[0], document.baseURI).href);
    }
  }
  const fetching = /(^|\\s)(stylesheet|icon|apple-touch-icon|preload|prefetch|modulepreload|manifest|preconnect|dns-prefetch)(\\s|$)/i;
  for (const element of document.querySelectorAll('link[href]')) {
    if (fetching.test(element.rel)) found.push(element.href);
  }
  for (const sheet of document.styleSheets) {
    for (const rule of sheet.cssRules) {
      for (const match of rule.cssText.matchAll(/url\\(["']?([^"')]+)["']?\\)/g)) {
        found.push(new URL(match[1], sheet.href || document.baseURI).href);
      }
      if (rule.href) found.push(new URL(rule.href, sheet.href || document.baseURI).href);
    }
  }
  return found;
}"""


def origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def public_app(letters_app):
    """letters_app with the project's data loaded, so that every public page kind has something to show."""
    result = letters_app.test_cli_runner().invoke(args=["data", "load"])
    assert result.exit_code == 0, result.output
    return letters_app


def mail_links(app, inbox):
    """A signature's confirmation and withdrawal links and a held letter's confirmation link, from real mail."""
    client = app.test_client()
    sign(client, email="anna@example.org")
    write(app.test_client())
    deliver(app)
    [signed] = inbox.to("anna@example.org")
    [letter] = inbox.to(WRITER)
    letter_confirm = re.search(r"http://moratorium\.test(/[\w-]+/letters/confirm/\S+)", body(letter)).group(1)
    return [link(signed, "confirm"), link(signed, "withdraw"), letter_confirm]


def localised(path, locale):
    """The same page in `locale`: mail links carry the language the person used."""
    return re.sub(r"^/[a-z-]+/", f"/{locale}/", path)


def test_no_public_page_loads_anything_from_another_origin(public_app, inbox, browser):
    tokens = mail_links(public_app, inbox)
    public_app.config["SERVER_NAME"] = None
    with serve(public_app) as site:
        # Scripts on (were there any, what they fetch counts too), and the Content-Security-Policy
        # set aside: the test proves the pages ask for nothing elsewhere, not that the policy refuses it.
        context = browser.new_context(bypass_csp=True)
        requested = []
        context.on("request", lambda request: requested.append(request.url))
        page = context.new_page()
        seen = set()
        for locale in LOCALES:
            paths = [p.format(locale=locale) for p in PAGES] + [localised(p, locale) for p in tokens]
            for path in ["/", *paths, *API]:
                requested.clear()
                response = page.goto(site + path)
                assert response.status < 500, path
                page.wait_for_load_state("networkidle")
                referenced = page.evaluate(REFERENCED)
                seen.update(urlsplit(url).path for url in requested + referenced)
                assert [u for u in requested + referenced if origin(u) != site] == [], path
        context.close()
    # The test looked at what it meant to: the stylesheet, the favicon, the map and the embed's own style.
    assert {"/static/css/site.css", "/static/css/embed.css", "/static/favicon.svg"} <= seen
    assert any(path.startswith("/api/v1/") for path in seen)


def test_sign_confirm_write_confirm_by_mail_and_withdraw_without_javascript(letters_app, inbox, browser):
    letters_app.config["SERVER_NAME"] = None
    with serve(letters_app) as site:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(f"{site}/en/drives/sweden-2026")
        assert "0 confirmed signatures" in page.locator("main").inner_text()
        page.get_by_label("Full name").fill("Wang Fang")
        page.get_by_label("E-mail address").fill(WRITER)
        page.get_by_label("Country of residence").select_option("SE")
        page.get_by_label("I have read the privacy notice").check()
        page.get_by_role("button", name="Sign").click()
        assert page.url.endswith("/en/drives/sweden-2026/check-your-mail")
        assert count(letters_app, Signature) == 1
        deliver(letters_app)
        [confirmation] = inbox.to(WRITER)

        # The link from the mail opens in another browser (a phone's mail app): its own cookies, no proof.
        phone = browser.new_context(java_script_enabled=False).new_page()
        phone.goto(site + link(confirmation, "confirm"))
        phone.get_by_role("button", name="Confirm your signature").click()
        assert "your signature is confirmed and counted" in phone.locator("main").inner_text()
        page.goto(f"{site}/en/drives/sweden-2026")
        assert "1 confirmed signature" in page.locator("main").inner_text()

        # The first browser never saw the mail: its letter waits for its own confirmation by mail.
        page.goto(f"{site}/zh-hans/drives/sweden-2026/letter")
        page.locator("select[name=region]").select_option("Stockholm")
        page.locator("input[name=name]").fill("Wang Fang")
        page.locator("input[name=email]").fill(WRITER)
        page.locator("textarea[name=personal]").fill("My family lives in Stockholm.")
        page.locator("input[name=accept_privacy]").check()
        page.locator("button[value=send]").click()
        assert page.url.endswith("/letter/sent?status=held")
        assert count(letters_app, Letter) == 1
        deliver(letters_app)
        ask = inbox.to(WRITER)[-1]
        assert len(inbox.messages) == 2  # the legislators have nothing yet
        confirm = re.search(r"http://moratorium\.test(/zh-hans/letters/confirm/\S+)", body(ask)).group(1)
        phone.goto(site + confirm)
        assert "My family lives in Stockholm." in phone.locator("main").inner_text()
        phone.locator("main button[type=submit]").click()
        assert "谢谢：您写给2位议员的信件正在发送。" in phone.locator("main").inner_text()
        deliver(letters_app)
        assert {m["To"] for m in inbox.messages[2:]} == {"anna@riksdagen.example", "li@riksdagen.example"}
        page.goto(f"{site}/en/drives/sweden-2026")
        assert "2 letters sent to legislators so far." in page.locator("main").inner_text()

        # The withdrawal link in the first mail takes the signature back off the count.
        phone.goto(site + link(confirmation, "withdraw"))
        phone.get_by_role("button", name="Withdraw your signature").click()
        assert "Your signature has been withdrawn" in phone.locator("main").inner_text()
        page.goto(f"{site}/en/drives/sweden-2026")
        assert "0 confirmed signatures" in page.locator("main").inner_text()
        phone.context.close()
        context.close()
