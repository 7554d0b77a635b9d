from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from codes.curation import BUNDLED_TEXTS, curated_texts_load


class Command(BaseCommand):
    help = (
        "Load curated code text (synonyms, plain language, clinical context, specialties, questions) "
        "from a JSON file, by default the bundled one. Codes that already have text keep it."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", type=Path, default=BUNDLED_TEXTS)
        parser.add_argument("--replace", action="store_true", help="Overwrite text staff already wrote.")

    def handle(self, *args, file: Path, replace: bool, **options):
        try:
            counts = curated_texts_load(file, replace=replace)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(
            f"Curated text from {file.name}: {counts['saved']} saved, {counts['unchanged']} unchanged, "
            f"{counts['kept']} kept (already there: loaded before, or written by staff)."
        )
