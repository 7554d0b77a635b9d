"""The app shell: what a phone keeps to open RVU Edge with no connection, and its version.

The service worker caches the shell under a name made from the content of its files, so
any change to one of them reaches phones as a new worker, which fetches the new shell and
drops the old one. Nobody bumps a version by hand.
"""

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from accounts.models import Profile
from accounts.specialties import CMS_PROVIDER_SPECIALTIES
from logs.models import Setting

APP_DIR = Path(__file__).resolve().parent
STATIC_DIR = APP_DIR / "static"
SHELL_STATIC_DIR = STATIC_DIR / "pwa"
SHELL_TEMPLATE = APP_DIR / "templates" / "pwa" / "index.html"
WORKER_SOURCE = APP_DIR / "worker" / "sw.js"
ENTRY_MODULE = "pwa/js/main.js"
THEME_COLOR = "#0b5394"
BACKGROUND_COLOR = "#f4f6f8"


def static_url(name: str) -> str:
    """The file's own URL, never a hashed copy's: the modules import each other by relative
    path, which production's manifest storage does not rewrite, so all of them stay unhashed
    and the service worker, not the file name, decides when they change."""
    return f"{settings.STATIC_URL}{name}"


def shell_static_names() -> list[str]:
    """Every file under pwa/static/pwa/, as staticfiles names it (pwa/js/main.js)."""
    return sorted(
        path.relative_to(STATIC_DIR).as_posix()
        for path in SHELL_STATIC_DIR.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    )


def module_urls() -> list[str]:
    """The modules main.js imports, for <link rel=modulepreload>: fetched at once, not in a chain."""
    names = shell_static_names()
    return [static_url(name) for name in names if name.endswith(".js") and name != ENTRY_MODULE]


def shell_urls() -> list[str]:
    """What the service worker caches: the page, the manifest and every static file of the app."""
    return [reverse("pwa-shell"), reverse("pwa-manifest"), *map(static_url, shell_static_names())]


def shell_choices() -> dict:
    """The choices the profile form offers, from the models that check them."""
    return {
        "specialties": list(CMS_PROVIDER_SPECIALTIES),
        "career_stages": Profile.CareerStage.choices,
        "settings": Setting.choices,
    }


def manifest_data() -> dict:
    icon = static_url
    return {
        "id": reverse("pwa-shell"),
        "name": "RVU Edge",
        "short_name": "RVU Edge",
        "description": "Log procedures between cases and watch your work RVUs, online or off.",
        "start_url": f"{reverse('pwa-shell')}#/log",
        "scope": reverse("pwa-shell"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": BACKGROUND_COLOR,
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": icon("pwa/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": icon("pwa/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": icon("pwa/icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": icon("pwa/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }


def _fingerprint() -> str:
    digest = hashlib.sha256()
    sources = [*(STATIC_DIR / name for name in shell_static_names()), SHELL_TEMPLATE, WORKER_SOURCE]
    for path in sources:
        digest.update(path.relative_to(APP_DIR).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    # What the page and the manifest are rendered with, besides their files.
    digest.update(json.dumps([shell_choices(), manifest_data(), shell_urls()], sort_keys=True).encode())
    return digest.hexdigest()[:16]


_fingerprint_once = lru_cache(maxsize=1)(_fingerprint)


def shell_version() -> str:
    """A hash of the shell's files. Read once per process, except with DEBUG on, where an
    edited file must reach the browser on its next reload."""
    return _fingerprint() if settings.DEBUG else _fingerprint_once()
