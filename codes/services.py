"""Writes to the code catalog: importing a CMS national relative value file."""

import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from .importing.errors import ReleaseFileError
from .importing.identity import ReleaseIdentity, identify_release
from .importing.readers import ParsedFile, read_csv, read_txt, read_xlsx
from .importing.rows import checked_rows, convert_rows
from .importing.sources import ReleaseUpload, SourceFile, open_upload
from .models import Code, FeeScheduleRow, Release, words_for_search

logger = logging.getLogger(__name__)

SAVE_BATCH_SIZE = 2000
# CMS files carry no row count or end marker, so a file cut off at a line break
# reads cleanly. Releases change by a few hundred rows at most, so a file much
# shorter than the release before it is refused unless the admin confirms.
SHRINK_LIMIT = Decimal("0.9")
READERS = {"csv": read_csv, "txt": read_txt, "xlsx": read_xlsx}

# Called as progress(stage, done, total) while an import runs.
ProgressCallback = Callable[[str, int, int], None]


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
    parsed = read_release_file(upload.rvu_file)
    identity = identify_release(
        explicit_name=release_name,
        container_name=upload.container_name,
        title=parsed.title,
        file_name=upload.rvu_file.name,
    )
    report("checking", 0, len(parsed.rows))
    rows = checked_rows(parsed)
    report("checking", len(rows), len(rows))
    _refuse_second_file_for_release(identity, upload)
    corrected = _release_corrected_by(identity)
    effective_on = effective_on or (
        corrected.effective_on if corrected else Release.default_effective_on(identity.year, identity.quarter)
    )
    if not allow_fewer_rows:
        _refuse_truncated_looking_file(upload, len(rows), effective_on)

    release = _new_release(
        identity=identity,
        upload=upload,
        parsed=parsed,
        rows=rows,
        effective_on=effective_on,
    )
    release.replaces = corrected
    if dry_run:
        return ImportResult(
            release=release, created=False, dry_run=True, ignored_columns=parsed.ignored_columns
        )
    try:
        with transaction.atomic():
            release.save()
            _link_earlier_corrections(release)
            _save_codes(release, rows)
            _save_rows(release, parsed, rows, report)
        _refresh_planner_statistics()
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


def _refresh_planner_statistics() -> None:
    """Tell PostgreSQL's planner about the ~19,000 new rows at once, rather than
    whenever autovacuum gets to them: until then a release diff plans badly (9 s
    instead of under 1 s on RVU26B against RVU26C)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The columns lookups filter on: sampling all 34 takes three times as long.
            cursor.execute(f"ANALYZE {FeeScheduleRow._meta.db_table} (release_id, code, modifier)")


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


def _refuse_second_file_for_release(identity: ReleaseIdentity, upload: ReleaseUpload) -> None:
    held = Release.objects.filter(name=identity.name).first()
    if held:
        raise ReleaseFileError(
            f"{identity.name} is already imported from {held.source_filename} (a different file, "
            f"sha256 {held.source_sha256[:12]}…); a corrected re-issue is imported as its own "
            f"release, e.g. --release {identity.name}R",
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
    *,
    identity: ReleaseIdentity,
    upload: ReleaseUpload,
    parsed: ParsedFile,
    rows: list[dict],
    effective_on: datetime.date,
) -> Release:
    return Release(
        name=identity.name,
        year=identity.year,
        quarter=identity.quarter,
        is_correction=identity.is_correction,
        effective_on=effective_on,
        released_on=parsed.released_on,
        title=parsed.title,
        conversion_factor=Decimal(rows[0]["conversion_factor"]),
        qp_conversion_factor=_qpp_conversion_factor(upload.qpp_file),
        source_filename=upload.original_name,
        rows_file_name=upload.rvu_file.name,
        source_sha256=upload.sha256,
        row_count=len(rows),
        code_count=len({row["code"] for row in rows}),
    )


def _qpp_conversion_factor(qpp_file: SourceFile | None) -> Decimal | None:
    if qpp_file is None:
        return None
    return convert_rows(read_release_file(qpp_file))[0]["conversion_factor"]


def _save_codes(release: Release, rows: list[dict]) -> None:
    """Add the release's codes to the catalog; the newest release names them."""
    descriptions: dict[str, str] = {}
    for row in rows:
        if row["modifier"] == "" or row["code"] not in descriptions:
            descriptions[row["code"]] = row["description"]
    codes = [(code, text, words_for_search(text)) for code, text in descriptions.items()]
    is_newest = not Release.objects.filter(effective_on__gt=release.effective_on).exists()
    if connection.vendor == "postgresql":
        _copy_codes(codes, rename=is_newest)
        return
    objects = [Code(code=code, description=text, search_text=words) for code, text, words in codes]
    if is_newest:
        Code.objects.bulk_create(
            objects,
            batch_size=SAVE_BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["description", "search_text"],
        )
    else:
        Code.objects.bulk_create(objects, batch_size=SAVE_BATCH_SIZE, ignore_conflicts=True)


def _copy_codes(codes: list[tuple[str, str, str]], *, rename: bool) -> None:
    """PostgreSQL: COPY the codes to a scratch table, then upsert them in one statement,
    rewriting only the descriptions that changed."""
    table = Code._meta.db_table
    on_conflict = (
        "DO UPDATE SET description = EXCLUDED.description, search_text = EXCLUDED.search_text "
        f"WHERE {table}.description IS DISTINCT FROM EXCLUDED.description"
        if rename
        else "DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE import_code (code text, description text, search_text text)")
        with cursor.copy("COPY import_code FROM STDIN") as copy:
            for row in codes:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} (code, description, search_text) "
            f"SELECT code, description, search_text FROM import_code ON CONFLICT (code) {on_conflict}"
        )
        cursor.execute("DROP TABLE import_code")


def _save_rows(release: Release, parsed: ParsedFile, rows: list[dict], report: ProgressCallback) -> None:
    if connection.vendor == "postgresql":
        _copy_rows(release, parsed, rows, report)
        return
    lines = [raw.line for raw in parsed.rows]
    for start in range(0, len(rows), SAVE_BATCH_SIZE):
        end = start + SAVE_BATCH_SIZE
        batch = zip(lines[start:end], rows[start:end], strict=True)
        FeeScheduleRow.objects.bulk_create([_row(release, line, values) for line, values in batch])
        report("saving", min(end, len(rows)), len(rows))


def _copy_rows(release: Release, parsed: ParsedFile, rows: list[dict], report: ProgressCallback) -> None:
    """PostgreSQL: stream the checked rows with COPY, many times faster than INSERTs.

    The values were already checked and converted, so they go in as they are;
    the surrounding transaction still makes the import all or nothing.
    """
    stored = [field for field in FeeScheduleRow._meta.concrete_fields if not field.primary_key]
    value_fields = [field for field in stored if field.name not in ("release", "source_line")]
    ordered = [FeeScheduleRow._meta.get_field("release"), FeeScheduleRow._meta.get_field("source_line")]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in ordered + value_fields)
    table = connection.ops.quote_name(FeeScheduleRow._meta.db_table)
    values_of = itemgetter(*(field.name for field in value_fields))
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for raw, values in zip(parsed.rows, rows, strict=True):
            copy.write_row((release.pk, raw.line, *values_of(values)))
    # Only now: a progress report may write to the database, and while COPY streams,
    # the connection is busy, so a write from inside the loop would wait on itself.
    report("saving", len(rows), len(rows))


def _row(release: Release, line: int, values: dict) -> FeeScheduleRow:
    columns = {key: value for key, value in values.items() if key != "code"}
    return FeeScheduleRow(release=release, source_line=line, code_id=values["code"], **columns)
