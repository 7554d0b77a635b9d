import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.audit import Action, audit_record
from codes.importing.hcpcs_import import hcpcs_file_import
from codes.progress import TerminalProgress
from rvuedge.errors import SourceFileError

# The quarterly HCPCS ZIP shipped in data/hcpcs/, imported by scripts/run and docker compose.
BUNDLED_HCPCS_FILE = "hcpcs/january-2026-alpha-numeric-hcpcs-file.zip"


class Command(BaseCommand):
    help = (
        "Import a CMS alpha-numeric HCPCS file (HCPCS Level II codes and modifiers): the quarterly ZIP "
        "as CMS ships it, or its fixed-width TXT, its XLSX, or a CSV saved from the XLSX. "
        "Safe to run again: a file already imported is skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, nargs="?")
        parser.add_argument("--bundled", action="store_true", help=f"Import data/{BUNDLED_HCPCS_FILE}.")
        parser.add_argument(
            "--effective-date",
            type=datetime.date.fromisoformat,
            help="First day of the quarter the file is for, when its name does not say (e.g. 2026-01-01).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Read and check the file; write nothing.")

    def handle(self, *args, path: Path | None, bundled: bool, effective_date, dry_run: bool, **options):
        if bundled == (path is not None):
            raise CommandError("Give either a file or --bundled.")
        path = path or Path(settings.DATA_DIR) / BUNDLED_HCPCS_FILE
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        with TerminalProgress(enabled=options["verbosity"] > 0 and not bundled) as progress:
            try:
                result = hcpcs_file_import(
                    path=path, effective_on=effective_date, dry_run=dry_run, progress=progress
                )
            except SourceFileError as error:
                raise CommandError(f"Import refused, nothing was written. {error}") from None
        self.stdout.write(self.style.SUCCESS(result.summary))
        if result.created:
            # The audit trail has one action for CMS file imports; `kind` tells the two apart.
            audit_record(
                action=Action.RELEASE_IMPORTED,
                kind="hcpcs",
                file=result.file.name,
                effective_on=result.file.effective_on.isoformat(),
                records=result.file.record_count,
                via="manage.py import_hcpcs",
            )
