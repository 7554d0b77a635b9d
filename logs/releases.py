"""A release upload from start to finish: import the file, then re-price the logs.

Runs in a Celery worker (logs.tasks.import_release_upload) and records its state
and progress on the upload, so the admin who uploaded it can watch. The import
ends by planning the recompute; its chunks then run in the workers, and the run
marks the upload ready when the last one is done. Running it again is safe: the
import is a no-op for a file already held and the recompute converges.
"""

import logging
import time

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import OperationalError

from accounts.audit import Action, audit_record
from codes.importing.errors import ReleaseFileError
from codes.importing.sources import precheck_upload
from codes.models import ReleaseUpload
from codes.services import release_import

from .models import RecomputeRun
from .recompute import release_recompute_start

logger = logging.getLogger(__name__)
PROGRESS_EVERY_SECONDS = 1.0


def release_upload_create(*, file: UploadedFile, uploaded_by, release_name: str = "", effective_on=None):
    """Check and store an uploaded release file; raises ReleaseFileError before storing a bad one."""
    data = file.read()
    precheck_upload(file.name, data, max_bytes=settings.RVUEDGE_MAX_RELEASE_BYTES)
    file.seek(0)
    upload = ReleaseUpload.objects.create(
        file=file,
        original_name=file.name,
        size=len(data),
        uploaded_by=uploaded_by,
        release_name=release_name.strip().upper(),
        effective_on=effective_on,
    )
    logger.info("Release upload %s stored: %s, %d bytes", upload.pk, upload.original_name, upload.size)
    return upload


def release_upload_process(*, upload: ReleaseUpload) -> tuple[ReleaseUpload, RecomputeRun | None]:
    """Import the upload's file and plan its recompute; returns the upload and the run to carry out."""
    if upload.state == ReleaseUpload.State.READY:
        return upload, None
    report = _progress_recorder(upload)
    _set_state(upload, ReleaseUpload.State.IMPORTING)
    try:
        result = release_import(
            path=upload.file.path,
            release_name=upload.release_name or None,
            effective_on=upload.effective_on,
            progress=report,
            original_name=upload.original_name,  # storage may have renamed the file
        )
    except ReleaseFileError as error:
        upload.error = str(error)  # the import rolled back; this says why, with file, line and column
        _set_state(upload, ReleaseUpload.State.FAILED)
        logger.warning("Release upload %s refused: %s", upload.pk, upload.error)
        return upload, None
    except OperationalError:
        raise  # the database went away: the task retries, and the upload keeps its state
    except Exception:
        # Our bug, not the file's: say so rather than leave the upload "importing" forever.
        upload.error = (
            "The import stopped on an unexpected error and wrote nothing; the server log has details."
        )
        _set_state(upload, ReleaseUpload.State.FAILED)
        logger.exception("Release upload %s failed", upload.pk)
        raise
    upload.release = result.release
    _set_state(upload, ReleaseUpload.State.RECOMPUTING)
    logger.info("Release upload %s imported: %s", upload.pk, result.summary)
    if result.created:
        audit_record(
            action=Action.RELEASE_IMPORTED,
            actor=upload.uploaded_by,
            release=result.release.name,
            file=upload.original_name,
            rows=result.release.row_count,
        )
    run = release_recompute_start(release=result.release)
    if run is None:  # superseded by a correction: nothing of its own to re-price
        _set_state(upload, ReleaseUpload.State.READY)
    return upload, run


def _set_state(upload: ReleaseUpload, state: str) -> None:
    upload.state = state
    upload.save(update_fields=["state", "error", "release", "updated_at"])


def _progress_recorder(upload: ReleaseUpload):
    """Save progress at most once a second: every row would be thousands of writes."""
    last_saved = 0.0

    def record(stage: str, done: int, total: int) -> None:
        nonlocal last_saved
        now = time.monotonic()
        if now - last_saved < PROGRESS_EVERY_SECONDS and done < total:
            return
        last_saved = now
        ReleaseUpload.objects.filter(pk=upload.pk).update(
            progress_stage=stage, progress_done=done, progress_total=total
        )

    return record
