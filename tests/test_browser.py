"""What a person sees in a real browser: Debian's Chromium driven by Playwright."""


import pytest

from tests.helpers import AXE, axe_violations, serve, unavailable

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(app):
    with serve(app) as url:
        yield url


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
    assert "No extradition treaty" in verdict.inner_text()
    assert "Its law allows extradition without a treaty, case by case." in verdict.inner_text()
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


A11Y_PAGES = ["/", "/countries/", "/countries/au", "/countries/se", "/countries/hk", "/countries/?status=bogus",
              "/methodology", "/privacy", "/countries/xx"]


@pytest.fixture(scope="module")
def scripted_page(browser):
    """A page with JavaScript on: axe-core runs in the page (the site itself ships none)."""
    if not AXE.exists():
        unavailable("axe-core is not installed (npm ci)")
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("locale", ["en", "zh-hans", "ar"])
@pytest.mark.parametrize("path", A11Y_PAGES)
def test_axe_finds_no_accessibility_violations(scripted_page, live_server, locale, path):
    scripted_page.goto(f"{live_server}/{locale}{path}")
    assert axe_violations(scripted_page) == []



# Every text node in <main> with a Latin letter outside Unicode isolates (U+2068...U+2069), unless an
# element of its own (not <html>) sets its direction.
NOT_ISOLATED = """() => {
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  const found = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!/[A-Za-z]/.test(node.data.replace(/\u2068[^\u2069]*\u2069/g, ''))) continue;
    const own = node.parentElement.closest('bdi, [dir]');
    if (!own || own === document.documentElement) found.push(node.data.trim().slice(0, 60));
  }
  return found;
}"""


@pytest.mark.parametrize("path", ["/", "/countries/se", "/countries/hk", "/countries/es", "/countries/us",
                                  "/countries/kh", "/methodology"])
def test_on_right_to_left_pages_every_left_to_right_text_is_isolated(page, live_server, path):
    page.goto(f"{live_server}/ar{path}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate(NOT_ISOLATED) == []
