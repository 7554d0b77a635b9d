from django.core.management.base import BaseCommand, CommandError

from benchmarks.bundled import sample_paths
from benchmarks.importing.errors import BenchmarkFileError, BenchmarkSetError
from benchmarks.progress import ReadingProgress
from benchmarks.services import benchmark_set_build_bundled


class Command(BaseCommand):
    help = (
        "Build the demo benchmark set from the 2012 Medicare sample in data/benchmarks/, valued at the "
        "newest bundled release (safe to run again: a built set is kept as it is)."
    )

    def handle(self, *args, **options):
        total_bytes = sum(path.stat().st_size for path in sample_paths())
        with ReadingProgress(total_bytes=total_bytes, enabled=options["verbosity"] > 1) as progress:
            try:
                result = benchmark_set_build_bundled(progress=progress)
            except (BenchmarkFileError, BenchmarkSetError) as error:
                raise CommandError(f"Build refused, nothing was written. {error}") from None
        self.stdout.write(
            result.summary if options["verbosity"] > 1 or not result.created else _short(result)
        )


def _short(result) -> str:
    """One line for scripts/run; -v 2 prints the whole report."""
    build = result.build
    return (
        f"Built the demo benchmark set {result.benchmark_set.slug}: {len(build.published)} specialties, "
        f"{build.providers_published:,} providers, from {build.rows_read:,} rows."
    )
