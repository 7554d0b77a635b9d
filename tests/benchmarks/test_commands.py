"""The management commands: thin over the services, with a summary a person can act on."""

import pytest
from django.core.management import CommandError, call_command

from benchmarks.bundled import sample_paths
from benchmarks.models import BenchmarkSet

VERMONT = str(sample_paths()[1])


def test_build_benchmarks_reads_the_year_from_the_file_name_and_reports_what_it_skipped(db, capsys):
    call_command("build_benchmarks", VERMONT, "--release", "rvu26c", "--default", verbosity=0)

    built = BenchmarkSet.objects.get()
    out = capsys.readouterr().out
    assert (built.year, built.release.name, built.is_default) == (2012, "RVU26C", True)
    assert built.slug == "medicare-2012-provider-and-service-volumes-valued-at-rvu26c"
    assert "17,396 rows read" in out
    assert "rows of" in out and ": code not in RVU26C" in out
    assert "Not published, fewer than 10 providers: " in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([VERMONT, "--release", "RVU24A"], "RVU24A is not imported"),
        (["no-such.csv", "--release", "RVU26C"], "No such file: no-such.csv"),
        (
            [__file__, "--release", "RVU26C", "--year", "2023"],
            "Build refused, nothing was written. test_commands.py, ",
        ),
    ],
)
def test_build_benchmarks_refuses_clearly(db, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("build_benchmarks", *arguments, verbosity=0)
    assert not BenchmarkSet.objects.exists()


def test_build_benchmarks_asks_for_the_year_when_the_file_names_do_not_say_it(db, tmp_path):
    renamed = tmp_path / "providers.csv"
    renamed.write_bytes(sample_paths()[1].read_bytes())

    with pytest.raises(CommandError, match="--year"):
        call_command("build_benchmarks", str(renamed), "--release", "RVU26C", verbosity=0)


def test_build_bundled_benchmarks_builds_once(db, capsys):
    call_command("build_bundled_benchmarks")
    call_command("build_bundled_benchmarks")

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Built the demo benchmark set medicare-2012-sample-rvu26c: 46 specialties, ")
    assert lines[1].endswith("is already built; nothing changed.")
