"""Import a CMS alpha-numeric HCPCS file: every code it lists joins the catalog.

The fee schedule values a code; the HCPCS file only describes it. So a code no
release lists (E0100, a cane; many S codes for private payers) still gets a
catalog entry here, and can be found and logged, earning 0 wRVU. Descriptions follow
"fee schedule first": the HCPCS short description names a code only while no
release lists it (a release imported later renames it, as it renames any code).

Details are kept once per code, from the newest file listing it (by effective
date, a later import winning a tie); an older file imported afterwards only adds
the codes the newer one lacks. The same file twice is a no-op.
"""

import datetime
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

from ..models import (
    Code,
    FeeScheduleRow,
    HcpcsCode,
    HcpcsFile,
    HcpcsModifier,
    all_words_for_search,
    words_for_search,
)
from .hcpcs_layout import HcpcsFileError
from .hcpcs_readers import (
    HcpcsEntryData,
    ParsedHcpcsFile,
    Progress,
    identify_hcpcs_file,
    open_hcpcs_upload,
    read_hcpcs_file,
)
from .saving import lock_code_catalog

logger = logging.getLogger(__name__)

SAVE_BATCH_SIZE = 2000
ENTRY_FIELDS = [
    "file",
    "source_line",
    "long_description",
    "short_description",
    "coverage_code",
    "processing_note",
    "added_on",
    "action_effective_on",
    "terminated_on",
    "action_code",
]
CODE_FIELDS = [
    *ENTRY_FIELDS,
    "pricing_indicators",
    "multiple_pricing_indicator",
    "betos",
    "type_of_service",
    "search_text",
]


@dataclass
class HcpcsImportResult:
    file: HcpcsFile
    created: bool
    dry_run: bool = False
    catalog_added: int = 0  # codes new to the catalog
    catalog_renamed: int = 0  # codes no release lists, renamed by this file
    details_kept: int = 0  # codes and modifiers whose details stay those of a newer file
    seconds: float = 0.0

    @property
    def summary(self) -> str:
        hcpcs_file = self.file
        counts = (
            f"{hcpcs_file.record_count:,} records: {hcpcs_file.code_count:,} codes, "
            f"{hcpcs_file.modifier_count:,} modifiers"
        )
        if self.dry_run:
            return (
                f"Checked {hcpcs_file.records_file_name} (HCPCS {hcpcs_file.effective_on:%B %Y}), {counts}. "
                "Dry run: nothing was written."
            )
        if not self.created:
            return (
                f"{hcpcs_file.name} was already imported on {hcpcs_file.imported_at:%Y-%m-%d %H:%M} UTC; "
                "nothing changed."
            )
        kept = f"; {self.details_kept:,} kept the details of a newer file" if self.details_kept else ""
        return (
            f"Imported HCPCS {hcpcs_file.effective_on:%B %Y} from {hcpcs_file.records_file_name}, {counts}; "
            f"{self.catalog_added:,} codes added to the catalog, {self.catalog_renamed:,} renamed{kept} "
            f"in {self.seconds:.1f} s."
        )


def hcpcs_file_import(
    *,
    path: Path,
    effective_on: datetime.date | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    original_name: str | None = None,
) -> HcpcsImportResult:
    """Import a HCPCS ZIP, TXT, XLSX or CSV, all or nothing.

    Raises HcpcsFileError (or another SourceFileError) naming the file, line and
    field of the first thing refused; nothing is written then.
    """
    started = time.monotonic()
    report = progress or (lambda stage, done, total: None)
    upload = open_hcpcs_upload(Path(path), max_bytes=settings.RVUEDGE_MAX_RELEASE_BYTES, name=original_name)
    existing = HcpcsFile.objects.filter(sha256=upload.sha256).first()
    if existing:
        logger.info("HCPCS file %s already imported on %s", upload.original_name, existing.imported_at)
        return HcpcsImportResult(file=existing, created=False)

    identity = identify_hcpcs_file(
        container_name=upload.container_name, records_name=upload.records_file.name
    )
    if identity is None and effective_on is None:
        raise HcpcsFileError(
            "cannot tell which quarter this HCPCS file is for (its name is not like "
            "HCPC2026_JAN_ANWEB_….txt); give it with --effective-date, e.g. 2026-01-01",
            filename=upload.original_name,
        )
    parsed = read_hcpcs_file(upload.records_file, progress=report)
    effective_on = effective_on or identity.effective_on
    hcpcs_file = HcpcsFile(
        name=upload.original_name,
        records_file_name=upload.records_file.name,
        year=effective_on.year,
        effective_on=effective_on,
        version=identity.version if identity else "",
        sha256=upload.sha256,
        record_count=parsed.record_count,
        code_count=len(parsed.codes),
        modifier_count=len(parsed.modifiers),
    )
    if dry_run:
        return HcpcsImportResult(file=hcpcs_file, created=False, dry_run=True)

    try:
        with transaction.atomic():
            lock_code_catalog()  # the release import adds codes under the same lock
            winner = HcpcsFile.objects.filter(sha256=upload.sha256).first()
            if winner:  # the same file committed while this one was being read
                return HcpcsImportResult(file=winner, created=False)
            hcpcs_file.save(force_insert=True)
            result = _save_entries(hcpcs_file, parsed, report)
    except IntegrityError:
        winner = HcpcsFile.objects.filter(sha256=upload.sha256).first()
        if winner is None:
            raise
        return HcpcsImportResult(file=winner, created=False)
    result.seconds = time.monotonic() - started
    logger.info(
        "Imported HCPCS file %s (%s): %d records, %d codes, %d modifiers, %d new to the catalog, %.1f s",
        hcpcs_file.records_file_name,
        hcpcs_file.effective_on,
        hcpcs_file.record_count,
        hcpcs_file.code_count,
        hcpcs_file.modifier_count,
        result.catalog_added,
        result.seconds,
    )
    return result


def _save_entries(hcpcs_file: HcpcsFile, parsed: ParsedHcpcsFile, report: Progress) -> HcpcsImportResult:
    codes = _described_here(
        hcpcs_file, parsed.codes, HcpcsCode.objects.values_list("code", "file__effective_on")
    )
    modifiers = _described_here(
        hcpcs_file, parsed.modifiers, HcpcsModifier.objects.values_list("modifier", "file__effective_on")
    )
    added, renamed = _update_catalog(parsed.codes, codes)
    total = len(codes) + len(modifiers)
    report("saving", 0, total)
    for done, batch in _batches(codes):
        HcpcsCode.objects.bulk_create(
            [_code_details(hcpcs_file, entry) for entry in batch],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=CODE_FIELDS,
        )
        report("saving", done, total)
    HcpcsModifier.objects.bulk_create(
        [HcpcsModifier(modifier=entry.key, **_entry_values(hcpcs_file, entry)) for entry in modifiers],
        update_conflicts=True,
        unique_fields=["modifier"],
        update_fields=ENTRY_FIELDS,
        batch_size=SAVE_BATCH_SIZE,
    )
    report("saving", total, total)
    kept = len(parsed.codes) + len(parsed.modifiers) - total
    return HcpcsImportResult(
        file=hcpcs_file, created=True, catalog_added=added, catalog_renamed=renamed, details_kept=kept
    )


def _described_here(hcpcs_file: HcpcsFile, entries: list[HcpcsEntryData], held) -> list[HcpcsEntryData]:
    """The entries whose details this file gives: all but those a later file already gave."""
    held_from = dict(held)
    return [
        entry
        for entry in entries
        if held_from.get(entry.key, hcpcs_file.effective_on) <= hcpcs_file.effective_on
    ]


def _update_catalog(entries: list[HcpcsEntryData], described: list[HcpcsEntryData]) -> tuple[int, int]:
    """Add the codes the catalog lacks; rename those no release lists. Returns (added, renamed)."""
    held = dict(Code.objects.values_list("code", "description"))
    new = [_catalog_code(entry) for entry in entries if entry.key not in held]
    Code.objects.bulk_create(new, batch_size=SAVE_BATCH_SIZE)
    renaming = {
        entry.key: _catalog_code(entry)
        for entry in described
        if entry.key in held and held[entry.key] != _catalog_description(entry)
    }
    # Fee schedule first: a code any release lists keeps the name the release gave it.
    valued = set(
        FeeScheduleRow.objects.filter(code__in=list(renaming)).values_list("code", flat=True).distinct()
    )
    renamed = [code for key, code in renaming.items() if key not in valued]
    Code.objects.bulk_update(renamed, ["description", "search_text"], batch_size=SAVE_BATCH_SIZE)
    return len(new), len(renamed)


def _catalog_description(entry: HcpcsEntryData) -> str:
    # The fee schedule names codes by CMS's short description too; a blank one falls back to the long.
    return entry.short_description or entry.long_description[: Code._meta.get_field("description").max_length]


def _catalog_code(entry: HcpcsEntryData) -> Code:
    description = _catalog_description(entry)
    return Code(code=entry.key, description=description, search_text=words_for_search(description))


def _entry_values(hcpcs_file: HcpcsFile, entry: HcpcsEntryData) -> dict:
    return {
        "file": hcpcs_file,
        "source_line": entry.line,
        "long_description": entry.long_description,
        "short_description": entry.short_description,
        "coverage_code": entry.coverage_code,
        "processing_note": entry.processing_note,
        "added_on": entry.added_on,
        "action_effective_on": entry.action_effective_on,
        "terminated_on": entry.terminated_on,
        "action_code": entry.action_code,
    }


def _code_details(hcpcs_file: HcpcsFile, entry: HcpcsEntryData) -> HcpcsCode:
    return HcpcsCode(
        code_id=entry.key,
        pricing_indicators=entry.pricing_indicators,
        multiple_pricing_indicator=entry.multiple_pricing_indicator,
        betos=entry.betos,
        type_of_service=entry.type_of_service,
        search_text=all_words_for_search(entry.long_description),
        **_entry_values(hcpcs_file, entry),
    )


def _batches(entries: list[HcpcsEntryData]):
    """(entries done after this batch, batch), SAVE_BATCH_SIZE at a time."""
    for start in range(0, len(entries), SAVE_BATCH_SIZE):
        batch = entries[start : start + SAVE_BATCH_SIZE]
        yield start + len(batch), batch
