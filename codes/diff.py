"""What changed between two releases: codes added and removed, work RVUs and statuses changed."""

from django.db.models import Exists, OuterRef, QuerySet

from .models import FeeScheduleRow, Release

DIFF_FIELDS = ("code_id", "modifier", "description", "work_rvu", "status_code")


def _rows(release: Release) -> QuerySet[FeeScheduleRow]:
    return FeeScheduleRow.objects.filter(release=release)


def _keyed_rows(release: Release) -> dict[tuple[str, str], dict]:
    # About 19,000 small rows a release: read both sides once and compare them here,
    # which beats a correlated subquery per row by far.
    rows = _rows(release).order_by("code_id", "modifier").values(*DIFF_FIELDS)
    return {(row["code_id"], row["modifier"]): row for row in rows}


def release_diff(*, release: Release, against: Release, limit: int) -> dict:
    """Row by row (code and modifier), `release` compared with the older `against`."""
    new, old = _keyed_rows(release), _keyed_rows(against)
    added = [_key(row) for key, row in new.items() if key not in old]
    removed = [_key(row) for key, row in old.items() if key not in new]
    shared = [(old[key], row) for key, row in new.items() if key in old]
    work_changed = [
        {
            **_key(row),
            "old": before["work_rvu"],
            "new": row["work_rvu"],
            "delta": row["work_rvu"] - before["work_rvu"],
        }
        for before, row in shared
        if row["work_rvu"] != before["work_rvu"]
    ]
    status_changed = [
        {**_key(row), "old": before["status_code"], "new": row["status_code"]}
        for before, row in shared
        if row["status_code"] != before["status_code"]
    ]
    return {
        "release": release.name,
        "against": against.name,
        "counts": {
            "added": len(added),
            "removed": len(removed),
            "work_rvu_changed": len(work_changed),
            "status_changed": len(status_changed),
        },
        "added": added[:limit],
        "removed": removed[:limit],
        "work_rvu_changed": work_changed[:limit],
        "status_changed": status_changed[:limit],
    }


def codes_with_new_work_rvu(*, release: Release, against: Release) -> set[str]:
    """Codes with a row that `against` lacks or values differently: what a recompute may move."""
    same_value = FeeScheduleRow.objects.filter(
        release=against, code=OuterRef("code"), modifier=OuterRef("modifier"), work_rvu=OuterRef("work_rvu")
    )
    return set(_rows(release).exclude(Exists(same_value)).values_list("code_id", flat=True).distinct())


def _key(row: dict) -> dict:
    return {"code": row["code_id"], "modifier": row["modifier"], "description": row["description"]}
