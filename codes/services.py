"""Writes to the code catalog: importing a CMS national relative value file."""

import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from .importing.errors import ReleaseFileError
from .importing.identity import ReleaseIdentity, identify_release
from .importing.readers import ParsedFile, read_csv, read_txt, read_xlsx
from .importing.rows import checked_rows, convert_rows
from .importing.saving import (
    ProgressCallback,
    RowsRefused,
    copy_release_while_checking,
    cyclic_garbage_collector_paused,
    lock_code_catalog,
    save_codes,
    save_rows,
)
from .importing.sources import ReleaseUpload, SourceFile, open_upload
from .models import Release

logger = logging.getLogger(__name__)

# CMS files carry no row count or end marker, so a file cut off at a line break
# reads cleanly. Releases change by a few hundred rows at most, so a file much
# shorter than the release before it is refused unless the admin confirms.
SHRINK_LIMIT = Decimal("0.9")
READERS = {"csv": read_csv, "txt": read_txt, "xlsx": read_xlsx}


@dataclass
class ImportResult:
    release: Release
    created: bool
    dry_run: bool = False
    ignored_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def summary(self) -> str:
        release = self.release
        if self.dry_run:
            return (
                f"Checked {release.source_filename}: {release.name} (effective "
                f"{release.effective_on:%Y-%m-%d}), {release.row_count:,} rows, "
                f"{release.code_count:,} codes, conversion factor {release.conversion_factor}. "
                "Dry run: nothing was written."
            )
        if not self.created:
            return (
                f"{release.source_filename} was already imported as {release.name} "
                f"on {release.imported_at:%Y-%m-%d %H:%M} UTC; nothing changed."
            )
        return (
            f"Imported {release.name} (effective {release.effective_on:%Y-%m-%d}) from "
            f"{release.source_filename}: {release.row_count:,} rows, {release.code_count:,} codes, "
            f"conversion factor {release.conversion_factor} in {self.seconds:.1f} s."
        )


def read_release_file(source: SourceFile) -> ParsedFile:
    return READERS[source.detect_format()](source.name, source.data)


def release_import(
    *,
    path: Path,
    release_name: str | None = None,
    effective_on: datetime.date | None = None,
    dry_run: bool = False,
    allow_fewer_rows: bool = False,
    progress: ProgressCallback | None = None,
    original_name: str | None = None,
) -> ImportResult:
    """Import one release from a CMS ZIP or a PPRRVU CSV/TXT/XLSX file, all or nothing.

    Importing the same file again changes nothing. A different file for a release
    we already hold is refused: corrections come as their own release (RVU26AR).
    `original_name` names an uploaded file stored under another name, in errors and on the release.
    """
    started = time.monotonic()
    report = progress or (lambda stage, done, total: None)
    upload = open_upload(Path(path), max_bytes=settings.RVUEDGE_MAX_RELEASE_BYTES, name=original_name)
    existing = Release.objects.filter(source_sha256=upload.sha256).first()
    if existing:
        logger.info("Release file %s already imported as %s", upload.original_name, existing.name)
        return ImportResult(release=existing, created=False)

    report("reading", 0, 1)
    with cyclic_garbage_collector_paused():
        parsed = read_release_file(upload.rvu_file)
    identity = identify_release(
        explicit_name=release_name,
        container_name=upload.container_name,
        title=parsed.title,
        file_name=upload.rvu_file.name,
    )
    corrected = _release_corrected_by(identity)
    effective_on = effective_on or (
        corrected.effective_on if corrected else Release.default_effective_on(identity.year, identity.quarter)
    )
    release = _new_release(identity=identity, upload=upload, parsed=parsed, effective_on=effective_on)
    release.replaces = corrected

    def refuse_unless_wanted() -> None:
        # Called once the rows passed their checks: a damaged file is reported as damaged first.
        # An import of the same file that committed while this one ran (a redelivered task)
        # is no conflict: this one rolls back and reports the file as held.
        if winner := Release.objects.filter(source_sha256=upload.sha256).first():
            raise _AlreadyImported(winner)
        _refuse_second_file_for_release(identity, upload)
        if not allow_fewer_rows:
            _refuse_truncated_looking_file(upload, len(parsed.rows), effective_on)

    if dry_run:
        with cyclic_garbage_collector_paused():
            rows = checked_rows(parsed)
        refuse_unless_wanted()
        _fill_in_row_facts(release, parsed, rows)
        return ImportResult(
            release=release, created=False, dry_run=True, ignored_columns=parsed.ignored_columns
        )
    try:
        _save_release(release, parsed, report, refuse_unless_wanted)
    except _AlreadyImported as already:
        logger.info("Release file %s was imported meanwhile as %s", upload.original_name, already.release)
        return ImportResult(release=already.release, created=False)
    except IntegrityError:
        # Another import of the same file or release committed first.
        winner = Release.objects.filter(source_sha256=upload.sha256).first()
        if winner:
            return ImportResult(release=winner, created=False)
        _refuse_second_file_for_release(identity, upload)
        raise
    result = ImportResult(
        release=release,
        created=True,
        ignored_columns=parsed.ignored_columns,
        seconds=time.monotonic() - started,
    )
    logger.info(
        "Imported release %s from %s: %d rows, %d codes, CF %s, %.1f s",
        release.name,
        release.source_filename,
        release.row_count,
        release.code_count,
        release.conversion_factor,
        result.seconds,
    )
    return result


def _link_earlier_corrections(release: Release) -> None:
    """A correction imported before the release it corrects replaces it all the same."""
    if not release.is_correction:
        Release.objects.filter(
            year=release.year, quarter=release.quarter, is_correction=True, replaces__isnull=True
        ).update(replaces=release)


def _release_corrected_by(identity: ReleaseIdentity) -> Release | None:
    """A corrected re-issue (RVU26CR) replaces the release it corrects, from the same date."""
    if not identity.is_correction:
        return None
    return Release.objects.filter(year=identity.year, quarter=identity.quarter, is_correction=False).first()


class _AlreadyImported(Exception):
    def __init__(self, release: Release):
        super().__init__(release.name)
        self.release = release


def _refuse_second_file_for_release(identity: ReleaseIdentity, upload: ReleaseUpload) -> None:
    held = Release.objects.filter(name=identity.name).first()
    if held:
        raise ReleaseFileError(
            f"{identity.name} is already imported from {held.source_filename} (a different file, "
            f"sha256 {held.source_sha256[:12]}…). The same release in another format (its CSV, TXT or "
            f"XLSX) needs no second import; only a corrected re-issue that CMS publishes is imported "
            f"as its own release, e.g. --release {identity.name}R",
            filename=upload.original_name,
        )


def _refuse_truncated_looking_file(
    upload: ReleaseUpload, row_count: int, effective_on: datetime.date
) -> None:
    previous = Release.objects.filter(effective_on__lte=effective_on).order_by("-effective_on").first()
    if previous and row_count < previous.row_count * SHRINK_LIMIT:
        raise ReleaseFileError(
            f"has {row_count:,} rows where {previous.name} has {previous.row_count:,}; the file looks cut "
            "short. If it is complete, import it again with --allow-fewer-rows",
            filename=upload.original_name,
        )


def _new_release(
    *, identity: ReleaseIdentity, upload: ReleaseUpload, parsed: ParsedFile, effective_on: datetime.date
) -> Release:
    """The release as the file's header names it; the facts its rows give wait for the checks."""
    return Release(
        name=identity.name,
        year=identity.year,
        quarter=identity.quarter,
        is_correction=identity.is_correction,
        effective_on=effective_on,
        released_on=parsed.released_on,
        title=parsed.title,
        qp_conversion_factor=_qpp_conversion_factor(upload.qpp_file),
        source_filename=upload.original_name,
        rows_file_name=upload.rvu_file.name,
        source_sha256=upload.sha256,
    )


def _fill_in_row_facts(release: Release, parsed: ParsedFile, rows: list[tuple[str, ...]]) -> None:
    release.row_count = len(rows)
    printed = Decimal(rows[0][parsed.keys.index("conversion_factor")])
    release.conversion_factor = printed.quantize(Decimal("0.0001"))  # as the column stores it
    code_index = parsed.keys.index("code")
    release.code_count = len({row[code_index] for row in rows})


def _save_release(
    release: Release, parsed: ParsedFile, report: ProgressCallback, refuse_unless_wanted: Callable[[], None]
) -> None:
    """Check the rows, then save the release, its codes and its rows, all or nothing.

    Raises ReleaseFileError naming the first bad row, or whatever `refuse_unless_wanted`
    raises once the rows passed.
    """
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic():
                # No foreign key constraint ties the rows to the release, so they can go first.
                release.pk = _next_release_id()
                rows = copy_release_while_checking(release, parsed)
                report("checking", len(rows), len(rows))
                refuse_unless_wanted()
                _fill_in_row_facts(release, parsed, rows)
                release.save(force_insert=True)
                _link_earlier_corrections(release)
                report("saving", len(rows), len(rows))
            return
        except RowsRefused:
            release.pk = None  # the quick checks refused the file: the full ones below say why
    with cyclic_garbage_collector_paused():
        rows = checked_rows(parsed)
    report("checking", len(rows), len(rows))
    refuse_unless_wanted()
    with transaction.atomic():
        lock_code_catalog()  # first, as the PostgreSQL path does: the same order, no deadlock
        _fill_in_row_facts(release, parsed, rows)
        release.save(force_insert=True)
        _link_earlier_corrections(release)
        save_codes(release, parsed, rows)
        save_rows(release, parsed, rows)
        report("saving", len(rows), len(rows))


def _next_release_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Release._meta.db_table])
        return cursor.fetchone()[0]


def _qpp_conversion_factor(qpp_file: SourceFile | None) -> Decimal | None:
    if qpp_file is None:
        return None
    return convert_rows(read_release_file(qpp_file))[0]["conversion_factor"]  # a small file: 20 rows
