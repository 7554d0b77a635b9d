"""Re-pricing logs when a release arrives: every log whose date of service falls
under the new release is credited again from it, case by case.

A recompute is safe to kill and run again: crediting is a pure function of a
case's lines, its date, the release in effect and the plan, so a second run
leaves every log exactly where an uninterrupted run would, and each chunk
commits on its own so a crash loses at most one chunk's work, which the next
run redoes. What each user sees ("+1.24 wRVU on 3 codes") is measured against
totals taken before the first run touched anything.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.db import models, transaction
from django.db.models import Count, Sum

from codes.diff import release_diff
from codes.models import Release

from .models import ProcedureLog, ReleaseRepricing
from .services import recredit_logs

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500

# Called as progress(done, total) in logs.
ProgressCallback = Callable[[int, int], None]


def dates_governed_by(release: Release) -> tuple[datetime.date, datetime.date | None]:
    """[first, end): from its effective date until the next release takes over."""
    later = (
        Release.objects.filter(effective_on__gt=release.effective_on)
        .order_by("effective_on")
        .values_list("effective_on", flat=True)
        .first()
    )
    return release.effective_on, later


def logs_governed_by(release: Release) -> models.QuerySet[ProcedureLog]:
    first, end = dates_governed_by(release)
    logs = ProcedureLog.objects.filter(performed_on__gte=first)
    return logs.filter(performed_on__lt=end) if end else logs


def release_recompute(*, release: Release, progress: ProgressCallback | None = None) -> int:
    """Re-credit every log under `release`, in chunks; returns how many logs it re-credited."""
    if Release.objects.in_effect_on(release.effective_on) != release:
        logger.info("Recompute of %s skipped: a correction supersedes it", release.name)
        return 0
    _record_baselines(release)
    ids = list(logs_governed_by(release).order_by("id").values_list("id", flat=True))
    done = 0
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[start : start + CHUNK_SIZE]
        with transaction.atomic():
            done += recredit_logs(logs=ProcedureLog.objects.filter(pk__in=chunk))
        if progress:
            progress(min(start + CHUNK_SIZE, len(ids)), len(ids))
    _record_outcomes(release)
    logger.info("Recompute of %s re-credited %d logs", release.name, done)
    return done


def _record_baselines(release: Release) -> None:
    """Per user, the totals before the first run; a rerun keeps the first run's numbers."""
    previous = _previous_release(release)
    for row in _totals_by_user(release):
        ReleaseRepricing.objects.get_or_create(
            user_id=row["user_id"],
            release=release,
            defaults={
                "previous_release": previous,
                "logs": row["logs"],
                "work_rvu_before": row["work_rvu"],
                "work_rvu_after": row["work_rvu"],
            },
        )


def _record_outcomes(release: Release) -> None:
    changed_codes = _codes_with_changed_work(release)
    codes_by_user: dict[int, set[str]] = defaultdict(set)  # one query, not one per user
    for user_id, code in logs_governed_by(release).order_by().values_list("user_id", "code_id").distinct():
        codes_by_user[user_id].add(code)
    for row in _totals_by_user(release):
        ReleaseRepricing.objects.filter(user_id=row["user_id"], release=release).update(
            logs=row["logs"],
            work_rvu_after=row["work_rvu"],
            codes_changed=len(codes_by_user[row["user_id"]] & changed_codes),
        )


def _totals_by_user(release: Release):
    return (
        logs_governed_by(release)
        .values("user_id")
        .annotate(logs=Count("id"), work_rvu=Sum("work_rvu"))
        .order_by("user_id")
    )


def _previous_release(release: Release) -> Release | None:
    return (
        Release.objects.filter(effective_on__lt=release.effective_on).order_by("-effective_on", "-id").first()
    )


def _codes_with_changed_work(release: Release) -> set[str]:
    previous = _previous_release(release)
    if previous is None:
        return set()
    diff = release_diff(release=release, against=previous, limit=100_000)
    return {change["code"] for change in diff["work_rvu_changed"]} | {row["code"] for row in diff["added"]}


def repricing_message(repricing: ReleaseRepricing) -> str:
    delta = repricing.work_rvu_after - repricing.work_rvu_before
    sign = "+" if delta >= 0 else "−"
    first, end = dates_governed_by(repricing.release)
    period = f"from {first.isoformat()}" + (
        f" to {(end - datetime.timedelta(days=1)).isoformat()}" if end else ""
    )
    codes = f"{repricing.codes_changed} code{'s' if repricing.codes_changed != 1 else ''}"
    return (
        f"Your logs {period} were re-priced under {repricing.release.name}: "
        f"{sign}{abs(delta).quantize(Decimal('0.01'))} wRVU on {codes}."
    )
