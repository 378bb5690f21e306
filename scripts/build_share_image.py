"""Build static/share.png, the picture shared pages show, from static/share.svg.

Re-run from the repo root after changing the SVG: .venv/bin/python scripts/build_share_image.py
Needs Debian's Chromium at /usr/bin/chromium, driven by Playwright (as the browser tests do).
"""

from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "static" / "share.svg"
OUT = ROOT / "static" / "share.png"
CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT = 1200, 630  # what Open Graph and X's large summary card show without cropping


def main():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=1)
        page.goto(SOURCE.as_uri())
        page.screenshot(path=str(OUT), clip={"x": 0, "y": 0, "width": WIDTH, "height": HEIGHT})
        browser.close()
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
