"""Re-pricing many logs: after a release arrives, or after a credit plan changes.

A run is planned as chunks (lone logs by id range, cases by id range, about
RVUEDGE_RECOMPUTE_CHUNK_LOGS logs each) so that workers can take chunks in
parallel and each finishes well inside the broker's visibility timeout. Each
chunk re-credits its logs set-based (logs.bulk_credit) and commits on its own,
together with its "done" mark; the last chunk done finishes the run.

A run is safe to kill and run again: crediting is a pure function of a case's
lines, date, release and plan, a chunk rolled back by a crash is simply redone,
and a chunk already done is skipped. Starting a release's recompute again picks
up its unfinished run. What each user sees ("+1.24 wRVU on 3 codes") is measured
against totals taken before the first run touched anything.
"""

import datetime
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from codes.diff import codes_with_new_work_rvu
from codes.models import Release, ReleaseUpload

from .bulk_credit import logs_recredit_in_bulk
from .models import CreditPlan, ProcedureLog, RecomputeChunk, RecomputeRun, ReleaseRepricing

logger = logging.getLogger(__name__)

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
    """Re-credit every log under `release` here, chunk after chunk; returns how many logs it covered."""
    run = release_recompute_start(release=release)
    if run is None:
        return 0
    recompute_run_here(run=run, progress=progress)
    return run.logs_total


def release_recompute_start(*, release: Release) -> RecomputeRun | None:
    """Plan the recompute of `release` (or pick up its unfinished run); None when a
    correction supersedes it, since the correction's own recompute covers its dates."""
    if Release.objects.in_effect_on(release.effective_on) != release:
        logger.info("Recompute of %s skipped: a correction supersedes it", release.name)
        return None
    unfinished = RecomputeRun.objects.filter(release=release, finished_at__isnull=True).first()
    if unfinished:
        logger.info("Recompute of %s resumes run %s", release.name, unfinished.pk)
        return unfinished
    _record_baselines(release)
    return _plan_run(logs_governed_by(release), release=release)


def plan_recompute_start(*, plan: CreditPlan) -> RecomputeRun:
    """Plan the re-credit of every log a plan credits, after its switches or shares changed."""
    return _plan_run(ProcedureLog.objects.filter(credit_plan=plan), plan=plan)


def recompute_run_here(*, run: RecomputeRun, progress: ProgressCallback | None = None) -> None:
    """Do every chunk still to do in this process, then finish the run."""
    pending = list(run.chunks.filter(done_at__isnull=True).values_list("pk", flat=True))
    for chunk_id in pending:
        recompute_chunk_do(chunk_id=chunk_id)
        if progress:
            run.refresh_from_db(fields=["logs_done", "logs_total"])
            progress(run.logs_done, run.logs_total)
    recompute_run_finish(run=run)


def _plan_run(logs: models.QuerySet[ProcedureLog], **subject) -> RecomputeRun:
    with transaction.atomic():
        run = RecomputeRun.objects.create(**subject)
        chunks = [
            RecomputeChunk(run=run, kind=kind, first_id=first, last_id=last, logs=count)
            for kind, first, last, count in _chunk_bounds(logs)
        ]
        RecomputeChunk.objects.bulk_create(chunks)
        run.chunks_total = len(chunks)
        run.logs_total = sum(chunk.logs for chunk in chunks)
        run.save(update_fields=["chunks_total", "logs_total"])
    logger.info(
        "Recompute run %s planned for %s: %d logs in %d chunks",
        run.pk,
        run.release or run.plan,
        run.logs_total,
        run.chunks_total,
    )
    return run


def _chunk_bounds(logs: models.QuerySet[ProcedureLog]):
    """(kind, first id, last id, logs) of consecutive slices of about CHUNK_LOGS logs."""
    size = settings.RVUEDGE_RECOMPUTE_CHUNK_LOGS
    lone_sql, lone_params = logs.filter(case__isnull=True).order_by().values("id").query.sql_with_params()
    case_sql, case_params = (
        logs.filter(case__isnull=False).order_by().values("case_id").query.sql_with_params()
    )
    with connection.cursor() as cursor:
        # Number the logs in id order (case lines in case order) and cut every `size`.
        for kind, sql, params, column in (
            (RecomputeChunk.Kind.LONE_LOGS, lone_sql, lone_params, "id"),
            (RecomputeChunk.Kind.CASES, case_sql, case_params, "case_id"),
        ):
            cursor.execute(
                f"""
                SELECT min(key), max(key), count(*) FROM (
                    SELECT {column} AS key, (row_number() OVER (ORDER BY {column}) - 1) / %s AS slice
                    FROM ({sql}) chosen
                ) numbered GROUP BY slice ORDER BY slice
                """,
                [size, *params],
            )
            yield from _without_overlaps(kind, cursor.fetchall())


def _without_overlaps(kind: str, slices: list[tuple]):
    """A case cut in two by a slice boundary goes wholly to the earlier slice."""
    previous_last = None
    for first, last, count in slices:
        if previous_last is not None and first <= previous_last:
            first = previous_last + 1
        if first <= last:
            yield kind, first, last, count
        previous_last = last


def recompute_chunk_do(*, chunk_id: int) -> None:
    """Re-credit one chunk and mark it done, in one transaction; a done chunk is skipped."""
    with transaction.atomic():
        chunk = RecomputeChunk.objects.select_for_update().select_related("run").filter(pk=chunk_id).first()
        if chunk is None or chunk.done_at is not None:
            return
        changed = logs_recredit_in_bulk(logs=_chunk_logs(chunk), memo=_memo_for_run(chunk.run_id))
        chunk.done_at = timezone.now()
        chunk.save(update_fields=["done_at"])
        RecomputeRun.objects.filter(pk=chunk.run_id).update(
            chunks_done=F("chunks_done") + 1,
            logs_done=F("logs_done") + chunk.logs,
            logs_changed=F("logs_changed") + changed,
        )
        if chunk.run.release_id:
            _report_upload_progress(chunk.run)
    logger.info("Recompute run %s: chunk %s done, %d logs changed", chunk.run_id, chunk, changed)
    if settings.RVUEDGE_RECOMPUTE_CHUNK_PAUSE:
        time.sleep(settings.RVUEDGE_RECOMPUTE_CHUNK_PAUSE)  # leave the database to interactive users


_credits_by_run: dict[int, dict] = {}


def _memo_for_run(run_id: int) -> dict:
    """Credits already worked out by this process for the run, kept for its next chunk."""
    if run_id not in _credits_by_run:
        _credits_by_run.clear()  # one run at a time: an earlier run's plans may since have changed
        _credits_by_run[run_id] = {}
    return _credits_by_run[run_id]


def recompute_run_is_complete(run_id: int) -> bool:
    return not RecomputeChunk.objects.filter(run_id=run_id, done_at__isnull=True).exists()


def _chunk_logs(chunk: RecomputeChunk) -> models.QuerySet[ProcedureLog]:
    run = chunk.run
    logs = (
        logs_governed_by(run.release) if run.release_id else ProcedureLog.objects.filter(credit_plan=run.plan)
    )
    if chunk.kind == RecomputeChunk.Kind.LONE_LOGS:
        return logs.filter(case__isnull=True, id__gte=chunk.first_id, id__lte=chunk.last_id)
    return logs.filter(case_id__gte=chunk.first_id, case_id__lte=chunk.last_id)


def _report_upload_progress(run: RecomputeRun) -> None:
    run.refresh_from_db(fields=["logs_done", "logs_total"])
    ReleaseUpload.objects.filter(release_id=run.release_id, state=ReleaseUpload.State.RECOMPUTING).update(
        progress_stage="recomputing", progress_done=run.logs_done, progress_total=run.logs_total
    )


def recompute_run_finish(*, run: RecomputeRun) -> None:
    """Once every chunk is done: record what each user saw change, and mark uploads ready. Runs once."""
    with transaction.atomic():
        run = RecomputeRun.objects.select_for_update(of=("self",)).select_related("release").get(pk=run.pk)
        if run.finished_at is not None or not recompute_run_is_complete(run.pk):
            return
        if run.release is not None:
            _record_outcomes(run.release)
            Release.objects.filter(pk=run.release_id).update(repriced_at=timezone.now())
            ReleaseUpload.objects.filter(release=run.release, state=ReleaseUpload.State.RECOMPUTING).update(
                state=ReleaseUpload.State.READY,
                progress_stage="recomputing",
                progress_done=run.logs_total,
                progress_total=run.logs_total,
                updated_at=timezone.now(),
            )
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
    logger.info("Recompute run %s finished: %d logs, %d changed", run.pk, run.logs_total, run.logs_changed)


def _record_baselines(release: Release) -> None:
    """Per user, the totals before the first run; a rerun keeps the first run's numbers."""
    previous = _previous_release(release)
    ReleaseRepricing.objects.bulk_create(
        [
            ReleaseRepricing(
                user_id=row["user_id"],
                release=release,
                previous_release=previous,
                logs=row["logs"],
                work_rvu_before=row["work_rvu"],
                work_rvu_after=row["work_rvu"],
            )
            for row in _totals_by_user(release)
        ],
        ignore_conflicts=True,
    )


def _record_outcomes(release: Release) -> None:
    changed_codes = _codes_with_changed_work(release)
    codes_by_user: dict[int, set[str]] = defaultdict(set)  # one query, not one per user
    for user_id, code in logs_governed_by(release).order_by().values_list("user_id", "code_id").distinct():
        codes_by_user[user_id].add(code)
    totals = {row["user_id"]: row for row in _totals_by_user(release)}
    repricings = list(ReleaseRepricing.objects.filter(release=release, user_id__in=totals))
    for repricing in repricings:
        row = totals[repricing.user_id]
        repricing.logs, repricing.work_rvu_after = row["logs"], row["work_rvu"]
        repricing.codes_changed = len(codes_by_user[repricing.user_id] & changed_codes)
    ReleaseRepricing.objects.bulk_update(
        repricings, ["logs", "work_rvu_after", "codes_changed"], batch_size=1000
    )


def _totals_by_user(release: Release):
    return (
        logs_governed_by(release)
        .values("user_id")
        .annotate(logs=Count("id"), work_rvu=Sum("work_rvu"))
        .order_by("user_id")
    )


def _previous_release(release: Release) -> Release | None:
    """What `release` re-prices logs from: the release it corrects, else the one before it."""
    if release.replaces_id:
        return release.replaces
    return (
        Release.objects.filter(effective_on__lt=release.effective_on).order_by("-effective_on", "-id").first()
    )


def _codes_with_changed_work(release: Release) -> set[str]:
    previous = _previous_release(release)
    if previous is None:
        return set()
    return codes_with_new_work_rvu(release=release, against=previous)


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
