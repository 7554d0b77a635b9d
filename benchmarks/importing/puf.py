"""Specialty percentiles of annual work RVUs from the Medicare provider-and-service file, with DuckDB.

A national file is 2 to 3 GB and about 10 million rows (one per provider, code and place of
service). DuckDB reads it in parallel and aggregates it out of core within a memory limit, so
the whole build takes seconds and stays within a few hundred MB; Python sees only the handful of
values each specialty's percentiles need.

Steps: value each row with the work RVU of its code in the release (or say why it is not counted),
sum per provider, then take each specialty's percentiles over its providers' sums.
"""

import logging
import re
import tempfile
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb

from ..specialties import profile_specialty
from .errors import BenchmarkFileError
from .layouts import SourceFile
from .percentiles import PUBLISHED_PERCENTILES, interpolated_percentile, positions_needed

logger = logging.getLogger(__name__)

MIN_PROVIDERS = 10  # a specialty with fewer providers is not published
# DuckDB keeps to this and spills the rest to a temporary folder; its CSV buffers come on top.
MEMORY_LIMIT = "64MB"
THREADS = 2
CSV_BUFFER_BYTES = 4_000_000
PROGRESS_INTERVAL_SECONDS = 0.5
# Service counts are printed with at most one decimal ("302.7"); four keep them exact.
SERVICES_TYPE = "DECIMAL(18,4)"

ProgressCallback = Callable[[float], None]  # the share of the reading done, 0 to 1

# Why a row is not counted, in the order the checks apply; "{release}" is the release's name.
SKIP_REASONS = {
    "no_provider": "no provider id or provider type",
    "organisation": "an organisation, not an individual (entity code other than I)",
    "no_code": "no HCPCS code",
    "no_services": "no service count (blank, suppressed or not a number)",
    "not_in_release": "code not in {release}",
    "not_paid": "status not paid by Medicare (other than A, R, T) in {release}",
    "no_work_rvu": "no work RVU in {release}",
}
COUNTED = 0
REASON_CODES = {reason: code for code, reason in enumerate(SKIP_REASONS, start=1)}  # small group keys


@dataclass(frozen=True)
class WorkRvu:
    """The row of a code, in the release, whose work RVU values the code's services."""

    code: str
    work_rvu: Decimal
    paid: bool


@dataclass(frozen=True)
class Skipped:
    reason: str
    rows: int
    providers: int


@dataclass(frozen=True)
class SpecialtyPercentiles:
    specialty: str
    provider_count: int
    percentiles: dict[int, Decimal]  # {10: p10, 25: p25, ...}


@dataclass
class PufBuild:
    """What a build read, what it skipped and why, and the percentiles it found."""

    release_name: str
    rows_read: int = 0
    rows_counted: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    providers_without_counted_rows: int = 0  # individuals none of whose rows counted
    published: list[SpecialtyPercentiles] = field(default_factory=list)
    unpublished: dict[str, int] = field(default_factory=dict)  # specialty -> providers, under the minimum
    not_profile_specialties: list[str] = field(default_factory=list)  # published under the file's name

    @property
    def providers_published(self) -> int:
        return sum(point.provider_count for point in self.published)

    def reason_text(self, reason: str) -> str:
        return SKIP_REASONS[reason].format(release=self.release_name)

    def report(self) -> dict:
        """The build's facts as plain values, for the set's provenance."""
        return {
            "release": self.release_name,
            "rows_read": self.rows_read,
            "rows_counted": self.rows_counted,
            "skipped": [
                {"reason": self.reason_text(item.reason), "rows": item.rows, "providers": item.providers}
                for item in self.skipped
            ],
            "providers_without_counted_rows": self.providers_without_counted_rows,
            "providers_published": self.providers_published,
            "specialties_published": len(self.published),
            "specialties_under_minimum": self.unpublished,
            "minimum_providers": MIN_PROVIDERS,
            "not_profile_specialties": self.not_profile_specialties,
        }


def puf_percentiles(
    *,
    files: list[SourceFile],
    work_rvus: Iterable[WorkRvu],
    release_name: str,
    progress: ProgressCallback | None = None,
) -> PufBuild:
    """Read `files` and compute each specialty's percentiles of annual work RVUs per provider.

    Raises BenchmarkFileError naming the file and line DuckDB could not read.
    """
    build = PufBuild(release_name=release_name)
    with tempfile.TemporaryDirectory(prefix="rvuedge-benchmarks-") as spill, _connect(spill) as con:
        _load_work_rvus(con, work_rvus)
        _sum_rows_per_provider(con, files, progress)
        _count_rows(con, build)
        _sum_per_provider(con, build)
        _percentiles(con, build)
    return build


def _connect(spill_directory: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(
        config={
            "memory_limit": MEMORY_LIMIT,
            "threads": THREADS,
            "temp_directory": spill_directory,
            "preserve_insertion_order": False,
        }
    )
    # query_progress() needs DuckDB's progress tracking on; the command draws its own bar.
    con.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
    return con


def _load_work_rvus(con: duckdb.DuckDBPyConnection, work_rvus: Iterable[WorkRvu]) -> None:
    rows = list(work_rvus)
    con.execute(
        """
        CREATE TEMP TABLE work_rvus AS
        SELECT unnest($codes) AS code, unnest($work)::DECIMAL(7,2) AS work_rvu, unnest($paid) AS paid
        """,
        {
            "codes": [row.code for row in rows],
            "work": [str(row.work_rvu) for row in rows],
            "paid": [row.paid for row in rows],
        },
    )


def _sum_rows_per_provider(
    con: duckdb.DuckDBPyConnection, files: list[SourceFile], progress: ProgressCallback | None
) -> None:
    """The one pass over the files: each row valued or given a reason, summed per provider and reason."""
    statement = _provider_rows_statement(files, encoding="utf-8")
    try:
        _execute_reporting_progress(con, statement, progress)
    except duckdb.InvalidInputException as error:
        if "not utf-8 encoded" not in str(error):
            raise _file_error(error, files) from None
        # Older CMS files are Windows-1252 in names and addresses; the columns read here are
        # ASCII, so Latin-1 reads them right whatever the rest holds.
        logger.warning("A benchmark source is not UTF-8; reading the files again as Latin-1")
        try:
            _execute_reporting_progress(con, _provider_rows_statement(files, encoding="latin-1"), progress)
        except duckdb.InvalidInputException as again:
            raise _file_error(again, files) from None


def _provider_rows_statement(files: list[SourceFile], *, encoding: str) -> str:
    """Rows summed per provider, specialty and reason (0: counted), plus one row per specialty name.

    The group keys are kept small, since a national file has a million providers and DuckDB's
    hash table must fit its memory limit: the specialty is grouped by its hash, its name once per
    hash in a grouping set of its own, and the reason is a number (REASON_CODES).
    """
    rows = "\nUNION ALL\n".join(_rows_of(source, encoding) for source in files)
    code = REASON_CODES
    return f"""
        CREATE TEMP TABLE provider_rows AS
        WITH source_rows AS ({rows}),
        classified AS (
            SELECT provider, specialty, hash(specialty) AS specialty_key, services * w.work_rvu AS work_rvu,
                CASE
                    WHEN provider IS NULL OR specialty IS NULL THEN {code["no_provider"]}
                    WHEN entity IS DISTINCT FROM 'I' THEN {code["organisation"]}
                    WHEN source_rows.code IS NULL THEN {code["no_code"]}
                    WHEN services IS NULL OR services <= 0 THEN {code["no_services"]}
                    WHEN w.code IS NULL THEN {code["not_in_release"]}
                    WHEN NOT w.paid THEN {code["not_paid"]}
                    WHEN w.work_rvu <= 0 THEN {code["no_work_rvu"]}
                    ELSE {COUNTED}
                END::UTINYINT AS reason
            FROM source_rows LEFT JOIN work_rvus AS w ON w.code = source_rows.code
        )
        SELECT grouping(provider) = 1 AS is_name, provider, specialty_key, specialty, reason,
            count(*) AS row_count, sum(work_rvu) AS work_rvu
        FROM classified
        GROUP BY GROUPING SETS ((provider, specialty_key, reason), (specialty_key, specialty))
    """


def _rows_of(source: SourceFile, encoding: str) -> str:
    """One file's rows as provider, specialty, entity, code, services; every column read as text,
    so codes keep their leading zeros (00100) and nothing is guessed from a sample."""
    columns = ", ".join(f"'c{index}': 'VARCHAR'" for index in range(source.width))
    at = {role: f"nullif(trim(c{index}), '')" for role, index in source.positions.items()}
    entity = f"upper({at['entity']})" if "entity" in at else "'I'"  # the file cannot say: kept
    path = str(source.path).replace("'", "''")
    return f"""
        SELECT {at["provider"]} AS provider, {at["specialty"]} AS specialty, {entity} AS entity,
            upper({at["code"]}) AS code, TRY_CAST({at["services"]} AS {SERVICES_TYPE}) AS services
        FROM read_csv('{path}', header = true, auto_detect = false, columns = {{{columns}}},
            delim = ',', quote = '"', escape = '"', encoding = '{encoding}',
            buffer_size = {CSV_BUFFER_BYTES})
    """


def _execute_reporting_progress(
    con: duckdb.DuckDBPyConnection, statement: str, progress: ProgressCallback | None
) -> None:
    if progress is None:
        con.execute(statement)
        return
    finished = threading.Event()

    def report() -> None:
        while not finished.wait(PROGRESS_INTERVAL_SECONDS):
            percent = con.query_progress()  # -1 until DuckDB can tell
            if percent >= 0:
                progress(min(percent, 100.0) / 100)

    reporter = threading.Thread(target=report, name="benchmark-progress", daemon=True)
    reporter.start()
    try:
        con.execute(statement)
    finally:
        finished.set()
        reporter.join()
    progress(1.0)


CSV_ERROR_LINE = re.compile(r"CSV Error on Line: (\d+)")
CSV_ERROR_FILE = re.compile(r"^\s*file = (.+)$", re.MULTILINE)


def _file_error(error: duckdb.Error, files: list[SourceFile]) -> BenchmarkFileError:
    """DuckDB's account of an unreadable row, as the file name, the line and what is wrong."""
    text = str(error)
    path = CSV_ERROR_FILE.search(text)
    line = CSV_ERROR_LINE.search(text)
    name = next((s.name for s in files if path and str(s.path) == path[1].strip()), None)
    lines = [part.strip() for part in text.split("Possible")[0].splitlines()]
    what = [part for part in lines[1:] if part and not part.startswith("Original Line")] or lines[:1]
    return BenchmarkFileError(
        "; ".join(what).removeprefix("Invalid Input Error: "),
        filename=name or ", ".join(s.name for s in files),
        line=int(line[1]) if line else None,
    )


def _count_rows(con: duckdb.DuckDBPyConnection, build: PufBuild) -> None:
    rows = con.execute(
        f"""
        SELECT reason, sum(row_count)::BIGINT,
            count(DISTINCT provider) FILTER (WHERE reason <> {COUNTED})  -- no need to count the many
        FROM provider_rows WHERE NOT is_name GROUP BY reason
        """
    ).fetchall()
    by_code = {code: (count, providers) for code, count, providers in rows}
    build.rows_read = sum(count for count, _ in by_code.values())
    build.rows_counted = by_code.get(COUNTED, (0, 0))[0]
    build.skipped = [
        Skipped(reason, *by_code[code]) for reason, code in REASON_CODES.items() if code in by_code
    ]


def _sum_per_provider(con: duckdb.DuckDBPyConnection, build: PufBuild) -> None:
    """Each provider's counted work RVUs, under the profile's name of their specialty."""
    printed = dict(con.execute(
        f"""
        SELECT specialty_key, specialty FROM provider_rows WHERE is_name AND specialty_key IN (
            SELECT specialty_key FROM provider_rows WHERE NOT is_name AND reason = {COUNTED}
        )
        ORDER BY specialty
        """
    ).fetchall())  # fmt: skip
    build.not_profile_specialties = [name for name in printed.values() if profile_specialty(name) is None]
    con.execute(
        "CREATE TEMP TABLE specialty_names AS SELECT unnest($keys) AS specialty_key, unnest($names) AS name",
        {"keys": list(printed), "names": [profile_specialty(name) or name for name in printed.values()]},
    )
    # Two spellings of one provider type (Obstetrics/Gynecology, Obstetrics & Gynecology) meet here.
    con.execute(
        f"""
        CREATE TEMP TABLE provider_totals AS
        SELECT provider, n.name AS specialty, sum(work_rvu) AS total
        FROM provider_rows JOIN specialty_names AS n USING (specialty_key)
        WHERE NOT is_name AND reason = {COUNTED}
        GROUP BY ALL
        """
    )
    (build.providers_without_counted_rows,) = con.execute(
        f"""
        SELECT count(DISTINCT provider) FROM provider_rows
        WHERE NOT is_name AND reason <> {REASON_CODES["organisation"]}
            AND provider NOT IN (SELECT provider FROM provider_totals)
        """
    ).fetchone()


def _percentiles(con: duckdb.DuckDBPyConnection, build: PufBuild) -> None:
    """Read only the sorted positions each published specialty's percentiles need."""
    counts = dict(con.execute("SELECT specialty, count(*) FROM provider_totals GROUP BY 1").fetchall())
    published = {name: count for name, count in counts.items() if count >= MIN_PROVIDERS}
    build.unpublished = {name: count for name, count in sorted(counts.items()) if count < MIN_PROVIDERS}
    wanted = [(name, position) for name, count in published.items() for position in positions_needed(count)]
    values_at: dict[str, dict[int, Decimal]] = defaultdict(dict)
    rows = con.execute(
        """
        WITH wanted AS (SELECT unnest($names) AS specialty, unnest($positions) AS position),
        ranked AS (
            SELECT specialty, total,
                row_number() OVER (PARTITION BY specialty ORDER BY total) - 1 AS position
            FROM provider_totals WHERE specialty IN (SELECT specialty FROM wanted)
        )
        SELECT specialty, position, total FROM ranked JOIN wanted USING (specialty, position)
        """,
        {"names": [name for name, _ in wanted], "positions": [position for _, position in wanted]},
    ).fetchall()
    for name, position, total in rows:
        values_at[name][position] = total
    build.published = [
        SpecialtyPercentiles(
            specialty=name,
            provider_count=count,
            percentiles={
                p: interpolated_percentile(values_at[name], count, p) for p in PUBLISHED_PERCENTILES
            },
        )
        for name, count in sorted(published.items())
    ]
