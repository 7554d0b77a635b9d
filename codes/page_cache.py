"""The cache of rendered code pages, emptied at once when what they show changes.

Every key carries a version number kept in the cache itself; a new release, a HCPCS file, a
benchmark set or an edit of curated text moves the number on (after its transaction commits), so every page is
rendered afresh on its next visit without deleting keys one by one.
"""

import datetime
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from benchmarks.models import BenchmarkSet

from .models import CuratedCodeText, HcpcsFile, Release

VERSION_KEY = "code-pages:version"
PAGE_TIMEOUT = 24 * 60 * 60  # a day; the date is in the key anyway, as the release in effect follows it


def pages_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def invalidate_code_pages() -> None:
    """Make every cached page stale once the current transaction commits."""
    transaction.on_commit(_bump_version)


def _bump_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # never set, or evicted: any new value retires the old keys
        cache.set(VERSION_KEY, pages_version() + 1, timeout=None)


def cached_page(kind: str, code: str, day: datetime.date, render: Callable[[], object]):
    """`render()`'s result for (kind, code, day), from the cache when it is still current."""
    key = f"code-pages:{pages_version()}:{kind}:{code}:{day.isoformat()}"
    found = cache.get(key)
    if found is None:
        found = render()
        cache.set(key, found, timeout=PAGE_TIMEOUT)
    return found


@receiver([post_save, post_delete], sender=Release)
@receiver([post_save, post_delete], sender=HcpcsFile)
@receiver([post_save, post_delete], sender=CuratedCodeText)
@receiver([post_save, post_delete], sender=BenchmarkSet)  # the specialties that use a code
def _catalog_changed(sender, **kwargs) -> None:
    invalidate_code_pages()
