"""What a phone downloads to open the app at /app/ the first time, compressed as a server sends it.

Run from the repository root with the project's Python (no server or database needed):

    .venv/bin/python bench/pwa_first_load.py

It renders the page, the web app manifest and the service worker through Django, reads the
stylesheet, every JavaScript module (the page preloads them all) and the favicon, and gzips each
at level 6, the level of Apache's mod_deflate and a common nginx setting (WhiteNoise sends a
level-9 or Brotli copy, a little smaller). The issue's budget is 200 KB (204,800 bytes).
The PNG icons (fetched when the app is installed) and synonyms.json (on the first search) are
listed apart, outside the first load. tests/pwa/test_shell.py holds the total to the budget.
"""

import gzip
import os
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
BUDGET_BYTES = 200 * 1024
GZIP_LEVEL = 6


@dataclass(frozen=True)
class Transfer:
    url: str
    raw: int
    gzipped: int


def _transfer(url: str, content: bytes) -> Transfer:
    return Transfer(url, len(content), len(gzip.compress(content, compresslevel=GZIP_LEVEL, mtime=0)))


def first_load() -> tuple[list[Transfer], list[Transfer]]:
    """(what the first visit downloads, what comes later), each file raw and gzipped."""
    from django.test import Client
    from django.urls import reverse

    from pwa.shell import STATIC_DIR, shell_static_names, static_url

    client = Client(HTTP_HOST="localhost")
    rendered = [reverse("pwa-shell"), reverse("pwa-manifest"), reverse("pwa-service-worker")]
    now = [_transfer(url, client.get(url).content) for url in rendered]
    later = []
    for name in shell_static_names():
        transfer = _transfer(static_url(name), (STATIC_DIR / name).read_bytes())
        at_first_visit = name.endswith((".js", ".css")) or name == "pwa/icons/icon.svg"
        (now if at_first_visit else later).append(transfer)
    return now, later


def main() -> None:
    sys.path.insert(0, str(REPO_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rvuedge.settings.dev")
    import django

    django.setup()
    now, later = first_load()
    print(f"{'first load':<44}{'raw':>10}{'gzip -' + str(GZIP_LEVEL):>10}")
    for transfer in now:
        print(f"  {transfer.url:<42}{transfer.raw:>10,}{transfer.gzipped:>10,}")
    raw, gzipped = sum(t.raw for t in now), sum(t.gzipped for t in now)
    print(f"{'total':<44}{raw:>10,}{gzipped:>10,}")
    print(f"budget {BUDGET_BYTES:,} bytes: {'within' if gzipped <= BUDGET_BYTES else 'OVER'} "
          f"({100 * gzipped / BUDGET_BYTES:.0f}% used)")  # fmt: skip
    print("\nlater (install, first search)")
    for transfer in later:
        print(f"  {transfer.url:<42}{transfer.raw:>10,}{transfer.gzipped:>10,}")


if __name__ == "__main__":
    main()
