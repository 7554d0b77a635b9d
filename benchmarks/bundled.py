"""The demo benchmark set shipped in data/benchmarks/: 2012 Medicare volumes of three small states.

Built by `manage.py build_bundled_benchmarks` (part of scripts/run), not by a migration, since it
needs the bundled releases imported first. It is a sample for trying comparisons out, and says so.
"""

from pathlib import Path

from django.conf import settings

SAMPLE_FOLDER = "benchmarks/medicare-2012-sample"
SAMPLE_FILES = (
    "DE_2012_provider_service.csv",
    "VT_2012_provider_service.csv",
    "WY_2012_provider_service.csv",
)
# The newest release codes.bundled ships: volumes are valued at the work RVUs users log under.
SAMPLE_RELEASE = "RVU26C"

SAMPLE_SET = {
    "name": "Medicare 2012 sample: VT, WY, DE (demo, valued at RVU26C)",
    "slug": "medicare-2012-sample-rvu26c",
    "year": 2012,
    "source": (
        "CMS Medicare Provider Utilization and Payment Data: Physician and Other Supplier, calendar year "
        "2012, state files of Vermont, Wyoming and Delaware as re-released by The Dallas Morning News; "
        "provider names dropped and NPIs pseudonymised"
    ),
    "citation": (
        "Centers for Medicare & Medicaid Services. Medicare Provider Utilization and Payment Data: "
        "Physician and Other Supplier, CY2012 (released 2014). State files: DallasMorningNews/"
        "Medicare-metrics-data, commit 9a69fb1b0708f4204c0ecd566ef7d0e7698d068f."
    ),
    "licence_note": (
        "Public data of the US federal government (CMS); no licence restricts it. CPT codes and "
        "descriptions are copyright the American Medical Association."
    ),
    "method_note": (
        "A demonstration sample, not a national benchmark: Medicare fee-for-service volume only, of "
        "three small states, in 2012, valued at 2026 work RVUs (evaluation and management visits were "
        "revalued upward in 2021, so 2012 volumes weigh more than they did then). The files have no "
        "entity column, so organisations cannot be told from individuals and are counted as "
        "providers; nor a place of service column, so a code's facility and office rows are summed."
    ),
}


def sample_paths() -> list[Path]:
    return [Path(settings.DATA_DIR) / SAMPLE_FOLDER / name for name in SAMPLE_FILES]
