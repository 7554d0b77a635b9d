"""Draw the app's PNG icons from icons/icon.svg with headless Chromium.

Run after changing the SVG: .venv/bin/python pwa/make_icons.py (needs Debian's chromium and
the playwright package of requirements-dev.txt). The PNGs are committed; nothing runs this at
build time.
"""

import base64
from pathlib import Path

from playwright.sync_api import sync_playwright

ICONS = Path(__file__).resolve().parent / "static" / "pwa" / "icons"
CHROMIUM = "/usr/bin/chromium"
# A maskable icon may be cropped to a circle of 80% of its width: the glyph shrinks to fit
# inside it, on a full-bleed background.
PAGE = """<!doctype html><html><body style="margin:0;background:{background}">
<img src="data:image/svg+xml;base64,{svg}" width="{inner}" height="{inner}"
     style="display:block;margin:{margin}px"></body></html>"""


def draw(page, size: int, name: str, *, maskable: bool = False) -> None:
    svg = base64.b64encode((ICONS / "icon.svg").read_bytes()).decode()
    inner = round(size * 0.72) if maskable else size
    page.set_viewport_size({"width": size, "height": size})
    page.set_content(
        PAGE.format(
            background="#0b5394" if maskable else "transparent",
            svg=svg,
            inner=inner,
            margin=(size - inner) // 2,
        )
    )
    page.screenshot(path=ICONS / name, omit_background=not maskable)


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page()
        draw(page, 192, "icon-192.png")
        draw(page, 512, "icon-512.png")
        draw(page, 512, "icon-maskable-512.png", maskable=True)
        browser.close()


if __name__ == "__main__":
    main()
