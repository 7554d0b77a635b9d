import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.audit import Action, audit_record
from codes.importing.errors import ReleaseFileError
from codes.progress import TerminalProgress
from codes.services import release_import
from logs.tasks import queue_release_recompute


class Command(BaseCommand):
    help = (
        "Import a CMS national relative value file: the release ZIP as CMS ships it "
        "(e.g. RVU26A.zip) or its PPRRVU file as CSV, fixed-width TXT or XLSX."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--release", help="Release name when the file does not say it, e.g. RVU26C.")
        parser.add_argument(
            "--effective-date",
            type=datetime.date.fromisoformat,
            help="First date of service the release applies to (default: from its quarter).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Read and check the file; write nothing.")
        parser.add_argument(
            "--allow-fewer-rows",
            action="store_true",
            help="Import even though the file has far fewer rows than the release before it.",
        )

    def handle(self, *args, path: Path, release: str | None, effective_date, dry_run: bool, **options):
        allow_fewer_rows = options["allow_fewer_rows"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        with TerminalProgress(enabled=options["verbosity"] > 0) as progress:
            try:
                result = release_import(
                    path=path,
                    release_name=release,
                    effective_on=effective_date,
                    dry_run=dry_run,
                    allow_fewer_rows=allow_fewer_rows,
                    progress=progress,
                )
            except ReleaseFileError as error:
                raise CommandError(f"Import refused, nothing was written. {error}") from None
        for column in result.ignored_columns:
            self.stderr.write(self.style.WARNING(f"Ignored an unknown column: {column}"))
        self.stdout.write(self.style.SUCCESS(result.summary))
        if result.created:
            audit_record(
                action=Action.RELEASE_IMPORTED,
                release=result.release.name,
                file=result.release.source_filename,
                rows=result.release.row_count,
                via="manage.py import_rvu",
            )
            self.stdout.write(queue_release_recompute(result.release))
