"""A full release import on PostgreSQL next to a bare COPY of the same rows.

Run from the repository root with the project's Python:

    .venv/bin/python bench/import_vs_copy.py --database-url postgres://postgres@127.0.0.1:5432/postgres

In one process, on a throwaway database (made and dropped by this script, as in
import_speed.py), for the full national file of RVU26C (19,356 rows):
(a) baseline: read the CSV with the csv module and COPY its 32 columns as text
    into an unindexed table;
(b) release_import: read, check every row, and save the release, codes and rows.
It prints both times, their ratio and the process's peak RSS after each step
(RSS only grows, so the import's figure includes the baseline's). The target
(issue 4) is an import within 3x of the COPY and under 250 MB.
"""

import argparse
import csv
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_speed import DATA_DIR, peak_rss_mb, set_up_django, throwaway_postgres  # noqa: E402

CSV_FILE = DATA_DIR / "cms" / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv"
HEADER_LINES = 10


def copy_baseline() -> tuple[float, float, int]:
    from django.db import connection

    started = time.perf_counter()
    text = CSV_FILE.read_text(encoding="cp1252")
    rows = list(csv.reader(io.StringIO(text, newline="")))[HEADER_LINES:]
    columns = ", ".join(f"c{index} text" for index in range(len(rows[0])))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_copy ({columns})")
        with cursor.copy("COPY bench_copy FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return time.perf_counter() - started, peak_rss_mb(), len(rows)


def full_import() -> tuple[float, float, int]:
    from codes.services import release_import

    started = time.perf_counter()
    result = release_import(path=CSV_FILE, release_name="RVU90A")
    return time.perf_counter() - started, peak_rss_mb(), result.release.row_count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", required=True, help="a PostgreSQL server URL (used for CREATE DATABASE)"
    )
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "rvuedge.settings.test"  # DEBUG off, as in production
    with throwaway_postgres(args.database_url) as database_url:
        set_up_django(database_url)
        copy_seconds, copy_mb, copy_rows = copy_baseline()
        import_seconds, import_mb, import_rows = full_import()
        print(f"RVU Edge import vs COPY  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
        print(f"machine     {os.cpu_count()} CPUs, load {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
        print(f"file        {CSV_FILE.name}")
        print(f"COPY        {copy_rows:,} rows in {copy_seconds:.2f} s, peak RSS so far {copy_mb:.0f} MB")
        print(
            f"import      {import_rows:,} rows in {import_seconds:.2f} s, peak RSS so far {import_mb:.0f} MB"
        )
        print(f"ratio       import / COPY = {import_seconds / copy_seconds:.1f}x (target within 3x)")
        print("memory      target: under 250 MB")


if __name__ == "__main__":
    main()
