"""Shared fixtures: the real bundled CMS releases, and an owner / other user / staff trio.

The bundled releases are imported once per test session into the test database.
Tests that need real transactions (transactional_db) empty the database when
they end, so pytest-django runs them after all the others, and they import the
release they need themselves.
"""

import os

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from accounts.models import User
from codes.bundled import bundled_release_paths
from codes.services import release_import
from logs.recompute import release_recompute

RELEASE_UPLOAD_PERMISSIONS = ["add_releaseupload", "view_releaseupload"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        for path in bundled_release_paths():
            release_recompute(release=release_import(path=path).release)  # no logs yet: marks it ready


@pytest.fixture
def owner(db) -> User:
    return User.objects.create_user(email="owner@example.org", password="owner-pass-123")


@pytest.fixture
def other_user(db) -> User:
    return User.objects.create_user(email="other@example.org", password="other-pass-123")


@pytest.fixture
def staff_user(db) -> User:
    """Staff who import releases: being staff alone is not enough to upload one."""
    user = User.objects.create_user(email="staff@example.org", password="staff-pass-123", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="codes", codename__in=RELEASE_UPLOAD_PERMISSIONS)
    )
    return user


@pytest.fixture
def anonymous_client(db) -> APIClient:
    return APIClient()


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner) -> APIClient:
    return client_for(owner)


@pytest.fixture
def other_client(other_user) -> APIClient:
    return client_for(other_user)


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    return client_for(staff_user)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium for the session; skipped, saying why, where it is not installed."""
    from tests.browser import CHROMIUM

    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in the test's thread, which makes Django take the
    # test's own ORM calls for async code. They are not. (These tests commit, through live_server.)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
