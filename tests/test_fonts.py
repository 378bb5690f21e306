"""Every script the site is read in renders with fonts that have its letters: no missing glyph.

Debian's Chromium renders one page per script with Debian's Noto fonts (make fonts); Chrome's
DevTools protocol names the fonts it used for each text node (CSS.getPlatformFontsForNode), and
fontTools reads their character maps: every character of the node must be in one of them.
A character no font has is drawn as an empty box from the first font: that font is named, the
character is not in its map, and the test fails (test_the_checker_finds_a_missing_glyph).
"""

import re
import subprocess
import unicodedata
from functools import cache
from pathlib import Path

import pytest

from app.config import shipped_languages
from tests.helpers import serve, unavailable

# Every language the site ships or is being translated into (URL tag) -> the script its pages
# are written in. A script is a set of letters here: Vietnamese, Kazakh and Uyghur add letters of
# their own to Latin, Cyrillic and Arabic that not every font of those scripts has.
SCRIPT = {
    **dict.fromkeys(["en", "de", "fr", "es", "it", "pt", "sv", "pl", "cs", "tr", "id"], "Latin"),
    "vi": "Vietnamese",
    "ru": "Cyrillic",
    "kk": "Kazakh",
    "el": "Greek",
    "ar": "Arabic",
    "ug": "Uyghur",
    "zh-hans": "Simplified Chinese",
    "zh-hant": "Traditional Chinese",
    "ko": "Korean",
    "th": "Thai",
}

# Letters of each script, some of which the page in it must show: a page that has none was not read.
LETTERS = {
    "Latin": "[a-z]",
    "Vietnamese": "[ơưđ]",
    "Cyrillic": "[а-я]",
    "Kazakh": "[әғқңөұүһі]",
    "Greek": "[α-ω]",
    "Arabic": "[\u0621-\u064a]",
    "Uyghur": "[ېۆۇۈۋە]",
    "Simplified Chinese": "[\u4e00-\u9fff]",
    "Traditional Chinese": "[\u4e00-\u9fff]",
    "Korean": "[\uac00-\ud7a3]",
    "Thai": "[\u0e01-\u0e5b]",
}

# The face fonts.css's stack gives each script's letters here, with Debian's fonts: Chinese in
# its own region's face of Noto Sans CJK (a Traditional page drawn in the Simplified face has
# the wrong forms of many characters), Korean in the Korean face.
FACE = {
    "Arabic": "Noto Sans Arabic",
    "Uyghur": "Noto Sans Arabic",
    "Simplified Chinese": "Noto Sans CJK SC",
    "Traditional Chinese": "Noto Sans CJK TC",
    "Korean": "Noto Sans CJK KR",
    "Thai": "Noto Sans Thai",
}

PAGE = "/countries/se"  # its verdict, cases and sources, translated, and the language switcher


def shipped_by_script():
    """One shipped language per script, the first of SCRIPT's order: the pages to render."""
    found = {}
    for tag in SCRIPT:
        if tag in shipped_languages():
            found.setdefault(SCRIPT[tag], tag)
    return sorted(found.values())


def test_every_shipped_language_has_its_script_in_the_map():
    """A language added to translations/ must say its script, or its pages would go unchecked."""
    assert sorted(set(shipped_languages()) - set(SCRIPT)) == []
    assert set(SCRIPT.values()) <= set(LETTERS)


# --- the checker --------------------------------------------------------------------------------

SKIPPED = {"HEAD", "SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT", "title"}


def drawn(char):
    """Characters a font must have: not spaces, controls, format characters (isolates, soft
    hyphen, joiners) or variation selectors."""
    return not (char.isspace() or unicodedata.category(char) in {"Cc", "Cf", "Zs", "Zl", "Zp"}
                or 0xFE00 <= ord(char) <= 0xFE0F)


@cache
def font_files():
    """PostScript name -> (file, index in a collection), for every font fontconfig knows."""
    listing = subprocess.run(["fc-list", "--format", "%{postscriptname}\t%{file}\t%{index}\n"],
                             capture_output=True, text=True, check=True).stdout
    return {name: (file, int(index)) for name, file, index in
            (line.split("\t") for line in listing.splitlines() if line.count("\t") == 2)}


@cache
def characters(postscript_name):
    """The code points a font maps to a glyph."""
    from fontTools.ttLib import TTFont

    file, index = font_files()[postscript_name]
    with TTFont(file, fontNumber=index, lazy=True) as font:
        return frozenset(font.getBestCmap())


def rendered_text(page):
    """[(lang, text, fonts)] for every text node the page draws: the language it is in (the
    nearest lang attribute), its text, and the fonts Chromium drew it with."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    found = []

    def walk(node, lang):
        if node.get("nodeName") in SKIPPED:
            return
        attributes = node.get("attributes", [])
        lang = dict(zip(attributes[::2], attributes[1::2])).get("lang", lang)
        if node["nodeType"] == 3 and any(drawn(char) for char in node["nodeValue"]):
            fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
            if fonts:  # else not drawn at all (display: none, an unselected <option>)
                found.append((lang, node["nodeValue"], fonts))
        for child in node.get("children", []):
            walk(child, lang)

    walk(cdp.send("DOM.getDocument", {"depth": -1})["root"], None)
    cdp.detach()
    return found


def font_family(page):
    """The fonts <html> asks for, in order, as Chromium computed them."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    html = cdp.send("DOM.querySelector", {"nodeId": cdp.send("DOM.getDocument")["root"]["nodeId"],
                                          "selector": "html"})["nodeId"]
    style = cdp.send("CSS.getComputedStyleForNode", {"nodeId": html})["computedStyle"]
    cdp.detach()
    value = next(entry["value"] for entry in style if entry["name"] == "font-family")
    return [name.strip().strip('"') for name in value.split(",")]


def missing_glyphs(texts):
    """{character: the fonts that were asked for it} for each character drawn as an empty box."""
    missing = {}
    for _, text, fonts in texts:
        names = [font["postScriptName"] for font in fonts]
        unknown = [name for name in names if name not in font_files()]
        assert not unknown, f"fontconfig does not know the fonts Chromium used: {unknown}"
        covered = frozenset().union(*(characters(name) for name in names))
        for char in text:
            if drawn(char) and ord(char) not in covered:
                missing[f"U+{ord(char):04X} {char}"] = names
    return missing


# --- the pages ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fonts_installed():
    families = subprocess.run(["fc-list", "--format", "%{family}\n"], capture_output=True, text=True).stdout
    absent = sorted(face for face in set(FACE.values()) if face not in families)
    if absent:
        unavailable(f"Debian's Noto fonts are not installed ({', '.join(absent)}): make fonts")


@pytest.fixture(scope="module")
def live_server(app):
    with serve(app) as url:
        yield url


@pytest.fixture(scope="module")
def page(browser, fonts_installed):
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("tag", shipped_by_script())
def test_a_page_in_each_script_misses_no_glyph(page, live_server, tag):
    page.goto(f"{live_server}/{tag}{PAGE}")
    texts = rendered_text(page)
    assert missing_glyphs(texts) == {}

    script = SCRIPT[tag]
    own = page.locator("html").get_attribute("lang")
    letters = re.compile(LETTERS[script])
    in_script = [(text, fonts) for lang, text, fonts in texts if lang == own and letters.search(text)]
    assert len(in_script) > 5, f"the page shows little {script}: was it read?"
    if script in FACE:
        # Its own stack, ahead of the Latin faces: not just a face the fallback happens to reach.
        stack = font_family(page)
        assert FACE[script] in stack and stack.index(FACE[script]) < stack.index("system-ui"), stack
        wrong = {text.strip()[:40]: [font["familyName"] for font in fonts]
                 for text, fonts in in_script if FACE[script] not in {font["familyName"] for font in fonts}}
        assert wrong == {}, f"{script} text not drawn in {FACE[script]}"
        if "CJK" in FACE[script]:
            other_faces = {font["familyName"] for _, fonts in in_script for font in fonts
                           if "CJK" in font["familyName"] and font["familyName"] != FACE[script]}
            assert other_faces == set()


@pytest.mark.browser
def test_the_checker_finds_a_missing_glyph(browser, fonts_installed):
    """A character that no installed font has (the first Private Use code point fontconfig finds
    in none) is reported, and only it; so is Traditional text drawn in the Simplified face."""
    absent = next(chr(point) for point in range(0xE000, 0xF900) if not subprocess.run(
        ["fc-list", f":charset={point:x}", "family"], capture_output=True, text=True).stdout.strip())
    page = browser.new_page()  # of its own: the site's pages forbid inline styles
    page.set_content(f'<html lang="en"><body><p>Moratorium {absent} 暫停</p>'
                     '<p lang="zh-Hant" style="font-family: \'Noto Sans CJK SC\'">暫停引渡</p></body></html>')
    texts = rendered_text(page)
    assert list(missing_glyphs(texts)) == [f"U+{ord(absent):04X} {absent}"]
    assert [font["familyName"] for lang, _, fonts in texts if lang == "zh-Hant" for font in fonts] == [
        "Noto Sans CJK SC"]
    page.close()


# --- the embed ----------------------------------------------------------------------------------

def font_rules(path):
    """The font custom properties a stylesheet sets, by selector, whitespace folded."""
    css = re.sub(r"/\*.*?\*/", "", Path(path).read_text(encoding="utf-8"), flags=re.S)
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", css)
    return {(" ".join(selector.split()), name): " ".join(value.split())
            for selector, body in rules
            for name, value in re.findall(r"(--(?:latin|others|sans))\s*:\s*([^;]+)", body)}


def linked_font_rules(template):
    """font_rules of every stylesheet a page's template links, together."""
    root = Path(__file__).resolve().parent.parent
    sheets = re.findall(r"filename='(css/[\w-]+\.css)'", (root / "templates" / template).read_text(encoding="utf-8"))
    return {key: value for sheet in sheets for key, value in font_rules(root / "static" / sheet).items()}


def test_the_embed_has_the_sites_font_stacks():
    site, embed = linked_font_rules("base.html"), linked_font_rules("petitions/embed.html")
    assert len(site) > 5
    assert embed == site
