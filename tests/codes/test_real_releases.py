"""Every real CMS file shipped in data/ imports, and reads back as CMS published it.

Expected figures come from data/cms and the shared SOURCES.md, which counted
them independently of this code.
"""

import datetime
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from codes.importing.errors import ReleaseFileError
from codes.importing.rows import convert_rows
from codes.importing.sources import SourceFile
from codes.models import Code, FeeScheduleRow, Release
from codes.services import read_release_file, release_import

CMS = Path(settings.DATA_DIR) / "cms"

EXPECTED_RELEASES = {
    # name: (effective_on, released_on, rows, distinct codes, conversion factor, has PRIC IND)
    "RVU25A": ("2025-01-01", "2024-12-23", 18865, None, "32.3465", False),
    "RVU25D": ("2025-10-01", "2025-09-11", 19090, None, "32.3465", False),
    "RVU26A": ("2026-01-01", "2025-12-29", 19226, 16978, "33.4009", True),
    "RVU26B": ("2026-04-01", None, 19277, None, "33.4009", True),
    "RVU26C": ("2026-07-01", "2026-06-30", 19356, 17096, "33.4009", True),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_RELEASES))
def test_each_bundled_release_is_imported_whole(db, name):
    effective_on, released_on, rows, codes, factor, has_pricing = EXPECTED_RELEASES[name]
    release = Release.objects.get(name=name)

    assert release.effective_on == datetime.date.fromisoformat(effective_on)
    assert release.released_on == (released_on and datetime.date.fromisoformat(released_on))
    assert release.row_count == rows == release.rows.count()
    if codes is not None:
        assert release.code_count == codes
    assert release.conversion_factor == Decimal(factor)
    pricing = set(release.rows.values_list("pricing_indicator", flat=True))
    assert pricing == ({"9"} if has_pricing else {""})


def test_status_and_modifier_counts_of_rvu26c_match_the_published_counts(db):
    rows = FeeScheduleRow.objects.filter(release__name="RVU26C")

    statuses = Counter(rows.values_list("status_code", flat=True))
    modifiers = Counter(rows.values_list("modifier", flat=True))

    assert statuses == {
        "A": 9408, "B": 80, "C": 1411, "E": 1294, "I": 1437, "J": 276,
        "M": 1292, "N": 350, "P": 144, "R": 1082, "T": 8, "X": 2574,
    }  # fmt: skip
    assert modifiers == {"": 17095, "26": 1138, "TC": 1119, "53": 4}


@pytest.mark.parametrize(
    ("code", "modifier", "release", "work_rvu"),
    [
        ("27447", "", "RVU25A", "19.60"),
        ("27447", "", "RVU25D", "19.60"),
        ("27447", "", "RVU26C", "19.11"),
        ("33533", "", "RVU25D", "33.75"),
        ("33533", "", "RVU26C", "32.91"),
        ("71046", "26", "RVU25D", "0.22"),
        ("71046", "26", "RVU26C", "0.21"),
        ("71046", "TC", "RVU26C", "0.00"),
        ("99213", "", "RVU25D", "1.30"),
        ("99214", "", "RVU26C", "1.92"),
        ("G0666", "", "RVU26A", "0.00"),
        ("G0666", "", "RVU26C", "1.30"),
        ("45378", "53", "RVU26B", "1.59"),
    ],
)
def test_work_rvus_read_back_as_published(db, code, modifier, release, work_rvu):
    row = FeeScheduleRow.objects.get(release__name=release, code=code, modifier=modifier)
    assert row.work_rvu == Decimal(work_rvu)


@pytest.mark.parametrize(
    ("release", "code", "modifier", "line", "file"),
    [
        ("RVU26C", "27447", "", 2839, "PPRRVU2026_Jul_nonQPP.csv"),
        ("RVU26C", "71046", "TC", 7825, "PPRRVU2026_Jul_nonQPP.csv"),
        ("RVU26B", "27447", "", 2796, "PPRRVU2026_Apr_nonQPP.txt"),
        ("RVU25A", "A0021", "", 11, "RVU25A.zip/PPRRVU25_JAN.csv"),
    ],
)
def test_each_row_remembers_its_line_in_the_file(db, release, code, modifier, line, file):
    row = FeeScheduleRow.objects.select_related("release").get(
        release__name=release, code=code, modifier=modifier
    )

    assert (row.source_line, row.release.rows_file_name) == (line, file)


def test_codes_keep_leading_zeros_and_letters(db):
    for code in ["00100", "0001F", "0591T", "G2211", "A2044"]:
        assert Code.objects.filter(code=code).exists(), code
    assert not Code.objects.filter(code="100").exists()


def test_fixed_width_text_reads_windows_1252_and_every_column(db):
    biobrane = FeeScheduleRow.objects.get(release__name="RVU26B", code="A2044")
    knee = FeeScheduleRow.objects.get(release__name="RVU26B", code="27447")

    assert biobrane.description == "Biobrane glove, each"
    assert (knee.global_days, knee.multiple_procedure, knee.bilateral_surgery) == ("090", "2", "1")
    assert (knee.assistant_surgery, knee.co_surgery, knee.team_surgery) == ("2", "1", "0")
    assert knee.non_facility_na_indicator == "NA"
    assert (knee.pre_op, knee.intra_op, knee.post_op) == (Decimal("0.10"), Decimal("0.69"), Decimal("0.21"))


def _parse(path: Path) -> dict:
    parsed = read_release_file(SourceFile(path.name, path.read_bytes()))
    return {(row["code"], row["modifier"]): row for row in convert_rows(parsed)}


@pytest.mark.slow
def test_csv_txt_and_xlsx_of_one_release_hold_identical_values():
    from_csv = _parse(CMS / "rvu25d" / "PPRRVU2025_Oct.csv")
    from_txt = _parse(CMS / "rvu25d" / "PPRRVU2025_Oct.txt")
    from_xlsx = _parse(CMS / "rvu25d" / "PPRRVU2025_Oct.xlsx")

    assert len(from_csv) == 19090
    assert from_txt == from_csv
    assert from_xlsx == from_csv


@pytest.mark.slow
def test_the_release_zip_holds_the_same_values_in_its_three_formats():
    import zipfile

    with zipfile.ZipFile(CMS / "rvu25a" / "RVU25A.zip") as archive:
        members = {suffix: archive.read(f"PPRRVU25_JAN.{suffix}") for suffix in ("csv", "txt", "xlsx")}
    parsed = {
        suffix: {
            (row["code"], row["modifier"]): row
            for row in convert_rows(read_release_file(SourceFile(f"PPRRVU25_JAN.{suffix}", data)))
        }
        for suffix, data in members.items()
    }

    assert len(parsed["csv"]) == 18865
    assert parsed["txt"] == parsed["csv"]
    assert parsed["xlsx"] == parsed["csv"]


def test_importing_the_same_file_again_changes_nothing(db):
    before = FeeScheduleRow.objects.count()

    result = release_import(path=CMS / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv")

    assert result.created is False
    assert "already imported as RVU26C" in result.summary
    assert FeeScheduleRow.objects.count() == before


@pytest.mark.parametrize("other_format", ["PPRRVU2025_Oct.txt", "PPRRVU2025_Oct.xlsx"])
def test_another_file_for_a_held_release_is_refused(db, other_format):
    with pytest.raises(ReleaseFileError, match="RVU25D is already imported from PPRRVU2025_Oct.csv"):
        release_import(path=CMS / "rvu25d" / other_format)
