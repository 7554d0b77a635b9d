"""Files we must refuse, each with a message naming the file, line and column,
and with the database left exactly as it was."""

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from codes.importing.errors import ReleaseFileError
from codes.models import Code, FeeScheduleRow, Release
from codes.services import release_import

CMS = Path(settings.DATA_DIR) / "cms"
CSV_2026 = CMS / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv"
CSV_2025 = CMS / "rvu25d" / "PPRRVU2025_Oct.csv"
TXT_2026 = CMS / "rvu26b" / "PPRRVU2026_Apr_nonQPP.txt"
HEADER_LINES = 10


def real_lines(path: Path) -> list[str]:
    return path.read_text(encoding="cp1252").splitlines(keepends=True)


def line_of(lines: list[str], prefix: str) -> int:
    """1-based number of the first line starting with prefix."""
    return next(number for number, line in enumerate(lines, start=1) if line.startswith(prefix))


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("cp1252") if isinstance(content, str) else content)
    return path


def replace_field(line: str, index: int, value: str) -> str:
    fields = line.rstrip("\r\n").split(",")
    fields[index] = value
    return ",".join(fields) + "\r\n"


@pytest.fixture
def unchanged_database(db):
    """Asserts after the test that no release, row or code was added or removed."""
    before = (Release.objects.count(), FeeScheduleRow.objects.count(), Code.objects.count())
    yield
    assert (Release.objects.count(), FeeScheduleRow.objects.count(), Code.objects.count()) == before


def refuse(path: Path, **kwargs) -> ReleaseFileError:
    with pytest.raises(ReleaseFileError) as caught:
        release_import(path=path, **kwargs)
    return caught.value


def test_truncated_csv_names_the_cut_row(tmp_path, unchanged_database):
    text = CSV_2026.read_text()
    path = write(tmp_path, "PPRRVU2026_Jul_nonQPP.csv", text[: len(text) // 2])

    error = refuse(path)

    assert error.filename == "PPRRVU2026_Jul_nonQPP.csv"
    assert error.line == len(text[: len(text) // 2].splitlines())
    assert "expected 32 fields" in str(error)


def test_truncated_fixed_width_text_names_the_short_record(tmp_path, unchanged_database):
    data = TXT_2026.read_bytes()
    path = write(tmp_path, "PPRRVU2026_Apr_nonQPP.txt", data[:100_050])

    error = refuse(path)

    assert error.line == len(data[:100_050].splitlines())
    assert "PPRRVU text records are 171" in str(error)


def test_a_renamed_column_is_reported_as_missing(tmp_path, unchanged_database):
    lines = real_lines(CSV_2026)
    lines[HEADER_LINES - 1] = lines[HEADER_LINES - 1].replace(
        "HCPCS,MOD,DESCRIPTION,CODE,PAYMENT,RVU,", "HCPCS,MOD,DESCRIPTION,CODE,PAYMENT,UNITS,"
    )
    path = write(tmp_path, "PPRRVU2026_Jul_nonQPP.csv", "".join(lines))

    error = refuse(path)

    assert error.line == HEADER_LINES
    assert "lacks required column(s): WORK RVU" in str(error)


def test_a_row_whose_totals_do_not_add_up_is_refused(tmp_path, unchanged_database):
    lines = real_lines(CSV_2026)
    number = line_of(lines, "27447,")
    lines[number - 1] = replace_field(lines[number - 1], 11, "40.00")  # NON-FACILITY TOTAL
    path = write(tmp_path, "PPRRVU2026_Jul_nonQPP.csv", "".join(lines))

    error = refuse(path)

    assert (error.line, error.column) == (number, "NON-FACILITY TOTAL")
    assert "40.00 does not equal WORK RVU + PE RVU + MP RVU (19.11 + 11.58 + 4.02 = 34.71)" in str(error)


def test_2025_rows_under_a_2026_header_are_refused(tmp_path, unchanged_database):
    header_2026 = real_lines(CSV_2026)[:HEADER_LINES]
    rows_2025 = real_lines(CSV_2025)[HEADER_LINES:]
    path = write(tmp_path, "PPRRVU2026_Jul_nonQPP.csv", "".join(header_2026 + rows_2025))

    error = refuse(path)

    assert error.line == HEADER_LINES + 1
    assert "expected 32 fields as in the header (line 10), found 31" in str(error)


def test_a_text_file_that_is_not_a_release_is_refused(tmp_path, unchanged_database):
    path = write(tmp_path, "RVU26B-readme.txt", (CMS / "rvu26b" / "RVU26B-readme.txt").read_bytes())

    error = refuse(path)

    assert "no column header in the first 30 lines" in str(error)


def test_a_zip_without_a_pprrvu_file_is_refused(tmp_path, unchanged_database):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("GPCI2026.csv", "Medicare Administrative Contractor (MAC),State\r\n")
        archive.writestr("RVU26C.pdf", b"%PDF-1.4")
    path = write(tmp_path, "RVU26C.zip", buffer.getvalue())

    error = refuse(path)

    assert error.filename == "RVU26C.zip"
    assert "holds no national relative value file" in str(error)
    assert "GPCI2026.csv, RVU26C.pdf" in str(error)


def test_a_work_rvu_that_is_not_a_number_is_refused(tmp_path, unchanged_database):
    lines = real_lines(CSV_2026)
    number = line_of(lines, "99213,")
    lines[number - 1] = replace_field(lines[number - 1], 5, "1.3O")
    path = write(tmp_path, "PPRRVU2026_Jul_nonQPP.csv", "".join(lines))

    error = refuse(path)

    assert (error.line, error.column) == (number, "WORK RVU")
    assert "'1.3O' is not a number" in str(error)


def test_a_duplicated_row_is_refused(tmp_path, unchanged_database):
    lines = real_lines(CSV_2026)
    number = line_of(lines, "99213,")
    lines.insert(number, lines[number - 1])
    path = write(tmp_path, "PPRRVU2026_Jul_nonQPP.csv", "".join(lines))

    error = refuse(path)

    assert error.line == number + 1
    assert f"99213 appears twice (first on line {number})" in str(error)


def test_a_code_that_lost_its_leading_zeros_is_refused(tmp_path, unchanged_database):
    lines = real_lines(CSV_2026)
    number = line_of(lines, "00100,")
    lines[number - 1] = "100" + lines[number - 1][len("00100") :]
    path = write(tmp_path, "PPRRVU2026_Jul_nonQPP.csv", "".join(lines))

    error = refuse(path)

    assert (error.line, error.column) == (number, "HCPCS")
    assert (
        "'100' is not a five-character HCPCS code (a spreadsheet may have dropped its leading zeros)"
        in str(error)
    )


def test_a_second_conversion_factor_is_refused(tmp_path, unchanged_database):
    lines = real_lines(CSV_2026)
    number = line_of(lines, "G2211,")
    lines[number - 1] = replace_field(lines[number - 1], 25, "33.5675")
    path = write(tmp_path, "PPRRVU2026_Jul_nonQPP.csv", "".join(lines))

    error = refuse(path)

    assert (error.line, error.column) == (number, "CONV FACTOR")
    assert "a release has one conversion factor" in str(error)


def test_an_unknown_modifier_shape_is_refused(tmp_path, unchanged_database):
    lines = real_lines(CSV_2026)
    number = line_of(lines, "71046,26,")
    lines[number - 1] = lines[number - 1].replace("71046,26,", "71046,2,", 1)
    path = write(tmp_path, "PPRRVU2026_Jul_nonQPP.csv", "".join(lines))

    error = refuse(path)

    assert (error.line, error.column) == (number, "MOD")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "no column header"),
        ("RVU26C.zip", b"PK\x03\x04 this is not really a zip", "not a readable ZIP archive"),
        ("PPRRVU2026_Jul_nonQPP.xlsx", b"\x00\x01\x02binary", "binary file"),
        ("PPRRVU2026_Jan_QPP.csv", b"HCPCS,MOD\r\n", "is the QPP variant"),
    ],
)
def test_files_that_are_not_release_files_are_refused(tmp_path, unchanged_database, name, content, message):
    error = refuse(write(tmp_path, name, content))

    assert error.filename == name
    assert message in str(error)


def test_a_file_that_names_no_release_asks_for_one(tmp_path, unchanged_database):
    lines = real_lines(CSV_2026)
    lines[0] = lines[0].replace("2026 National Physician Fee Schedule Relative Value File July Release", "")
    path = write(tmp_path, "rvu-upload.csv", "".join(lines))

    error = refuse(path)

    assert "give it with --release" in str(error)


def test_a_zip_name_that_contradicts_the_file_title_is_refused(tmp_path, unchanged_database):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("PPRRVU2026_Jul_nonQPP.csv", CSV_2026.read_bytes())
    path = write(tmp_path, "RVU26D.zip", buffer.getvalue())

    error = refuse(path)

    assert "the ZIP's name says RVU26D but the title line says RVU26C" in str(error)


def test_a_failure_while_writing_leaves_nothing_behind(tmp_path, unchanged_database):
    """A crash halfway through the row inserts (here: a progress callback that
    raises, as Ctrl-C would) rolls the whole release back."""
    path = write(tmp_path, "renamed.csv", CSV_2026.read_bytes() + b"\r\n")

    def crash_after_first_batch(stage: str, done: int, total: int) -> None:
        if stage == "saving" and done > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        release_import(path=path, release_name="RVU27A", progress=crash_after_first_batch)

    assert not Release.objects.filter(name="RVU27A").exists()


def test_the_command_reports_the_error_and_that_nothing_was_written(tmp_path, unchanged_database):
    path = write(tmp_path, "RVU26B-readme.txt", (CMS / "rvu26b" / "RVU26B-readme.txt").read_bytes())

    with pytest.raises(
        CommandError, match=r"Import refused, nothing was written\. RVU26B-readme.txt: no column"
    ):
        call_command("import_rvu", str(path), verbosity=0)


def test_the_command_dry_run_checks_a_good_file_and_writes_nothing(tmp_path, unchanged_database):
    path = write(tmp_path, "PPRRVU2027_Jan_nonQPP.csv", CSV_2026.read_bytes() + b"\r\n")
    output = io.StringIO()

    call_command("import_rvu", str(path), "--release", "RVU27A", "--dry-run", stdout=output, verbosity=0)

    assert "RVU27A (effective 2027-01-01), 19,356 rows, 17,096 codes" in output.getvalue()
    assert "Dry run: nothing was written." in output.getvalue()


@pytest.mark.parametrize(
    ("prefix", "index", "value", "column", "message"),
    [
        ("99213,", 5, "1.3E0", "WORK RVU", "'1.3E0' is not a number"),
        ("99213,", 5, "+1.30", "WORK RVU", "'+1.30' is not a number"),
        ("99213,", 5, "1_3.0", "WORK RVU", "'1_3.0' is not a number"),
        ("99213,", 3, "Z", "STATUS CODE", "'Z' is not a value the CMS record layout defines"),
        ("27447,", 14, "ABC", "GLOB DAYS", "'ABC' is not a value the CMS record layout defines"),
        ("27447,", 19, "7", "BILAT SURG", "'7' is not a value the CMS record layout defines"),
        ("27447,", 15, "100.00", "PRE OP", "outside the range 0 to 1.00"),
        ("27447,", 25, "12345.6789", "CONV FACTOR", "outside the range 0 to 9999.9999"),
    ],
)
def test_values_outside_the_record_layout_are_refused(
    tmp_path, unchanged_database, prefix, index, value, column, message
):
    lines = real_lines(CSV_2026)
    number = line_of(lines, prefix)
    lines[number - 1] = replace_field(lines[number - 1], index, value)
    path = write(tmp_path, "PPRRVU2026_Jul_nonQPP.csv", "".join(lines))

    error = refuse(path)

    assert (error.line, error.column) == (number, column)
    assert message in str(error)


def test_global_period_shares_above_one_are_refused(tmp_path, unchanged_database):
    lines = real_lines(CSV_2026)
    number = line_of(lines, "27447,")
    for index in (15, 16, 17):  # PRE, INTRA, POST OP
        lines[number - 1] = replace_field(lines[number - 1], index, "0.90")
    path = write(tmp_path, "PPRRVU2026_Jul_nonQPP.csv", "".join(lines))

    error = refuse(path)

    assert error.line == number
    assert "PRE OP + INTRA OP + POST OP = 2.70" in str(error)


def test_a_line_break_inside_a_description_is_refused(tmp_path, unchanged_database):
    lines = real_lines(CSV_2026)
    number = line_of(lines, "99213,")
    lines[number - 1] = lines[number - 1].replace("Office o/p est low 20 min", '"Office o/p\nest low"', 1)
    path = write(tmp_path, "PPRRVU2026_Jul_nonQPP.csv", "".join(lines))

    error = refuse(path)

    assert error.column == "DESCRIPTION"
    assert "control character" in str(error)


def test_a_file_cut_at_a_line_break_is_refused_unless_confirmed(tmp_path, unchanged_database):
    lines = real_lines(CSV_2026)[:5000]
    path = write(
        tmp_path, "PPRRVU2026_Oct_nonQPP.csv", "".join(lines).replace("July Release", "October Release")
    )

    error = refuse(path)
    checked = release_import(path=path, allow_fewer_rows=True, dry_run=True)

    assert "has 4,990 rows where RVU26C has 19,356; the file looks cut short" in str(error)
    assert checked.release.name == "RVU26D" and checked.dry_run


def test_a_zip_member_too_large_to_be_a_release_file_is_refused_before_reading(tmp_path, unchanged_database):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("PPRRVU2026_Oct_nonQPP.csv", b"0" * (65 * 1024 * 1024))
    path = write(tmp_path, "RVU26D.zip", buffer.getvalue())

    error = refuse(path)

    assert "would unpack to 68,157,440 bytes, far more than any release file" in str(error)


def test_mac_shadow_files_are_ignored_and_two_candidates_are_ambiguous(tmp_path, unchanged_database):
    good, ambiguous = io.BytesIO(), io.BytesIO()
    with zipfile.ZipFile(good, "w") as archive:
        archive.writestr("__MACOSX/._PPRRVU2026_Jul_nonQPP.csv", b"\x00\x05\x16\x07 resource fork")
        archive.writestr("PPRRVU2026_Jul_nonQPP.csv", b"not the real content")
    with zipfile.ZipFile(ambiguous, "w") as archive:
        archive.writestr("old/PPRRVU2026_Jan_nonQPP.csv", b"a")
        archive.writestr("PPRRVU2026_Jul_nonQPP.csv", b"b")

    shadow_skipped = refuse(write(tmp_path, "RVU26C.zip", good.getvalue()))
    two_files = refuse(write(tmp_path, "RVU26D.zip", ambiguous.getvalue()))

    assert shadow_skipped.filename == "RVU26C.zip/PPRRVU2026_Jul_nonQPP.csv"
    assert "holds several PPRRVU.csv files (old/PPRRVU2026_Jan_nonQPP.csv, PPRRVU2026_Jul_nonQPP.csv)" in str(
        two_files
    )
