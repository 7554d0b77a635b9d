"""Writing a checked release file's codes and rows to the database.

On PostgreSQL the rows go in with COPY. `copy_rows_while_checking` goes further:
it streams the rows as printed from a worker thread while this thread checks
them, so the database's work (parsing numbers, three indexes) runs on the other
core. Nothing is committed unless the checks pass: the caller's transaction
rolls the COPY back when they refuse.
"""

import contextlib
import gc
import itertools
from collections.abc import Callable, Iterable, Iterator

import psycopg
from django.db import connection
from psycopg.copy import QueuedLibpqWriter

from ..models import Code, FeeScheduleRow, Release, words_for_search
from .readers import ParsedFile
from .rows import rows_pass_screening

SAVE_BATCH_SIZE = 2000
CODES_COPY_SQL = f"COPY {Code._meta.db_table} (code, description, search_text) FROM STDIN"
COPY_BATCH_ROWS = 2000  # about 500 kB of COPY text: the database starts while the file is read
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


def copy_release_while_checking(release: Release, parsed: ParsedFile) -> list[tuple[str, ...]]:
    """PostgreSQL: COPY the rows as printed while they are read and screened, then the
    new codes; return the rows once they passed. Otherwise raise RowsRefused, inside
    the caller's transaction, which rolls every COPY back.

    A worker thread sends each batch while this thread goes on, so the database
    parses numbers and fills indexes on the other core. Unchecked cells may hold
    a tab or a line break that shifts COPY's columns; the database then refuses
    the row, or the screening does, since it refuses control characters.
    """
    held = _held_codes()
    with connection.cursor() as cursor, connection.wrap_database_errors:
        # psycopg's own cursor: Django's wrapper (and its DEBUG twin) cannot pass a writer.
        psycopg_cursor = cursor.cursor
        writer = QueuedLibpqWriter(psycopg_cursor)
        try:
            with cyclic_garbage_collector_paused():
                with psycopg_cursor.copy(_rows_copy_sql(parsed), writer=writer) as copy:
                    _stream_rows(copy, release.pk, parsed)
                    # While the database takes in the last batches:
                    if not rows_pass_screening(parsed):
                        raise RowsRefused()  # leaving the block with an error aborts the COPY
                    rows = [raw.cells for raw in parsed.rows]
                    named = _code_descriptions(parsed, rows)
                    new_codes = _copy_codes_text(_new_codes(named, held))
                if psycopg_cursor.rowcount != len(rows):
                    raise RowsRefused()  # a line break in a cell made COPY see more rows than we sent
        except psycopg.DataError as error:  # e.g. "abc" where a number belongs
            raise RowsRefused() from error
        with psycopg_cursor.copy(CODES_COPY_SQL) as copy:
            copy.write(new_codes)
    _rename_codes(release, named, held)
    return rows


def _stream_rows(copy, release_id: int, parsed: ParsedFile) -> None:
    line_end = _copy_line_end(parsed)
    rows = parsed.stream_rows()
    while batch := list(itertools.islice(rows, COPY_BATCH_ROWS)):
        copy.write(_rows_copy_text(release_id, ((raw.line, raw.cells) for raw in batch), line_end))


def save_rows(release: Release, parsed: ParsedFile, rows: list[tuple[str, ...]]) -> None:
    """Write checked rows: COPY on PostgreSQL, batched INSERTs elsewhere."""
    lines = [raw.line for raw in parsed.rows]
    if connection.vendor == "postgresql":
        text = _rows_copy_text(release.pk, zip(lines, rows, strict=True), _copy_line_end(parsed))
        with connection.cursor() as cursor, cursor.copy(_rows_copy_sql(parsed)) as copy:
            copy.write(text)
        return
    objects = (_row(release, line, parsed.keys, cells) for line, cells in zip(lines, rows, strict=True))
    FeeScheduleRow.objects.bulk_create(objects, batch_size=SAVE_BATCH_SIZE)


def _rows_copy_sql(parsed: ParsedFile) -> str:
    names = ["release", "source_line", *parsed.keys, *_missing_fields(parsed)]
    fields = map(FeeScheduleRow._meta.get_field, names)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    return f"COPY {connection.ops.quote_name(FeeScheduleRow._meta.db_table)} ({columns}) FROM STDIN"


def _missing_fields(parsed: ParsedFile) -> list[str]:
    return [name for name in ROW_VALUE_FIELDS if name not in parsed.keys]  # PRIC IND before 2026


def _copy_line_end(parsed: ParsedFile) -> str:
    return "\t" * len(_missing_fields(parsed)) + "\n"  # the missing columns are blank


def _rows_copy_text(
    release_id: int, lines_and_cells: Iterable[tuple[int, tuple[str, ...]]], line_end: str
) -> str:
    text = "".join(f"{release_id}\t{line}\t" + "\t".join(cells) + line_end for line, cells in lines_and_cells)
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
    held = _held_codes()
    new = _new_codes(named, held)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.copy(CODES_COPY_SQL) as copy:
            copy.write(_copy_codes_text(new))
    else:
        objects = [Code(code=code, description=text, search_text=words) for code, text, words in new]
        Code.objects.bulk_create(objects, batch_size=SAVE_BATCH_SIZE)
    _rename_codes(release, named, held)


def lock_code_catalog() -> None:
    """PostgreSQL: one import at a time adds codes, until its transaction ends.

    Two imports adding the same new code would collide; the second waits here until
    the first commits, then finds the code held. Readers and logging never wait.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CODE_CATALOG_LOCK])


def _held_codes() -> dict[str, str]:
    """The catalog's codes and descriptions, read once the catalog is locked."""
    lock_code_catalog()  # taking it again in the same transaction is free
    with connection.cursor() as cursor:
        # A plain cursor: the ORM takes twice as long over 17,000 rows.
        cursor.execute(f"SELECT code, description FROM {Code._meta.db_table}")
        return dict(cursor.fetchall())


def _new_codes(named: dict[str, str], held: dict[str, str]) -> list[tuple[str, str, str]]:
    """(code, description, search text) of each code the catalog lacks."""
    return [(code, text, words_for_search(text)) for code, text in named.items() if code not in held]


def _rename_codes(release: Release, named: dict[str, str], held: dict[str, str]) -> None:
    """The newest release names the codes: rewrite the descriptions it changed."""
    if Release.objects.filter(effective_on__gt=release.effective_on).exists():
        return
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


def _copy_codes_text(codes: list[tuple[str, str, str]]) -> str:
    return _escaped_for_copy("".join("\t".join(row) + "\n" for row in codes))
