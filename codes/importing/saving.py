"""Writing a checked release file's codes and rows to the database.

On PostgreSQL the rows go in with COPY. `copy_rows_while_checking` goes further:
it streams the rows as printed from a worker thread while this thread checks
them, so the database's work (parsing numbers, three indexes) runs on the other
core. Nothing is committed unless the checks pass: the caller's transaction
rolls the COPY back when they refuse.
"""

import contextlib
import gc
from collections.abc import Callable, Iterator

import psycopg
from django.db import connection
from psycopg.copy import QueuedLibpqWriter

from ..models import Code, FeeScheduleRow, Release, words_for_search
from .readers import ParsedFile
from .rows import rows_pass_screening

SAVE_BATCH_SIZE = 2000
CODE_CATALOG_LOCK = 0x52565545_0001  # a PostgreSQL advisory lock key: imports add codes one at a time
# The fee schedule row fields a file's columns fill (all but the release and line).
ROW_VALUE_FIELDS = [
    field.name
    for field in FeeScheduleRow._meta.concrete_fields
    if field.name not in ("id", "release", "source_line")
]

# Called as progress(stage, done, total) while an import runs.
ProgressCallback = Callable[[str, int, int], None]


class RowsRefused(Exception):
    """The quick checks, or the database, refused a row written while checking."""


@contextlib.contextmanager
def cyclic_garbage_collector_paused() -> Iterator[None]:
    """Reading and checking build 600,000 strings in 19,000 tuples, none of them in a
    reference cycle; the collector would otherwise scan them again and again as they
    pile up, a third of the reading time in a process as large as Django's."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def copy_rows_while_checking(release_id: int, parsed: ParsedFile) -> list[tuple[str, ...]]:
    """PostgreSQL: COPY the rows as printed and screen them meanwhile; return them once
    they passed. Raises RowsRefused, inside the caller's transaction, otherwise.

    Unchecked cells may hold a tab or a line break that shifts COPY's columns; the
    database then refuses the row, or the screening does, since it refuses every
    control character.
    """
    rows = [raw.cells for raw in parsed.rows]
    with connection.cursor() as cursor, connection.wrap_database_errors:
        # psycopg's own cursor: Django's wrapper (and its DEBUG twin) cannot pass a writer.
        psycopg_cursor = cursor.cursor
        writer = QueuedLibpqWriter(psycopg_cursor)  # sends from a worker thread
        try:
            with psycopg_cursor.copy(_rows_copy_sql(parsed), writer=writer) as copy:
                copy.write(_rows_copy_text(release_id, parsed, rows))
                with cyclic_garbage_collector_paused():
                    passed = rows_pass_screening(parsed)
                if not passed:
                    raise RowsRefused()  # leaving the block with an error aborts the COPY
        except psycopg.DataError as error:  # e.g. "abc" where a number belongs
            raise RowsRefused() from error
    return rows


def save_rows(release: Release, parsed: ParsedFile, rows: list[tuple[str, ...]]) -> None:
    """Write checked rows: COPY on PostgreSQL, batched INSERTs elsewhere."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.copy(_rows_copy_sql(parsed)) as copy:
            copy.write(_rows_copy_text(release.pk, parsed, rows))
        return
    keys = parsed.keys
    lines = [raw.line for raw in parsed.rows]
    for start in range(0, len(rows), SAVE_BATCH_SIZE):
        batch = zip(
            lines[start : start + SAVE_BATCH_SIZE], rows[start : start + SAVE_BATCH_SIZE], strict=True
        )
        FeeScheduleRow.objects.bulk_create([_row(release, line, keys, cells) for line, cells in batch])


def _rows_copy_sql(parsed: ParsedFile) -> str:
    names = ["release", "source_line", *parsed.keys, *_missing_fields(parsed)]
    fields = map(FeeScheduleRow._meta.get_field, names)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    return f"COPY {connection.ops.quote_name(FeeScheduleRow._meta.db_table)} ({columns}) FROM STDIN"


def _missing_fields(parsed: ParsedFile) -> list[str]:
    return [name for name in ROW_VALUE_FIELDS if name not in parsed.keys]  # PRIC IND before 2026


def _rows_copy_text(release_id: int, parsed: ParsedFile, rows: list[tuple[str, ...]]) -> str:
    line_end = "\t" * len(_missing_fields(parsed)) + "\n"  # the missing columns are blank
    text = "".join(
        f"{release_id}\t{raw.line}\t" + "\t".join(cells) + line_end
        for raw, cells in zip(parsed.rows, rows, strict=True)
    )
    return _escaped_for_copy(text)


def _escaped_for_copy(text: str) -> str:
    """Rows in COPY's text format, written by hand: three times faster than write_row.
    Checked cells hold no tab, line break or other control character, so only the
    backslash needs escaping."""
    return text.replace("\\", "\\\\")


def _row(release: Release, line: int, keys: tuple[str, ...], cells: tuple[str, ...]) -> FeeScheduleRow:
    values = dict(zip(keys, cells, strict=True))
    return FeeScheduleRow(release=release, source_line=line, code_id=values.pop("code"), **values)


def save_codes(release: Release, parsed: ParsedFile, rows: list[tuple[str, ...]]) -> None:
    """Add the release's new codes to the catalog; the newest release also renames codes.

    A quarterly release adds a few hundred codes and renames a few, so only those
    are written: rewriting all 17,000 cost a fifth of the import.
    """
    named = _code_descriptions(parsed, rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two imports adding the same new code would collide: the second waits here
            # until the first commits, then finds the code held. Nothing else waits.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CODE_CATALOG_LOCK])
        # A plain cursor: the ORM takes twice as long over 17,000 rows.
        cursor.execute(f"SELECT code, description FROM {Code._meta.db_table}")
        held = dict(cursor.fetchall())
    new = [(code, text, words_for_search(text)) for code, text in named.items() if code not in held]
    if connection.vendor == "postgresql":
        _copy_codes(new)
    else:
        objects = [Code(code=code, description=text, search_text=words) for code, text, words in new]
        Code.objects.bulk_create(objects, batch_size=SAVE_BATCH_SIZE)
    if not Release.objects.filter(effective_on__gt=release.effective_on).exists():
        renamed = [
            Code(code=code, description=text, search_text=words_for_search(text))
            for code, text in named.items()
            if held.get(code, text) != text
        ]
        Code.objects.bulk_update(renamed, ["description", "search_text"], batch_size=SAVE_BATCH_SIZE)


def _code_descriptions(parsed: ParsedFile, rows: list[tuple[str, ...]]) -> dict[str, str]:
    """Each code's description: that of its row without a modifier, else of its first row."""
    code_index, modifier_index = parsed.keys.index("code"), parsed.keys.index("modifier")
    description_index = parsed.keys.index("description")
    descriptions: dict[str, str] = {}
    for row in rows:
        if row[modifier_index] == "" or row[code_index] not in descriptions:
            descriptions[row[code_index]] = row[description_index]
    return descriptions


def _copy_codes(codes: list[tuple[str, str, str]]) -> None:
    """PostgreSQL: COPY the new codes (code, description, search text), twice as fast as INSERT."""
    text = _escaped_for_copy("".join("\t".join(row) + "\n" for row in codes))
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {Code._meta.db_table} (code, description, search_text) FROM STDIN") as copy:
            copy.write(text)
