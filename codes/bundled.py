"""The real CMS releases shipped in data/cms/, one file per release, oldest first.

They are imported by `manage.py import_bundled_releases` (part of the README's
setup command), not by a migration, so a bare `migrate` leaves the catalog empty.
Each comes in a different shape on purpose: CMS ships all of them.
"""

from pathlib import Path

from django.conf import settings

BUNDLED_RELEASE_FILES = (
    "cms/rvu25a/RVU25A.zip",  # the release ZIP exactly as CMS ships it
    "cms/rvu25d/PPRRVU2025_Oct.csv",
    "cms/rvu26a/PPRRVU2026_Jan_nonQPP.csv",
    "cms/rvu26b/PPRRVU2026_Apr_nonQPP.txt",  # fixed-width text
    "cms/rvu26c/PPRRVU2026_Jul_nonQPP.csv",
)


def bundled_release_paths() -> list[Path]:
    return [Path(settings.DATA_DIR) / name for name in BUNDLED_RELEASE_FILES]
