"""Celery tasks: thin wrappers that reload by id and call a domain function.

Both are safe to run twice (recompute converges), acknowledged only when done
(acks_late) so a killed worker's task is delivered again, and retried with
backoff when the database is briefly unreachable.
"""

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from codes.models import Release, ReleaseUpload
from rvuedge.celery import run_or_queue

from .recompute import release_recompute
from .releases import release_upload_process

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY)
def recompute_release(release_id: int) -> int:
    release = Release.objects.filter(pk=release_id).first()
    return release_recompute(release=release) if release else 0


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY)
def import_release_upload(upload_id: int) -> str:
    upload = ReleaseUpload.objects.filter(pk=upload_id).first()
    return release_upload_process(upload=upload).state if upload else "missing"


def queue_release_recompute(release: Release) -> str:
    """Re-price the logs a new release governs, once the import has committed: in a
    worker when a broker is configured, otherwise right here. Returns what happened."""
    outcome = run_or_queue(recompute_release, release.pk)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return f"Re-priced {outcome.get()} logs under {release.name}."
    return f"Queued the recompute of the logs under {release.name} (task {outcome.id})."
