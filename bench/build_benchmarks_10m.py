"""How long a national benchmark build takes, and how much memory, on a synthetic 10-million-row file.

Run from the repository root with the project's Python:

    .venv/bin/python bench/build_benchmarks_10m.py
    .venv/bin/python bench/build_benchmarks_10m.py --database-url postgres://postgres@127.0.0.1:5432/postgres

It writes a file in the current CMS layout of "Medicare Physician & Other Practitioners - by
Provider and Service" (29 columns, about 2.8 GB for 10 million rows) into a temporary folder:
about a million providers of 60 specialties, a few percent of them organisations; codes drawn
from RVU26C's global rows (common office visits most often), so many carry no work RVU or an
unpaid status, plus a few codes no release lists and a few blank service counts.

Then a fresh process, which has loaded Django as `manage.py build_benchmarks` does, measures
(a) a baseline: DuckDB merely counting the file's rows, with the build's own reader settings, and
(b) the full build: `benchmark_set_build`, from reading the file to writing the set's points.
For each it prints the seconds and the process's peak RSS so far (getrusage), which only grows:
the build's figure includes the baseline's.

Everything goes to a throwaway database made for this run: a temporary SQLite file, or with
--database-url a new PostgreSQL database rvuedge_bench_benchmarks_<pid> on that server, dropped at
the end. The database named in the URL is only used to issue CREATE and DROP DATABASE.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# import_speed imports nothing outside the standard library at module level: the parent
# process stays free of Django and DuckDB, as the measurement needs (see main).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_speed import peak_rss_mb, throwaway_database  # noqa: E402

REPO_DIR = Path(__file__).resolve().parent.parent
RELEASE_FILE = REPO_DIR / "data" / "cms" / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv"
RELEASE = "RVU26C"
FILE_NAME = "MUP_PHY_R25_P05_V20_D23_Prov_Svc.csv"  # as CMS names the national file (data year 2023)
SPECIALTY_COUNT = 60
COMMON_CODES = (
    "99213", "99214", "99232", "99233", "99215", "99212", "99231", "99223", "99203", "99204",
    "36415", "93000", "71046", "G2211", "99308", "99309", "97110", "97140", "20610", "11721",
)  # fmt: skip
CURRENT_COLUMNS = (
    "Rndrng_NPI", "Rndrng_Prvdr_Last_Org_Name", "Rndrng_Prvdr_First_Name", "Rndrng_Prvdr_MI",
    "Rndrng_Prvdr_Crdntls", "Rndrng_Prvdr_Gndr", "Rndrng_Prvdr_Ent_Cd", "Rndrng_Prvdr_St1",
    "Rndrng_Prvdr_St2", "Rndrng_Prvdr_City", "Rndrng_Prvdr_State_Abrvtn", "Rndrng_Prvdr_State_FIPS",
    "Rndrng_Prvdr_Zip5", "Rndrng_Prvdr_RUCA", "Rndrng_Prvdr_RUCA_Desc", "Rndrng_Prvdr_Cntry",
    "Rndrng_Prvdr_Type", "Rndrng_Prvdr_Mdcr_Prtcptg_Ind", "HCPCS_Cd", "HCPCS_Desc", "HCPCS_Drug_Ind",
    "Place_Of_Srvc", "Tot_Benes", "Tot_Srvcs", "Tot_Bene_Day_Srvcs", "Avg_Sbmtd_Chrg",
    "Avg_Mdcr_Alowd_Amt", "Avg_Mdcr_Pymt_Amt", "Avg_Mdcr_Stdzd_Amt",
)  # fmt: skip


def set_up_django(database_url: str) -> None:
    """Point Django at the throwaway database before settings load, and check that it took."""
    os.environ["DATABASE_URL"] = database_url  # settings read it once, at import
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rvuedge.settings.dev")
    sys.path.insert(0, str(REPO_DIR))
    import dj_database_url
    import django
    from django.conf import settings

    django.setup()
    wanted = str(dj_database_url.parse(database_url)["NAME"])
    if str(settings.DATABASES["default"]["NAME"]) != wanted:
        sys.exit(f"The settings do not use the throwaway database {wanted!r}; stopping.")


def prepare_database() -> None:
    from django.core.management import call_command

    from codes.services import release_import

    call_command("migrate", interactive=False, verbosity=0)
    release_import(path=RELEASE_FILE)


def write_synthetic_file(path: Path, *, rows: int, providers: int) -> None:
    """The whole file from one DuckDB statement: a Python loop would take minutes to write it."""
    import duckdb

    from accounts.specialties import CMS_PROVIDER_SPECIALTIES
    from codes.models import FeeScheduleRow

    codes = list(
        FeeScheduleRow.objects.filter(release__name=RELEASE, modifier="").values_list(
            "code_id", "description"
        )
    )
    config = {"threads": 2, "memory_limit": "1GB", "temp_directory": str(path.parent / "spill")}
    with duckdb.connect(config=config) as con:
        con.execute("SET enable_progress_bar_print = false")
        con.execute(
            "CREATE TABLE codes AS SELECT unnest($codes) AS code, unnest($descriptions) AS description, "
            "generate_subscripts($codes, 1) - 1 AS idx",
            {"codes": [code for code, _ in codes], "descriptions": [text for _, text in codes]},
        )
        con.execute(
            "CREATE TABLE common AS SELECT unnest($codes) AS code, generate_subscripts($codes, 1) - 1 AS idx",
            {"codes": list(COMMON_CODES)},
        )
        con.execute(
            "CREATE TABLE specialties AS "
            "SELECT unnest($names) AS name, generate_subscripts($names, 1) - 1 AS idx",
            {"names": list(CMS_PROVIDER_SPECIALTIES[:SPECIALTY_COUNT])},
        )
        con.execute(synthetic_rows_statement(path, rows=rows, providers=providers, code_count=len(codes)))


def synthetic_rows_statement(path: Path, *, rows: int, providers: int, code_count: int) -> str:
    """Rows keyed on hashes of the row number, so every run writes the same file; each provider
    has about rows / providers of them, some many more, some one."""
    quoted = ", ".join(
        ["Rndrng_Prvdr_Last_Org_Name", "Rndrng_Prvdr_St1", "Rndrng_Prvdr_RUCA_Desc", "Rndrng_Prvdr_Type"]
        + ["HCPCS_Cd", "HCPCS_Desc"]
    )
    return f"""
    COPY (
        WITH picks AS (
            SELECT i, hash(i) % {providers} AS p, hash(i, 'code') % 1000 AS code_pick,
                hash(i, 'count') % 1000 AS count_pick
            FROM range({rows}) AS r(i)
        ),
        choices AS (
            SELECT picks.*,
                -- a few specialties hold most providers, as family practice and nurse practitioners do
                floor({SPECIALTY_COUNT} * pow((hash(p, 'specialty') % 10000) / 10000.0, 2))::INT
                    AS specialty_idx,
                CASE WHEN hash(p, 'entity') % 100 < 4 THEN 'O' ELSE 'I' END AS entity
            FROM picks
        )
        SELECT
            1000000000 + p AS Rndrng_NPI,
            CASE WHEN entity = 'O' THEN 'Clinic ' || p || ', LLC' ELSE 'Lastname' || p END
                AS Rndrng_Prvdr_Last_Org_Name,
            CASE WHEN entity = 'O' THEN '' ELSE 'Firstname' END AS Rndrng_Prvdr_First_Name,
            'A' AS Rndrng_Prvdr_MI,
            CASE WHEN entity = 'O' THEN '' ELSE 'M.D.' END AS Rndrng_Prvdr_Crdntls,
            CASE WHEN entity = 'O' THEN '' WHEN p % 2 = 0 THEN 'F' ELSE 'M' END AS Rndrng_Prvdr_Gndr,
            entity AS Rndrng_Prvdr_Ent_Cd,
            (p % 9000 + 1) || ' Main Street' AS Rndrng_Prvdr_St1,
            CASE WHEN p % 5 = 0 THEN 'Suite ' || (p % 400) ELSE '' END AS Rndrng_Prvdr_St2,
            'Springfield' AS Rndrng_Prvdr_City,
            'MD' AS Rndrng_Prvdr_State_Abrvtn,
            '24' AS Rndrng_Prvdr_State_FIPS,
            lpad((p % 99999)::VARCHAR, 5, '0') AS Rndrng_Prvdr_Zip5,
            '1' AS Rndrng_Prvdr_RUCA,
            'Metropolitan area core: primary flow within an urbanized area of 50,000 and greater'
                AS Rndrng_Prvdr_RUCA_Desc,
            'US' AS Rndrng_Prvdr_Cntry,
            s.name AS Rndrng_Prvdr_Type,
            'Y' AS Rndrng_Prvdr_Mdcr_Prtcptg_Ind,
            CASE WHEN code_pick < 20 THEN 'Z' || lpad((code_pick * 37)::VARCHAR, 4, '0')  -- in no release
                 WHEN code_pick < 420 THEN common.code ELSE codes.code END AS HCPCS_Cd,
            coalesce(codes.description, listed.description, 'Not a listed code') AS HCPCS_Desc,
            'N' AS HCPCS_Drug_Ind,
            CASE WHEN i % 3 = 0 THEN 'F' ELSE 'O' END AS Place_Of_Srvc,
            11 + count_pick % 90 AS Tot_Benes,
            CASE WHEN count_pick < 5 THEN NULL  -- blank, as a suppressed count would be
                 WHEN count_pick < 105 THEN ((11 + hash(i, 'many') % 20000) / 10.0)::VARCHAR
                 ELSE (11 + pow(count_pick / 1000.0, 4) * 3000)::INT::VARCHAR END AS Tot_Srvcs,
            11 + count_pick % 120 AS Tot_Bene_Day_Srvcs,
            round(50 + count_pick * 0.37, 2) AS Avg_Sbmtd_Chrg,
            round(30 + count_pick * 0.11, 6) AS Avg_Mdcr_Alowd_Amt,
            round(24 + count_pick * 0.09, 6) AS Avg_Mdcr_Pymt_Amt,
            round(25 + count_pick * 0.09, 6) AS Avg_Mdcr_Stdzd_Amt
        FROM choices
        JOIN specialties AS s ON s.idx = choices.specialty_idx
        LEFT JOIN common ON common.idx = hash(i, 'common') % {len(COMMON_CODES)}
        LEFT JOIN codes ON codes.idx = hash(i, 'any') % {code_count} AND code_pick >= 420
        LEFT JOIN codes AS listed ON listed.code = common.code AND code_pick BETWEEN 20 AND 419
        ORDER BY Rndrng_NPI, HCPCS_Cd  -- as CMS sorts the file
    ) TO '{path}' (HEADER, FORCE_QUOTE ({quoted}))
    """


def measure(path: Path) -> None:
    """In this process only: the baseline count, then the full build, each with time and peak RSS."""
    import duckdb

    from benchmarks.importing import puf
    from benchmarks.services import benchmark_set_build
    from codes.models import Release

    print(f"{'step':<30} {'seconds':>8} {'peak RSS MB':>12}")
    print(f"{'Django loaded':<30} {'':>8} {peak_rss_mb():>12.0f}")

    started = time.perf_counter()
    config = {"threads": puf.THREADS, "memory_limit": puf.MEMORY_LIMIT}
    with (
        tempfile.TemporaryDirectory() as spill,
        duckdb.connect(config={**config, "temp_directory": spill}) as con,
    ):
        (count,) = con.execute(
            f"SELECT count(*) FROM read_csv('{path}', header = true, all_varchar = true, "
            f"buffer_size = {puf.CSV_BUFFER_BYTES})"
        ).fetchone()
    print(
        f"{'baseline: DuckDB counts rows':<30} {time.perf_counter() - started:>8.1f} {peak_rss_mb():>12.0f}"
    )

    started = time.perf_counter()
    result = benchmark_set_build(
        paths=[path], release=Release.objects.get(name=RELEASE), name="Synthetic national file", year=2023
    )
    print(f"{'full build, points written':<30} {time.perf_counter() - started:>8.1f} {peak_rss_mb():>12.0f}")
    print(f"\n{count:,} rows counted by the baseline.\n")
    print(result.summary)


def prepare(path: Path, *, rows: int, providers: int) -> None:
    """In a process of its own: migrate, import the release, write the file."""
    from django.db import connection

    prepare_database()
    started = time.perf_counter()
    write_synthetic_file(path, rows=rows, providers=providers)
    print(f"RVU Edge benchmark build  {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(
        f"file        {path.name}: {rows:,} rows, {path.stat().st_size / 1e9:.2f} GB, written in "
        f"{time.perf_counter() - started:.0f} s (not measured)"
    )
    print(f"database    {connection.vendor} (throwaway), {RELEASE} imported")
    print(f"load        {' '.join(f'{load:.2f}' for load in os.getloadavg())} on {os.cpu_count()} CPUs\n")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", help="a PostgreSQL server for the throwaway database; default SQLite"
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--providers", type=int, default=1_000_000)
    parser.add_argument("--step", choices=["prepare", "measure"], help=argparse.SUPPRESS)  # a child process
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.step:
        set_up_django(os.environ["DATABASE_URL"])
        if args.step == "prepare":
            prepare(args.file, rows=args.rows, providers=args.providers)
        else:
            measure(args.file)
        return
    # This process stays small and imports neither Django nor DuckDB: a child's peak RSS starts
    # from its parent's at the fork, and the measuring child must not inherit the preparation's.
    with (
        throwaway_database(args.database_url, label="benchmarks") as database_url,
        tempfile.TemporaryDirectory(prefix="rvuedge-bench-benchmarks-") as folder,
    ):
        path = Path(folder) / FILE_NAME
        sizes = ["--rows", str(args.rows), "--providers", str(args.providers)]
        for step in ("prepare", "measure"):
            subprocess.run(
                [sys.executable, __file__, "--step", step, "--file", str(path), *sizes],
                check=True,
                env={**os.environ, "DATABASE_URL": database_url},
            )


if __name__ == "__main__":
    main()
