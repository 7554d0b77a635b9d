"""What changed between two releases: codes added and removed, work RVUs and statuses changed."""

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from .models import FeeScheduleRow, Release


def _rows(release: Release) -> QuerySet[FeeScheduleRow]:
    return FeeScheduleRow.objects.filter(release=release)


def _same_key_in(release: Release) -> QuerySet[FeeScheduleRow]:
    return FeeScheduleRow.objects.filter(
        release=release, code=OuterRef("code"), modifier=OuterRef("modifier")
    )


def release_diff(*, release: Release, against: Release, limit: int) -> dict:
    """Row by row (code and modifier), `release` compared with the older `against`."""
    old = _same_key_in(against)
    added = _rows(release).exclude(Exists(old)).order_by("code", "modifier")
    removed = _rows(against).exclude(Exists(_same_key_in(release))).order_by("code", "modifier")
    shared = (
        _rows(release)
        .annotate(
            old_work_rvu=Subquery(old.values("work_rvu")[:1]),
            old_status_code=Subquery(old.values("status_code")[:1]),
        )
        .filter(Exists(old))
    )
    work_changed = shared.exclude(work_rvu=F("old_work_rvu")).order_by("code", "modifier")
    status_changed = shared.filter(~Q(status_code=F("old_status_code"))).order_by("code", "modifier")
    return {
        "release": release.name,
        "against": against.name,
        "counts": {
            "added": added.count(),
            "removed": removed.count(),
            "work_rvu_changed": work_changed.count(),
            "status_changed": status_changed.count(),
        },
        "added": [_key(row) for row in added[:limit]],
        "removed": [_key(row) for row in removed[:limit]],
        "work_rvu_changed": [
            {
                **_key(row),
                "old": row.old_work_rvu,
                "new": row.work_rvu,
                "delta": row.work_rvu - row.old_work_rvu,
            }
            for row in work_changed[:limit]
        ],
        "status_changed": [
            {**_key(row), "old": row.old_status_code, "new": row.status_code}
            for row in status_changed[:limit]
        ],
    }


def _key(row: FeeScheduleRow) -> dict:
    return {"code": row.code_id, "modifier": row.modifier, "description": row.description}
