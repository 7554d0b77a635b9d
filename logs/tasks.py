"""Celery tasks: thin wrappers that reload by id and call a domain function.

Every task is safe to run twice (a recompute converges, a done chunk is
skipped), acknowledged only when done (acks_late) so a killed worker's task is
delivered again, and retried with backoff when the database is briefly
unreachable or a deadlock between two chunks picked one as the loser.
"""

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from codes.models import Release, ReleaseUpload
from rvuedge.celery import run_or_queue

from .models import CreditPlan, RecomputeRun
from .recompute import (
    plan_recompute_start,
    recompute_chunk_do,
    recompute_run_finish,
    recompute_run_is_complete,
    release_recompute_start,
)
from .releases import release_upload_process

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY)
def recompute_release(release_id: int) -> int:
    """Plan a release's recompute and hand its chunks to the workers; returns the logs it covers."""
    release = Release.objects.filter(pk=release_id).first()
    run = release_recompute_start(release=release) if release else None
    return queue_recompute_chunks(run) if run else 0


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY)
def recompute_plan(plan_id: int) -> int:
    plan = CreditPlan.objects.filter(pk=plan_id).first()
    return queue_recompute_chunks(plan_recompute_start(plan=plan)) if plan else 0


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY)
def recompute_chunk(chunk_id: int, run_id: int) -> None:
    recompute_chunk_do(chunk_id=chunk_id)
    if recompute_run_is_complete(run_id):
        recompute_run_finish(run=RecomputeRun(pk=run_id))


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY)
def import_release_upload(upload_id: int) -> str:
    upload = ReleaseUpload.objects.filter(pk=upload_id).first()
    if upload is None:
        return "missing"
    upload, run = release_upload_process(upload=upload)
    if run is not None:
        queue_recompute_chunks(run)
    return upload.state


def queue_recompute_chunks(run: RecomputeRun) -> int:
    """One task per chunk still to do, so that every worker can take a share; returns the run's logs."""
    pending = list(run.chunks.filter(done_at__isnull=True).values_list("pk", flat=True))
    for chunk_id in pending:
        run_or_queue(recompute_chunk, chunk_id, run.pk)
    if not pending:
        recompute_run_finish(run=run)
    return run.logs_total


def queue_release_recompute(release: Release) -> str:
    """Re-price the logs a new release governs, once the import has committed: in the
    workers when a broker is configured, otherwise right here. Returns what happened."""
    outcome = run_or_queue(recompute_release, release.pk)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return f"Re-priced {outcome.get()} logs under {release.name}."
    return f"Queued the recompute of the logs under {release.name} (task {outcome.id})."


def queue_plan_recompute(plan: CreditPlan) -> None:
    run_or_queue(recompute_plan, plan.pk)
