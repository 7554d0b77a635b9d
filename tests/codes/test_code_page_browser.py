"""Code pages in headless Chromium at a phone's width: nothing cut off, nothing scrolling sideways.

Screenshots go to tests/artifacts/code-pages/. These tests commit (live_server), so they import
the release, the HCPCS file and the curated text they show.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from codes.importing.hcpcs_import import hcpcs_file_import
from codes.services import release_import
from tests.browser import PHONE, screen_problems
from tests.codes.test_hcpcs_file import ZIP_2026

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "code-pages"


@pytest.fixture
def catalog(transactional_db):
    release_import(path=Path(settings.DATA_DIR) / "cms" / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv")
    hcpcs_file_import(path=ZIP_2026)
    call_command("load_code_texts", verbosity=0)


@pytest.mark.parametrize("code", ["S9381", "27447", "99213", "71046"])
def test_a_code_page_fits_a_phone_and_passes_the_accessibility_check(browser, live_server, catalog, code):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    response = page.goto(f"{live_server.url}/codes/{code}/")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{code}.png", full_page=True)
    problems = screen_problems(page)
    context.close()

    assert response.status == 200
    assert problems == [], problems
    assert errors == []  # a file the CSP refuses, or one missing, shows here
