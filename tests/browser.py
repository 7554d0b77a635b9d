"""Shared by the browser tests: Debian's Chromium driven by Playwright, at a phone's size.

/usr/bin/chromium (or RVUEDGE_CHROMIUM) is installed by .ci/run, so in CI the browser tests
always run; elsewhere they are skipped, saying why, when it is missing. Accessibility is
checked with axe-core as the axe-playwright-python package bundles it.
"""

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("RVUEDGE_CHROMIUM", "/usr/bin/chromium"))
PHONE = {"width": 360, "height": 740}
FAILING_IMPACTS = {"serious", "critical"}

# Elements whose right edge passes the viewport, or whose content is clipped by their own box.
CUT_OFF_ELEMENTS = """() => {
    const width = window.innerWidth;
    const found = [];
    for (const element of document.body.querySelectorAll("*")) {
        const box = element.getBoundingClientRect();
        if (box.width === 0 || box.height === 0 || element.classList.contains("visually-hidden")) continue;
        const style = getComputedStyle(element);
        const clips = ["hidden", "clip"].includes(style.overflowX);
        if (box.right > width + 0.5 || (clips && element.scrollWidth > element.clientWidth + 1)) {
            const name = element.tagName.toLowerCase() + (element.id ? "#" + element.id : "");
            found.push(name + " " + Math.round(box.right) + "px");
        }
    }
    return found.slice(0, 5);
}"""


def screen_problems(page) -> list[str]:
    """What is wrong with the page as shown: sideways scrolling, cut-off elements, serious axe findings."""
    from axe_playwright_python.sync_playwright import Axe

    problems = []
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"scrolls sideways by {overflow}px")
    problems += [f"cut off: {element}" for element in page.evaluate(CUT_OFF_ELEMENTS)]
    violations = Axe().run(page).response["violations"]
    problems += [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in violations
        if violation["impact"] in FAILING_IMPACTS
    ]
    return problems
