from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benchmarks.importing.errors import BenchmarkFileError, BenchmarkSetError
from benchmarks.services import benchmark_set_import_licensed


class Command(BaseCommand):
    help = (
        "Import a licensed benchmark table (MGMA, AMGA, SullivanCotter ...) from CSV with the columns "
        "specialty, p10, p25, p50, p75, p90, n and optionally career_stage and region; all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv", type=Path, metavar="CSV")
        parser.add_argument("--name", required=True, help="e.g. 'MGMA 2025 Provider Compensation'.")
        parser.add_argument("--source", required=True, help="The survey and its publisher.")
        parser.add_argument("--year", required=True, type=int, help="The year the survey's figures describe.")
        parser.add_argument("--licence", required=True, help="Who may see the figures, and on what terms.")
        parser.add_argument("--citation", default="")
        parser.add_argument("--method", default="", help="How the survey made its figures, if known.")
        parser.add_argument("--slug", default="", help="The set's version id (default: from the name).")
        parser.add_argument(
            "--default", action="store_true", help="Compare users against this set by default."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the file; write nothing.")

    def handle(self, *args, csv: Path, **options):
        if not csv.is_file():
            raise CommandError(f"{csv}: no such file")
        try:
            result = benchmark_set_import_licensed(
                path=csv,
                name=options["name"],
                source=options["source"],
                year=options["year"],
                licence_note=options["licence"],
                citation=options["citation"],
                method=options["method"],
                slug=options["slug"],
                make_default=options["default"],
                dry_run=options["dry_run"],
            )
        except (BenchmarkFileError, BenchmarkSetError) as error:
            raise CommandError(f"Import refused, nothing was written. {error}") from None
        self.stdout.write(self.style.SUCCESS(result.summary))
