"""The fast import path (screen the columns, COPY the cells as printed) saves what the
row-by-row rules would, and refuses at least whatever they refuse."""

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from codes.importing.errors import ReleaseFileError
from codes.importing.readers import ParsedFile, RawRow, read_csv
from codes.importing.rows import convert_rows, rows_pass_screening
from codes.importing.sources import SourceFile
from codes.models import Code, FeeScheduleRow, Release
from codes.services import read_release_file, release_import

CMS = Path(settings.DATA_DIR) / "cms"
BUNDLED_FILES = {
    "RVU25D": CMS / "rvu25d" / "PPRRVU2025_Oct.csv",
    "RVU26A": CMS / "rvu26a" / "PPRRVU2026_Jan_nonQPP.csv",
    "RVU26B": CMS / "rvu26b" / "PPRRVU2026_Apr_nonQPP.txt",
    "RVU26C": CMS / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv",
}
VALUE_FIELDS = [
    field.name
    for field in FeeScheduleRow._meta.concrete_fields
    if field.name not in ("id", "release", "source_line", "code")
]


def parse(path: Path) -> ParsedFile:
    return read_release_file(SourceFile(path.name, path.read_bytes()))


@pytest.mark.parametrize("name", sorted(BUNDLED_FILES))
def test_every_bundled_file_takes_the_fast_path(name):
    assert rows_pass_screening(parse(BUNDLED_FILES[name]))


@pytest.mark.parametrize("name", ["RVU26B", "RVU26C"])
def test_rows_saved_as_printed_equal_the_rows_the_rules_convert(db, name):
    """Every column of every row, as PostgreSQL read the printed text, against convert_rows."""
    parsed = parse(BUNDLED_FILES[name])
    expected = {
        (values["code"], values["modifier"], raw.line): {key: values[key] for key in VALUE_FIELDS}
        for raw, values in zip(parsed.rows, convert_rows(parsed), strict=True)
    }

    saved = FeeScheduleRow.objects.filter(release__name=name).values("code_id", "source_line", *VALUE_FIELDS)
    actual = {(row.pop("code_id"), row["modifier"], row.pop("source_line")): row for row in saved.iterator()}

    assert len(actual) == len(expected) == Release.objects.get(name=name).row_count
    assert actual == expected


def test_every_saved_row_points_at_a_held_release_and_code(db):
    """The database no longer checks these foreign keys on insert (see FeeScheduleRow)."""
    rows = FeeScheduleRow.objects.all()

    assert rows.count() > 90_000
    assert not rows.exclude(release_id__in=Release.objects.values("id")).exists()
    assert not rows.exclude(code_id__in=Code.objects.values("code")).exists()


def test_an_import_works_with_sql_logging_on(db, tmp_path):
    """DEBUG wraps cursors in a logging twin, which the threaded COPY must get past."""
    path = tmp_path / "PPRRVU2090_Jan_nonQPP.csv"
    path.write_bytes(BUNDLED_FILES["RVU26C"].read_bytes() + b"\r\n")

    with CaptureQueriesContext(connection):
        result = release_import(path=path, release_name="RVU90A")

    assert result.created
    assert result.release.rows.count() == 19_356
    assert result.release.conversion_factor == Decimal("33.4009")


# A sample of the real file: its banner and header, then rows of every kind.
SAMPLE_LINES = 70
CELL_TEXTS = st.text(
    alphabet=st.sampled_from(list("0123456789.,-+ _EeANXZaz") + ["\t", "\n", "\x1f", "\xa0", "\u0663"]),
    max_size=8,
)


def sample_file() -> ParsedFile:
    lines = BUNDLED_FILES["RVU26C"].read_bytes().splitlines(keepends=True)
    return read_csv("sample.csv", b"".join(lines[:SAMPLE_LINES]))


SAMPLE = sample_file()


def with_cell(parsed: ParsedFile, row_index: int, column_index: int, text: str) -> ParsedFile:
    raw = parsed.rows[row_index]
    cells = raw.cells[:column_index] + (text,) + raw.cells[column_index + 1 :]
    rows = [*parsed.rows[:row_index], RawRow(raw.line, raw.keys, cells), *parsed.rows[row_index + 1 :]]
    return dataclasses.replace(parsed, row_source=iter(rows))


def rules_accept(parsed: ParsedFile) -> bool:
    try:
        convert_rows(parsed)
    except ReleaseFileError:
        return False
    return True


def test_the_unchanged_sample_passes_both_checks():
    assert rows_pass_screening(SAMPLE) and rules_accept(SAMPLE)


@hypothesis_settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    row_index=st.integers(0, len(SAMPLE.rows) - 1),
    column_index=st.integers(0, len(SAMPLE.keys) - 1),
    text=CELL_TEXTS | st.sampled_from(["0.00", "1.00", "19.11", ".5", "33.4009", "XXX", "26", "A"]),
)
def test_the_screening_never_passes_a_cell_the_rules_refuse(row_index, column_index, text):
    changed = with_cell(SAMPLE, row_index, column_index, text)

    if rows_pass_screening(changed):
        assert rules_accept(changed), (SAMPLE.keys[column_index], text)


def test_a_reader_that_failed_once_fails_again_instead_of_passing_for_a_short_file():
    lines = BUNDLED_FILES["RVU26C"].read_bytes().splitlines(keepends=True)
    lines[40] = b"99213,,short row\r\n"
    parsed = read_csv("short.csv", b"".join(lines))

    for _attempt in range(2):
        with pytest.raises(ReleaseFileError, match="expected 32 fields") as caught:
            parsed.read_to_end()
        assert caught.value.line == 41


def test_a_workbook_cell_with_a_lone_surrogate_is_refused_by_line(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["2026 National Physician Fee Schedule Relative Value File"])
    sheet.append(["a_xD800_b"])  # as openpyxl writes it, an escaped lone surrogate
    path = tmp_path / "damaged.xlsx"
    workbook.save(path)

    with pytest.raises(ReleaseFileError, match="lone surrogate") as caught:
        read_release_file(SourceFile(path.name, path.read_bytes()))
    assert caught.value.line == 2
