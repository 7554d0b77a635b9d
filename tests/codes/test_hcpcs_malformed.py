"""HCPCS files we refuse, each with the file, line and field at fault, and nothing written."""

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from codes.importing.hcpcs_import import hcpcs_file_import
from codes.importing.hcpcs_layout import HcpcsFileError
from codes.models import Code, HcpcsCode, HcpcsFile, HcpcsModifier
from tests.codes.test_hcpcs_file import CSV_2023, TXT_MEMBER, zip_member

TXT_NAME = TXT_MEMBER
CSV_NAME = CSV_2023.name


@pytest.fixture
def unchanged_database(db):
    """Asserts after the test that the catalog and the HCPCS tables are as they were."""
    tables = (Code, HcpcsFile, HcpcsCode, HcpcsModifier)
    before = [model.objects.count() for model in tables]
    yield
    assert [model.objects.count() for model in tables] == before


def txt_lines() -> list[str]:
    return zip_member(TXT_MEMBER).decode("ascii").split("\r\n")


def line_of(lines: list[str], prefix: str) -> int:
    """1-based number of the first line starting with prefix."""
    return next(number for number, line in enumerate(lines, start=1) if line.startswith(prefix))


def with_field(line: str, first: int, last: int, value: str) -> str:
    """The line with 1-based positions first..last replaced by value, padded."""
    return line[: first - 1] + value.ljust(last - first + 1) + line[last:]


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_bytes("\r\n".join(lines).encode("ascii"))
    return path


def refuse(path: Path, **kwargs) -> HcpcsFileError:
    with pytest.raises(HcpcsFileError) as caught:
        hcpcs_file_import(path=path, **kwargs)
    return caught.value


def test_a_truncated_txt_names_the_cut_record(tmp_path, unchanged_database):
    lines = txt_lines()
    cut = line_of(lines, "S9381")
    path = write(tmp_path, TXT_NAME, [*lines[: cut - 1], lines[cut - 1][:150]])

    error = refuse(path)

    assert (error.filename, error.line, error.column) == (TXT_NAME, cut, None)
    assert "record is 150 characters long; HCPCS records are 320" in str(error)


def test_a_record_with_text_past_position_320_is_refused(tmp_path, unchanged_database):
    lines = txt_lines()
    number = line_of(lines, "S9381")
    lines[number - 1] += "x"

    assert refuse(write(tmp_path, TXT_NAME, lines)).line == number


def test_a_bad_termination_date_names_its_field_and_line(tmp_path, unchanged_database):
    lines = txt_lines()
    number = line_of(lines, "S9381")
    lines[number - 1] = with_field(lines[number - 1], 285, 292, "20261340")

    error = refuse(write(tmp_path, TXT_NAME, lines))

    assert str(error) == (
        f"{TXT_NAME}, line {number}, column TERM DT (positions 285-292): '20261340' is not a date (YYYYMMDD)"
    )


def test_a_wrong_record_id_names_its_field_and_line(tmp_path, unchanged_database):
    lines = txt_lines()
    number = line_of(lines, "S9381")
    lines[number - 1] = with_field(lines[number - 1], 11, 11, "5")

    error = refuse(write(tmp_path, TXT_NAME, lines))

    assert (error.line, error.column) == (number, "RECID (position 11)")
    assert "record id '5' is none of 3, 4 (codes) or 7, 8 (modifiers)" in str(error)


def test_a_continuation_record_without_its_first_record_is_refused(tmp_path, unchanged_database):
    lines = txt_lines()
    first = line_of(lines, "S9381")  # followed by its continuation record, "per visit"
    del lines[first - 1]

    error = refuse(write(tmp_path, TXT_NAME, lines))

    assert (error.line, error.column) == (first, "RECID (position 11)")
    assert "continues the long description of code S9381" in str(error)


def test_continuation_records_out_of_order_are_refused(tmp_path, unchanged_database):
    lines = txt_lines()
    second = line_of(lines, "G0503002004")
    lines[second - 1], lines[second] = lines[second], lines[second - 1]

    error = refuse(write(tmp_path, TXT_NAME, lines))

    assert (error.line, error.column) == (second + 1, "SEQNUM (positions 6-10)")


def test_a_code_listed_twice_is_refused(tmp_path, unchanged_database):
    lines = txt_lines()
    number = line_of(lines, "S9381")
    lines.insert(number - 1, lines[number - 1])  # the first record twice, its continuation after

    error = refuse(write(tmp_path, TXT_NAME, lines))

    assert (error.line, error.column) == (number + 1, "HCPC (positions 1-5)")
    assert f"S9381 is listed twice (first on line {number})" in str(error)


@pytest.mark.parametrize(
    ("first", "last", "value", "column", "message"),
    [
        (230, 230, "X", "COV (position 230)", "'X' is not a value the record layout defines (C, D, I, M, S)"),
        (293, 293, "Z", "ACTION CD (position 293)", "'Z' is not a value the record layout defines"),
        (120, 121, "1X", "PRICE1 (positions 120-121)", "'1X' is not two digits"),
        (269, 276, "2002-1-1", "ADD DT (positions 269-276)", "'2002-1-1' is not a date (YYYYMMDD)"),
        (1, 5, "S93*1", "HCPC (positions 1-5)", "'S93*1' is not a five-character code"),
    ],
)
def test_values_the_record_layout_does_not_define_are_refused(
    tmp_path, unchanged_database, first, last, value, column, message
):
    lines = txt_lines()
    number = line_of(lines, "S9381")
    lines[number - 1] = with_field(lines[number - 1], first, last, value)

    error = refuse(write(tmp_path, TXT_NAME, lines))

    assert (error.line, error.column) == (number, column)
    assert message in str(error)


def test_a_bad_date_in_the_csv_names_its_column_and_line(tmp_path, unchanged_database):
    lines = CSV_2023.read_text(encoding="ascii").split("\n")
    number = line_of(lines, "S9381,")
    lines[number - 1] = lines[number - 1].replace(",20020101,20020101,", ",20020101,20021301,")
    path = tmp_path / CSV_NAME
    path.write_text("\n".join(lines), encoding="ascii")

    error = refuse(path)

    assert str(error) == f"{CSV_NAME}, line {number}, column ACT EFF DT: '20021301' is not a date (YYYYMMDD)"


def test_a_csv_without_a_column_names_what_is_missing(tmp_path, unchanged_database):
    text = CSV_2023.read_text(encoding="ascii").replace('"TERM DT"', '"TERMINATED"', 1)
    path = tmp_path / CSV_NAME
    path.write_text(text, encoding="ascii")

    error = refuse(path)

    assert error.line == 1
    assert "the header lacks the column(s) TERM DT" in str(error)


def test_a_csv_row_cut_short_is_refused(tmp_path, unchanged_database):
    lines = CSV_2023.read_text(encoding="ascii").split("\n")
    number = line_of(lines, "S9381,")
    path = tmp_path / CSV_NAME
    path.write_text("\n".join([*lines[: number - 1], lines[number - 1][:60]]), encoding="ascii")

    error = refuse(path)

    assert error.line == number
    assert "the row is cut short" in str(error)


def test_a_zip_without_a_records_file_says_what_it_holds(tmp_path, unchanged_database):
    path = tmp_path / "january-2026-alpha-numeric-hcpcs-file.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("HCPC2026_recordlayout.txt", "layout")
        archive.writestr("HCPC2026_JAN_ANWEB_Corrections_01122026.xlsx", b"PK")

    error = refuse(path)

    assert "holds no HCPCS records file" in str(error)
    assert "HCPC2026_recordlayout.txt" in str(error)


def test_a_file_whose_name_gives_no_quarter_needs_an_effective_date(tmp_path, unchanged_database):
    path = write(tmp_path, "codes.txt", txt_lines())

    assert "give it with --effective-date" in str(refuse(path))


def test_an_effective_date_lets_a_renamed_file_in(tmp_path, db):
    path = write(tmp_path, "codes.txt", txt_lines())

    result = hcpcs_file_import(path=path, effective_on=datetime.date(2026, 1, 1))

    assert result.created and result.file.code_count == 8623


def test_a_zip_and_member_naming_different_quarters_are_refused(tmp_path, unchanged_database):
    path = tmp_path / "april-2026-alpha-numeric-hcpcs-file.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(TXT_MEMBER, zip_member(TXT_MEMBER))

    error = refuse(path)

    assert "the file name says January 2026 but the ZIP's name says April 2026" in str(error)


def test_a_damaged_xlsx_is_refused(tmp_path, unchanged_database):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "not a workbook")
    path = tmp_path / "HCPC2026_JAN_ANWEB_01122026.xlsx"
    path.write_bytes(buffer.getvalue())

    assert "not a readable XLSX workbook" in str(refuse(path))


def test_the_command_says_nothing_was_written(tmp_path, unchanged_database):
    lines = txt_lines()
    number = line_of(lines, "S9381")
    lines[number - 1] = with_field(lines[number - 1], 11, 11, "5")
    path = write(tmp_path, TXT_NAME, lines)

    with pytest.raises(CommandError) as caught:
        call_command("import_hcpcs", str(path), verbosity=0)

    assert str(caught.value).startswith(f"Import refused, nothing was written. {TXT_NAME}, line {number}")
