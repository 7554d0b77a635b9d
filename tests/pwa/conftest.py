"""The phone app in headless Chromium at 360 × 740, through the shared `browser` fixture
(tests/conftest.py, tests/browser.py): skipped, saying why, where Chromium is missing; .ci/run
installs it. Screenshots of each screen go to tests/artifacts/pwa/, and each screen checked must
pass axe-core (no serious or critical violation) and fit the phone's width.
"""

import uuid
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings

from accounts.models import User
from codes.services import release_import
from logs.recompute import release_recompute
from tests.browser import PHONE, screen_problems

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "pwa"
PASSWORD = "a-long-pass-phrase-42"


@pytest.fixture
def rvu26c(transactional_db):
    """The release in effect for the dates the tests log (these tests commit, so they import it)."""
    path = Path(settings.DATA_DIR) / "cms" / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv"
    release_recompute(release=release_import(path=path).release)


@pytest.fixture
def member(transactional_db) -> User:
    return create_member("surgeon@example.org")


def create_member(email: str, **extra) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


class Phone:
    """A page of the app at a phone's size, and what a test needs to drive and check it."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self, route: str = "") -> None:
        self.page.goto(f"{self.base_url}/app/{route}")
        self.page.wait_for_selector("main h1")

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        self.open("#/account/login")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_selector("h1:text('Log a procedure')")

    def go(self, route: str, heading: str) -> None:
        self.page.evaluate("route => { location.hash = route }", route)
        self.page.wait_for_selector(f"main h1:text('{heading}')")

    def wait_for_service_worker(self) -> None:
        """Until the worker has cached the shell and controls the page, as after a first visit."""
        self.page.evaluate(
            """async () => {
                await navigator.serviceWorker.ready;
                if (navigator.serviceWorker.controller) return;
                await new Promise((taken) =>
                    navigator.serviceWorker.addEventListener("controllerchange", taken, { once: true }));
            }"""
        )

    def heading(self) -> str:
        return self.page.inner_text("main h1")

    def check_screen(self, name: str) -> None:
        """Screenshot the screen, then hold it to axe-core and to the phone's width."""
        self.page.wait_for_timeout(100)  # let a focus ring or a live region settle for the picture
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / f"{name}.png")
        assert screen_problems(self.page) == [], name


@pytest.fixture
def phone(browser, live_server):
    # The phone's "today" must be the server's (settings.TIME_ZONE), or a test run near midnight
    # would log for a day the server calls tomorrow.
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
        timezone_id=settings.TIME_ZONE, locale="en-US",
    )  # fmt: skip
    context.set_default_timeout(15000)
    yield Phone(context.new_page(), live_server.url)
    context.close()


def new_client_id() -> str:
    return str(uuid.uuid4())
