from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from benchmarks.importing.errors import BenchmarkFileError, BenchmarkSetError
from benchmarks.importing.layouts import data_year_of
from benchmarks.progress import ReadingProgress
from benchmarks.services import PUF_SOURCE, benchmark_set_build
from codes.models import Release


class Command(BaseCommand):
    help = (
        "Build a benchmark set (specialty percentiles of annual wRVUs) from CMS 'Medicare Physician & "
        "Other Practitioners - by Provider and Service' files, current or 2012 layout, valuing each "
        "service at a release's work RVUs."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument(
            "--release", required=True, help="The release whose work RVUs value services, e.g. RVU26C."
        )
        parser.add_argument("--name", help="The set's name (default: from the data year and the release).")
        parser.add_argument("--slug", default="", help="The set's version id (default: from the name).")
        parser.add_argument("--year", type=int, help="Data year, when the file names do not give it.")
        parser.add_argument("--source", default=PUF_SOURCE, help="Who published the files.")
        parser.add_argument("--citation", default="", help="How to cite them (default: CMS, the data year).")
        parser.add_argument(
            "--default", action="store_true", help="Compare users against this set by default."
        )
        parser.add_argument("--dry-run", action="store_true", help="Read and compute; write nothing.")

    def handle(self, *args, files: list[Path], release: str, name: str | None, year: int | None, **options):
        missing = [str(path) for path in files if not path.is_file()]
        if missing:
            raise CommandError(f"No such file: {', '.join(missing)}")
        valued_at = Release.objects.filter(name=release.upper()).first()
        if valued_at is None:
            raise CommandError(
                f"{release.upper()} is not imported; import it first with manage.py import_rvu"
            )
        year = year or data_year_of(files)
        if year is None:
            raise CommandError("The file names do not say the data year: give it with --year")
        total_bytes = sum(path.stat().st_size for path in files)
        with ReadingProgress(total_bytes=total_bytes, enabled=options["verbosity"] > 0) as progress:
            try:
                result = benchmark_set_build(
                    paths=files,
                    release=valued_at,
                    name=name or f"Medicare {year} provider and service volumes, valued at {valued_at.name}",
                    year=year,
                    slug=options["slug"],
                    source=options["source"],
                    citation=options["citation"],
                    make_default=options["default"],
                    dry_run=options["dry_run"],
                    progress=progress,
                )
            except (BenchmarkFileError, BenchmarkSetError) as error:
                raise CommandError(f"Build refused, nothing was written. {error}") from None
        self.stdout.write(self.style.SUCCESS(result.summary))
