"""What a person sees in a real browser: Debian's Chromium driven by Playwright."""

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import unavailable

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(app):
    """The app served on a free local port for the browser to visit."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        unavailable("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_a_visitor_reads_swedens_page(page, live_server):
    page.goto(f"{live_server}/en/countries/se")
    assert page.title().startswith("Sweden")
    assert page.locator("h1").inner_text() == "Sweden"
    verdict = page.locator(".verdict")
    assert verdict.is_visible()
    assert "No treaty, but extradition still possible" in verdict.inner_text()
    case = page.locator(".case").first
    assert "Qiao Jianjun" in case.inner_text() and "Refused" in case.inner_text()
    assert page.locator(".case details").first.is_visible()


def test_a_chinese_reader_gets_chinese_names_and_can_switch_language(page, live_server):
    page.goto(f"{live_server}/zh-hans/countries/se")
    assert page.locator("h1").inner_text() == "瑞典"
    page.get_by_role("link", name="English").click()
    page.wait_for_url(f"{live_server}/en/countries/se")
    assert page.locator("h1").inner_text() == "Sweden"


def test_the_home_map_links_to_a_filtered_country_list(page, live_server):
    page.goto(f"{live_server}/en/")
    assert page.locator(".map svg path").count() > 150
    assert page.locator(".map svg").bounding_box()["width"] > 200
    page.locator(".legend a").filter(has_text="Treaty in force").click()
    assert "status=in_force" in page.url
    assert page.locator("table.countries tbody tr").count() > 40


def test_keyboard_users_can_skip_to_content_and_filter_by_label(page, live_server):
    page.goto(f"{live_server}/en/countries/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to content" and skip.is_visible()
    page.get_by_label("Status").select_option("disputed")
    page.get_by_label("Region").select_option("150")
    page.get_by_role("button", name="Filter").press("Enter")
    page.wait_for_url("**status=disputed&region=150")
    assert page.locator("table.countries tbody th").all_inner_texts() == ["Austria"]


AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
A11Y_PAGES = ["/", "/countries/", "/countries/au", "/countries/se", "/countries/?status=bogus", "/methodology", "/countries/xx"]


@pytest.fixture(scope="module")
def scripted_page(browser):
    """A page with JavaScript on: axe-core runs in the page (the site itself ships none)."""
    if not AXE.exists():
        unavailable("axe-core is not installed (npm ci)")
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("locale", ["en", "zh-hans"])
@pytest.mark.parametrize("path", A11Y_PAGES)
def test_axe_finds_no_accessibility_violations(scripted_page, live_server, locale, path):
    scripted_page.goto(f"{live_server}/{locale}{path}")
    scripted_page.add_script_tag(path=str(AXE))
    results = scripted_page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results["violations"]]
    assert violations == []
