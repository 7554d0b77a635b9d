"""A full release import on PostgreSQL next to a bare COPY of the same rows.

Run from the repository root with the project's Python:

    .venv/bin/python bench/import_vs_copy.py --database-url postgres://postgres@127.0.0.1:5432/postgres

In one process, on a throwaway database (made and dropped by this script, as in
import_speed.py), for the full national file of RVU26C (19,356 rows):
(a) baseline: read the CSV with the csv module and COPY its 32 columns as text
    into an unindexed table (a fresh table each round);
(b) release_import: read, check every row, and save the release, codes and rows.
    The first import adds 17,000 codes to the catalog; the later ones
    (the same rows, one more blank line each, under a new release name) find
    the codes there, as each new CMS quarter does.
Each is run --rounds times, interleaved, after one untimed round of each (the
import on a 60-line cut of the file), so that first-call costs of the process
are not counted; the medians are compared. It also
prints the process's peak RSS (RSS only grows, so it covers every step). The
target (issue 4) is an import within 3x of the COPY and under 250 MB.
"""

import argparse
import csv
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_speed import DATA_DIR, peak_rss_mb, set_up_django, throwaway_postgres  # noqa: E402

CSV_FILE = DATA_DIR / "cms" / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv"
HEADER_LINES = 10


def copy_baseline(round_number: int) -> float:
    from django.db import connection

    started = time.perf_counter()
    text = CSV_FILE.read_text(encoding="cp1252")
    rows = list(csv.reader(io.StringIO(text, newline="")))[HEADER_LINES:]
    columns = ", ".join(f"c{index} text" for index in range(len(rows[0])))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_copy_{round_number} ({columns})")
        with cursor.copy(f"COPY bench_copy_{round_number} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return time.perf_counter() - started


def full_import(round_number: int, folder: Path) -> float:
    """Import the file as release RVU90A, RVU91A, …: each one is new, and the newest."""
    from codes.services import release_import

    # A distinct file each round (one more trailing blank line), or the import
    # would see a file it already holds and do nothing.
    path = folder / f"{round_number}-{CSV_FILE.name}"
    path.write_bytes(CSV_FILE.read_bytes() + b"\r\n" * round_number)
    started = time.perf_counter()
    result = release_import(path=path, release_name=f"RVU{90 + round_number}A")
    seconds = time.perf_counter() - started
    assert result.created and result.release.row_count == 19_356, result.summary
    return seconds


def warm_up(folder: Path) -> None:
    """One untimed round: the COPY, and the import of the file's first 60 lines."""
    from codes.services import release_import

    copy_baseline(99)
    path = folder / "warm-up.csv"
    path.write_bytes(b"".join(CSV_FILE.read_bytes().splitlines(keepends=True)[:60]))
    release_import(path=path, release_name="RVU89A")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", required=True, help="a PostgreSQL server URL (used for CREATE DATABASE)"
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each (default 5, at most 9)")
    args = parser.parse_args()
    rounds = max(2, min(args.rounds, 9))
    os.environ["DJANGO_SETTINGS_MODULE"] = "rvuedge.settings.test"  # DEBUG off, as in production
    with throwaway_postgres(args.database_url) as database_url, tempfile.TemporaryDirectory() as folder:
        set_up_django(database_url)
        warm_up(Path(folder))
        copies, imports = [], []
        for round_number in range(rounds):
            copies.append(copy_baseline(round_number))
            imports.append(full_import(round_number, Path(folder)))
        report(copies, imports)


def report(copies: list[float], imports: list[float]) -> None:
    copy_median = statistics.median(copies)
    first, later = imports[0], statistics.median(imports[1:])
    print(f"RVU Edge import vs COPY  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"machine       {os.cpu_count()} CPUs, load {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    print(f"file          {CSV_FILE.name}, 19,356 rows, {len(copies)} rounds")
    print(f"COPY          median {copy_median:.3f} s  (each: {_listed(copies)})")
    print(f"first import  {first:.3f} s = {first / copy_median:.1f}x COPY (17,000 codes new to the catalog)")
    print(f"later imports median {later:.3f} s = {later / copy_median:.1f}x COPY")
    print(f"              (each: {_listed(imports[1:])})")
    print(f"peak RSS      {peak_rss_mb():.0f} MB for the whole process (target under 250 MB)")
    print("target        an import within 3x of the COPY")


def _listed(seconds: list[float]) -> str:
    return " ".join(f"{value:.3f}" for value in seconds)


if __name__ == "__main__":
    main()
