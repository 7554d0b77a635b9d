"""How fast `release_import` loads each real CMS national file, next to merely reading its rows.

Run from the repository root with the project's Python:

    DJANGO_SETTINGS_MODULE=rvuedge.settings.dev .venv/bin/python bench/import_speed.py
    DJANGO_SETTINGS_MODULE=rvuedge.settings.dev .venv/bin/python bench/import_speed.py \\
        --database-url postgres://postgres@127.0.0.1:5432/postgres

For each file it times (a) a baseline, reading the rows with the standard library
(openpyxl for the XLSX), and (b) the full import into a database: reading,
checking, and saving the release, its codes and its rows.

The import always goes to a throwaway database made for this run, never to
yours: a temporary SQLite file, or with --database-url a new PostgreSQL database
rvuedge_bench_import_<pid> created on that server and dropped at the end. The
database named in the URL is only used to issue CREATE and DROP DATABASE.
"""

import argparse
import contextlib
import csv
import io
import logging
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_DIR / "data"
MB = 1024 * 1024
MEMORY_MODES = {
    "rss": "peak RSS of the process so far (MB)",
    "tracemalloc": "Python heap peak within the step (MB); timings inflated by tracing",
}


def decode_cms_text(data: bytes) -> str:
    # CMS text files are mostly ASCII with the odd Windows-1252 byte: try UTF-8, then Windows-1252.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_csv_rows(path: Path) -> int:
    rows = list(csv.reader(io.StringIO(decode_cms_text(path.read_bytes()), newline="")))
    return len(rows)


def read_txt_lines(path: Path) -> int:
    return len(decode_cms_text(path.read_bytes()).splitlines())


def read_xlsx_rows(path: Path) -> int:
    import openpyxl  # the one non-standard reader: it is what the importer uses for XLSX

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return len(list(workbook.worksheets[0].iter_rows(values_only=True)))
    finally:
        workbook.close()


def read_zip_csv_rows(path: Path) -> int:
    """The PPRRVU CSV inside a release ZIP: the member the importer picks first."""
    with zipfile.ZipFile(path) as archive:
        member = next(
            name
            for name in archive.namelist()
            if "PPRRVU" in name.upper() and name.lower().endswith(".csv") and "_QPP" not in name.upper()
        )
        text = decode_cms_text(archive.read(member))
    return len(list(csv.reader(io.StringIO(text, newline=""))))


@dataclass(frozen=True)
class BenchFile:
    label: str
    relative_path: str
    # A made-up name: each file imports as its own release whatever its content says,
    # so the 25D files cannot collide. Being in 2090, each import is also the newest
    # release, the path a new CMS quarter takes (descriptions of known codes are updated).
    release_name: str
    read_baseline: Callable[[Path], int]

    @property
    def path(self) -> Path:
        return DATA_DIR / self.relative_path


BENCH_FILES = (
    BenchFile("26C CSV", "cms/rvu26c/PPRRVU2026_Jul_nonQPP.csv", "RVU90A", read_csv_rows),
    BenchFile("25D TXT", "cms/rvu25d/PPRRVU2025_Oct.txt", "RVU90B", read_txt_lines),
    BenchFile("25D XLSX", "cms/rvu25d/PPRRVU2025_Oct.xlsx", "RVU90C", read_xlsx_rows),
    BenchFile("25A ZIP", "cms/rvu25a/RVU25A.zip", "RVU90D", read_zip_csv_rows),
)


@dataclass
class Measurement:
    seconds: float = 0.0
    memory_mb: float = 0.0


@dataclass
class FileResult:
    bench_file: BenchFile
    baseline: Measurement
    lines_read: int
    full: Measurement
    imported_rows: int


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux: the high-water mark of the whole process so far.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextlib.contextmanager
def measured(memory: str) -> Iterator[Measurement]:
    """Time a step and note its memory: the Python heap peak, or the process RSS high-water mark.

    tracemalloc sees only Python allocations and slows allocation-heavy code, so
    its timings run long; RSS is cheap but only ever grows, so a step smaller
    than an earlier one shows no rise of its own.
    """
    measurement = Measurement()
    if memory == "tracemalloc":
        tracemalloc.start()
    started = time.perf_counter()
    try:
        yield measurement
    finally:
        measurement.seconds = time.perf_counter() - started
        if memory == "tracemalloc":
            measurement.memory_mb = tracemalloc.get_traced_memory()[1] / MB
            tracemalloc.stop()
        else:
            measurement.memory_mb = peak_rss_mb()


@contextlib.contextmanager
def throwaway_sqlite(label: str = "import") -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix=f"rvuedge-bench-{label}-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"


@contextlib.contextmanager
def throwaway_postgres(server_url: str, label: str = "import") -> Iterator[str]:
    """A new database rvuedge_bench_<label>_<pid> on `server_url`'s server, dropped at the end."""
    import psycopg
    from psycopg import sql

    name = f"rvuedge_bench_{label}_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        # FORCE ends any connection still open on it (PostgreSQL 13 and later).
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        print(f"Dropped the throwaway database {name}.")


def throwaway_database(
    server_url: str | None, label: str = "import"
) -> contextlib.AbstractContextManager[str]:
    if server_url is None:
        return throwaway_sqlite(label)
    if urlsplit(server_url).scheme in ("postgres", "postgresql"):
        return throwaway_postgres(server_url, label)
    sys.exit("--database-url must be a postgres:// URL; leave it out for a throwaway SQLite file.")


def set_up_django(database_url: str) -> None:
    """Point Django at the throwaway database before settings load, then migrate it."""
    # Settings read DATABASE_URL once, at import: set it first, so no other database is touched.
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rvuedge.settings.dev")
    sys.path.insert(0, str(REPO_DIR))
    import django
    from django.core.management import call_command

    django.setup()
    refuse_unless_throwaway(database_url)
    # The importer logs a summary per release on stderr; here it would only break up the table.
    logging.getLogger("codes").setLevel(logging.WARNING)
    call_command("migrate", interactive=False, verbosity=0)


def refuse_unless_throwaway(database_url: str) -> None:
    """Stop before writing anything if the settings did not take the throwaway database.

    A settings module that ignored DATABASE_URL would otherwise migrate and fill
    the database it names instead, which may be someone's real one.
    """
    import dj_database_url
    from django.conf import settings

    wanted = str(dj_database_url.parse(database_url)["NAME"])
    configured = str(settings.DATABASES["default"]["NAME"])
    if configured != wanted:
        sys.exit(f"The settings use the database {configured!r}, not the throwaway {wanted!r}; stopping.")


def measure_file(bench_file: BenchFile, memory: str) -> FileResult:
    from codes.models import Release
    from codes.services import release_import

    # The importer skips a file it already holds (by checksum); a later round must first
    # remove what the previous one imported. Not timed.
    Release.objects.filter(name=bench_file.release_name).delete()

    with measured(memory) as baseline:
        lines_read = bench_file.read_baseline(bench_file.path)
    with measured(memory) as full:
        imported = release_import(path=bench_file.path, release_name=bench_file.release_name)
    if not imported.created:
        raise RuntimeError(f"{bench_file.label} was not imported afresh: {imported.summary}")
    return FileResult(bench_file, baseline, lines_read, full, imported.release.row_count)


def measure_rounds(rounds: int, memory: str) -> list[FileResult]:
    by_file: dict[BenchFile, list[FileResult]] = {bench_file: [] for bench_file in BENCH_FILES}
    for _round in range(rounds):
        for bench_file in BENCH_FILES:
            by_file[bench_file].append(measure_file(bench_file, memory))
    return [median_of(results) for results in by_file.values()]


def median_of(results: list[FileResult]) -> FileResult:
    """The median time of each step over the rounds, and the largest memory figure."""

    def middle(measurements: list[Measurement]) -> Measurement:
        return Measurement(
            seconds=statistics.median(item.seconds for item in measurements),
            memory_mb=max(item.memory_mb for item in measurements),
        )

    first = results[0]
    return FileResult(
        first.bench_file,
        middle([result.baseline for result in results]),
        first.lines_read,
        middle([result.full for result in results]),
        first.imported_rows,
    )


def print_header(args: argparse.Namespace, migrate_seconds: float) -> None:
    from django.conf import settings
    from django.db import connection

    print(f"RVU Edge import speed  {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(
        f"database    {connection.vendor} {connection.Database.__name__} (throwaway), "
        f"set up and migrated in {migrate_seconds:.1f} s"
    )
    print(f"settings    {os.environ['DJANGO_SETTINGS_MODULE']}, DEBUG={settings.DEBUG}")
    print(f"memory      {MEMORY_MODES[args.memory]}")
    print(f"rounds      {args.rounds}: median time, largest memory")
    # Other work on the machine slows every figure; the load average says how busy it was.
    print(f"load        {' '.join(f'{load:.2f}' for load in os.getloadavg())} on {os.cpu_count()} CPUs")
    print()


def print_results(results: list[FileResult]) -> None:
    print(
        f"{'file':<9} {'lines':>6} {'rows':>6} {'read s':>7} {'read rows/s':>11} {'read MB':>8} "
        f"{'import s':>8} {'import rows/s':>13} {'import MB':>9} {'import/read':>11}"
    )
    for result in results:
        rows = result.imported_rows
        print(
            f"{result.bench_file.label:<9} {result.lines_read:>6} {rows:>6} {result.baseline.seconds:>7.2f} "
            f"{rows / result.baseline.seconds:>11,.0f} {result.baseline.memory_mb:>8.0f} "
            f"{result.full.seconds:>8.2f} {rows / result.full.seconds:>13,.0f} "
            f"{result.full.memory_mb:>9.0f} {result.full.seconds / result.baseline.seconds:>10.1f}x"
        )
    print(
        "(lines: what the baseline read, banner and header included; rows: fee schedule rows the "
        "import saved, the count both rows/s columns use)"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to make the throwaway database on; default: a temporary SQLite file",
    )
    parser.add_argument("--memory", choices=sorted(MEMORY_MODES), default="rss")
    parser.add_argument(
        "--rounds", type=int, default=1, help="import every file this many times and report the median"
    )
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def main() -> None:
    args = parse_args()
    with throwaway_database(args.database_url) as database_url:
        started = time.perf_counter()
        set_up_django(database_url)
        print_header(args, time.perf_counter() - started)
        try:
            print_results(measure_rounds(args.rounds, args.memory))
        finally:
            from django.db import connections

            # The throwaway database can only be dropped once nothing is connected to it.
            connections.close_all()


if __name__ == "__main__":
    main()
