from django.core.management.base import BaseCommand, CommandError

from codes.bundled import bundled_release_paths
from codes.importing.errors import ReleaseFileError
from codes.progress import TerminalProgress
from codes.services import release_import
from logs.tasks import queue_release_recompute


class Command(BaseCommand):
    help = "Import the CMS releases shipped in data/cms/ (safe to run again: imported files are skipped)."

    def handle(self, *args, **options):
        for path in bundled_release_paths():
            with TerminalProgress(enabled=options["verbosity"] > 1) as progress:
                try:
                    result = release_import(path=path, progress=progress)
                except ReleaseFileError as error:
                    raise CommandError(f"Import refused, nothing was written. {error}") from None
            self.stdout.write(result.summary)
            if result.created:
                self.stdout.write(queue_release_recompute(result.release))
