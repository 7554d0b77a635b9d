"""Writes of curated code text: each change is kept as a revision, with who made it."""

import json
import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import CURATED_FIELDS, Code, CuratedCodeText, CuratedCodeTextRevision

logger = logging.getLogger(__name__)

BUNDLED_TEXTS = Path(settings.BASE_DIR) / "data" / "curation" / "code_texts.json"


def curated_text_save(*, code: Code, changes: dict, editor=None) -> tuple[CuratedCodeText, bool]:
    """Apply `changes` to the code's curated text; (text, False) when they change nothing."""
    unknown = set(changes) - set(CURATED_FIELDS)
    if unknown:
        raise ValidationError(f"Not a curated field: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        text, created = CuratedCodeText.objects.select_for_update().get_or_create(code=code)
        before = None if created else text.snapshot()
        for name, value in changes.items():
            setattr(text, name, value)
        text.full_clean()
        if text.snapshot() == before:
            return text, False
        text.updated_by = editor
        text.save()
        CuratedCodeTextRevision.objects.create(text=text, content=text.snapshot(), saved_by=editor)
    logger.info("Curated text of %s saved by %s", code.code, getattr(editor, "email", "a command"))
    return text, True


def curated_texts_load(path: Path, *, replace: bool = False) -> dict[str, int]:
    """Load texts from a JSON file ({"codes": {code: {field: value}}}) in one transaction.

    Codes that already have curated text keep it unless `replace`: editors' work in the admin
    is not overwritten by running the loader again.
    """
    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8"))["codes"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValidationError(f"{Path(path).name}: not a curated-text file ({error}).") from error
    counts = {"saved": 0, "unchanged": 0, "kept": 0}
    with transaction.atomic():
        codes = Code.objects.in_bulk(list(entries))
        missing = sorted(set(entries) - set(codes))
        if missing:
            raise ValidationError(f"{Path(path).name}: not in the code catalog: {', '.join(missing)}.")
        for code_text, fields in entries.items():
            if not replace and CuratedCodeText.objects.filter(code_id=code_text).exists():
                counts["kept"] += 1
                continue
            try:
                _, saved = curated_text_save(code=codes[code_text], changes=fields)
            except ValidationError as error:
                raise ValidationError(
                    f"{Path(path).name}, code {code_text}: {'; '.join(error.messages)}"
                ) from error
            counts["saved" if saved else "unchanged"] += 1
    return counts
