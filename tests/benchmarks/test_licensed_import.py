"""Licensed tables: a good file is imported whole; a bad one is refused naming its file, line and
column, with nothing written."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from benchmarks.importing.errors import BenchmarkFileError, BenchmarkSetError
from benchmarks.models import BenchmarkPoint, BenchmarkSet
from benchmarks.services import benchmark_set_import_licensed

GOOD = (
    "Specialty,Career_Stage,Region,p10,p25,p50,p75,p90,n\n"
    "Cardiology,,,5012.40,6120,7300.5,8800,10400,412\n"
    "Cardiology,0-2 years,,3900,4800,5600,6900,8100,38\n"
    "obstetrics & gynecology,,Midwest,4100,5000,6000,7000,8000,120\n"
    "\n"
    "Family Practice,,South,3500,4300,5100,6000,7200,950\n"
)
FACTS = {
    "name": "Survey 2025",
    "source": "A physician compensation survey",
    "year": 2025,
    "licence_note": "Ours",
}


def table(tmp_path: Path, text: str | bytes, name: str = "survey-2025.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


@pytest.fixture
def nothing_written(db):
    yield
    assert not BenchmarkSet.objects.exists() and not BenchmarkPoint.objects.exists()


def test_a_licensed_table_is_imported_whole(tmp_path, db):
    result = benchmark_set_import_licensed(path=table(tmp_path, GOOD), **FACTS)

    imported = result.benchmark_set
    assert result.created and imported.kind == BenchmarkSet.Kind.LICENSED and imported.is_default
    assert imported.release is None and imported.source_files == "survey-2025.csv"
    rows = list(imported.points.values_list("specialty", "career_stage", "region", "p50", "provider_count"))
    assert rows == [
        ("Cardiology", "", "", Decimal("7300.50"), 412),
        ("Cardiology", "0-2 years", "", Decimal("5600.00"), 38),
        ("Family Practice", "", "South", Decimal("5100.00"), 950),
        ("Obstetrics/Gynecology", "", "Midwest", Decimal("6000.00"), 120),  # as a profile names it
    ]


def test_the_same_file_twice_is_imported_once(tmp_path, db):
    first = benchmark_set_import_licensed(path=table(tmp_path, GOOD), **FACTS)

    again = benchmark_set_import_licensed(
        path=table(tmp_path, GOOD, "copy.csv"), **{**FACTS, "name": "Other"}
    )

    assert not again.created and again.benchmark_set == first.benchmark_set
    assert BenchmarkSet.objects.count() == 1


def test_a_dry_run_checks_and_writes_nothing(tmp_path, nothing_written):
    result = benchmark_set_import_licensed(path=table(tmp_path, GOOD), dry_run=True, **FACTS)

    assert result.dry_run and "Dry run" in result.summary


HEADER = "specialty,p10,p25,p50,p75,p90,n\n"


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("", "line 1", "the file is empty"),
        (HEADER, "", "a header but no rows"),
        ("specialty,p10,p25,p50,p75,n\n", "line 1, column p90", "the header lacks p90"),
        ("specialty,p10,p25,p50,p75,p90,n,mean\n", "line 1, column mean", "unknown column 'mean'"),
        ("specialty,p10,p25,p50,p75,p90,n,P10\n", "line 1, column p10", "is named twice"),
        (HEADER + "Cardiology,1,2,3,4,5\n", "line 2", "expected 7 fields as in the header, found 6"),
        (HEADER + "Cardiology,1,2,3,4,5,9\nCardiology,1,2,3,4,5,9\n", "line 3, column specialty", "twice"),
        (HEADER + ",1,2,3,4,5,9\n", "line 2, column specialty", "is empty"),
        (
            HEADER + "Cardiolgy,1,2,3,4,5,9\n",
            "line 2, column specialty",
            "did you mean Cardiology, Urology or Cardiac Surgery?",
        ),
        (HEADER + 'Cardiology,1,2,"3,100",4,5,9\n', "line 2, column p50", "'3,100' is not an annual wRVU"),
        (HEADER + "Cardiology,1,2,3.125,4,5,9\n", "line 2, column p50", "at most two decimals"),
        (HEADER + "Cardiology,1,2,-3,4,5,9\n", "line 2, column p50", "'-3' is not"),
        (HEADER + "Cardiology,1,2,3,2.5,5,9\n", "line 2, column p75", "2.5 is below p50 (3)"),
        (HEADER + "Cardiology,1,2,3,4,5,0\n", "line 2, column n", "'0' is not a number of providers"),
        (HEADER + "Cardiology,1,2,3,4,5,12.5\n", "line 2, column n", "'12.5' is not a number of providers"),
        (
            "specialty,region,p10,p25,p50,p75,p90,n\nCardiology," + "x" * 61 + ",1,2,3,4,5,9\n",
            "line 2, column region",
            "60",
        ),
        (HEADER + "Cardiology,1,2,3,4,5,9\n\x00\n", "line 3", "NUL byte"),
    ],
)
def test_a_bad_table_is_refused_naming_file_line_and_column(tmp_path, nothing_written, text, where, message):
    with pytest.raises(BenchmarkFileError) as caught:
        benchmark_set_import_licensed(path=table(tmp_path, text), **FACTS)

    assert str(caught.value).startswith(f"survey-2025.csv{', ' if where else ''}{where}: ")
    assert message in str(caught.value)


def test_a_table_in_windows_1252_is_read(tmp_path, db):
    text = "specialty,region,p10,p25,p50,p75,p90,n\nCardiology,Región Sur,1,2,3,4,5,9\n".encode("cp1252")

    result = benchmark_set_import_licensed(path=table(tmp_path, text), **FACTS)

    assert result.benchmark_set.points.get().region == "Región Sur"


@pytest.mark.parametrize(("facts", "message"), [({"licence_note": " "}, "licence"), ({"year": 1900}, "1900")])
def test_a_table_without_its_provenance_is_refused(tmp_path, nothing_written, facts, message):
    with pytest.raises(BenchmarkSetError, match=message):
        benchmark_set_import_licensed(path=table(tmp_path, GOOD), **{**FACTS, **facts})


def test_the_command_imports_and_says_what_it_refused(tmp_path, db, capsys):
    bad = table(tmp_path, HEADER + "Cardiology,1,2,3,4,5,x\n", "bad.csv")
    arguments = ["--name", "Survey 2025", "--source", "A survey", "--year", "2025", "--licence", "Ours"]

    with pytest.raises(CommandError) as refused:
        call_command("import_benchmarks", str(bad), *arguments)
    call_command("import_benchmarks", str(table(tmp_path, GOOD)), *arguments, "--default")

    assert str(refused.value) == (
        "Import refused, nothing was written. bad.csv, line 2, column n: 'x' is not a number of providers "
        "(a whole number above 0)"
    )
    assert "Imported Survey 2025 (survey-2025) from survey-2025.csv: 4 rows, now the default set." in (
        capsys.readouterr().out
    )


def test_a_table_over_the_size_limit_is_refused_before_it_is_read(tmp_path, nothing_written, monkeypatch):
    monkeypatch.setattr("benchmarks.services.MAX_BYTES", 100)

    with pytest.raises(BenchmarkFileError, match=r"survey-2025\.csv.*the limit is 100"):
        benchmark_set_import_licensed(path=table(tmp_path, GOOD), **FACTS)
