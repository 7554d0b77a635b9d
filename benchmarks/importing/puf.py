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
from pathlib import Path

import duckdb

from ..specialties import profile_specialty
from .errors import BenchmarkFileError, BenchmarkSetError
from .layouts import SourceFile
from .percentiles import PUBLISHED_PERCENTILES, interpolated_percentile, positions_needed

logger = logging.getLogger(__name__)

MIN_PROVIDERS = 10  # a specialty with fewer providers is not published
# DuckDB keeps to this and spills the rest to a temporary folder; its CSV buffers come on top.
MEMORY_LIMIT = "96MB"
THREADS = 2
CSV_BUFFER_BYTES = 4_000_000
PROGRESS_INTERVAL_SECONDS = 0.5
# Service counts come with a decimal or two at most ("302.7"); four places keep them exact.
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
REASON_CODES = {reason: code for code, reason in enumerate(SKIP_REASONS, start=1)}  # as the SQL numbers them


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


@dataclass(frozen=True)
class CodeUse:
    """How much one specialty's individual providers billed a code, in the files read."""

    code: str
    specialty: str
    services: Decimal
    providers: int


TOP_SPECIALTIES_PER_CODE = 5


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
    code_uses: list[CodeUse] = field(default_factory=list)  # per code, the specialties billing it most

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

    Raises BenchmarkFileError naming the file and line DuckDB could not read, BenchmarkSetError
    if DuckDB runs out of memory or disk.
    """
    build = PufBuild(release_name=release_name)
    with tempfile.TemporaryDirectory(prefix="rvuedge-benchmarks-") as work, _connect(work) as con:
        try:
            _load_work_rvus(con, work_rvus)
            first_half = (lambda share: progress(share / 2)) if progress else None
            encoding = _sum_rows_per_provider(con, files, first_half)
            _count_rows(con, build)
            _sum_per_provider(con, build)
            _percentiles(con, build)
            second_half = (lambda share: progress(0.5 + share / 2)) if progress else None
            _code_uses(con, files, encoding, build, second_half)
        except duckdb.OutOfMemoryException as error:
            # What spills goes to the temporary folder: a full disk ends here too.
            raise BenchmarkSetError(
                f"DuckDB could not keep within {MEMORY_LIMIT}: {str(error).splitlines()[0]}"
            )
    return build


def _connect(work_directory: str) -> duckdb.DuckDBPyConnection:
    # A database file rather than memory: what does not fit the limit (the per-provider table
    # of a national file is larger) is written out to it instead of failing.
    con = duckdb.connect(
        str(Path(work_directory) / "build.duckdb"),
        config={
            "memory_limit": MEMORY_LIMIT,
            "threads": THREADS,
            "temp_directory": work_directory,
            "preserve_insertion_order": False,
        },
    )
    con.execute("SET enable_progress_bar_print = false")  # the command draws its own bar
    # Without row counts for a CSV read, DuckDB takes the file for the smaller side of the join
    # and would build its hash table from ten million rows: keep the release's codes there.
    con.execute("SET disabled_optimizers = 'build_side_probe_side'")
    return con


def _load_work_rvus(con: duckdb.DuckDBPyConnection, work_rvus: Iterable[WorkRvu]) -> None:
    rows = list(work_rvus)
    con.execute(
        """
        CREATE TABLE work_rvus AS
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
) -> str:
    """The main pass over the files: each row valued or given a reason, summed per provider and reason.

    Returns the encoding the files were read in.
    """
    statement = _provider_rows_statement(files, encoding="utf-8")
    try:
        _execute_reporting_progress(con, statement, files, progress)
        return "utf-8"
    except duckdb.InvalidInputException as error:
        if "not utf-8 encoded" not in str(error):
            raise _file_error(error, files) from None
        # Older CMS files are Windows-1252 in names and addresses; the columns read here are
        # ASCII, so Latin-1 reads them right whatever the rest holds.
        logger.warning("A benchmark source is not UTF-8; reading the files again as Latin-1")
        try:
            _execute_reporting_progress(
                con, _provider_rows_statement(files, encoding="latin-1"), files, progress
            )
        except duckdb.InvalidInputException as again:
            raise _file_error(again, files) from None
        return "latin-1"


def _provider_rows_statement(files: list[SourceFile], *, encoding: str) -> str:
    """Per provider (and provider type): counted rows and their work RVUs, and rows per skip reason.

    One plain GROUP BY, which DuckDB spills to disk beyond its memory limit: a national file has
    a million providers. Reasons are numbered (REASON_CODES) and counted in columns of their own.
    """
    rows = "\nUNION ALL\n".join(_rows_of(source, encoding) for source in files)
    code = REASON_CODES
    skipped = ",\n".join(
        f"count(*) FILTER (WHERE reason = {number}) AS {_skipped_column(reason)}"
        for reason, number in code.items()
    )
    return f"""
        CREATE TABLE provider_rows AS
        WITH source_rows AS ({rows}),
        classified AS (
            SELECT provider, specialty, services * w.work_rvu AS work_rvu,
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
        SELECT provider, specialty,
            count(*) FILTER (WHERE reason = {COUNTED}) AS counted_rows,
            sum(work_rvu) FILTER (WHERE reason = {COUNTED}) AS work_rvu,
            {skipped}
        FROM classified
        GROUP BY provider, specialty
    """


def _skipped_column(reason: str) -> str:
    return f"skipped_{reason}"


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
    con: duckdb.DuckDBPyConnection, statement: str, files: list[SourceFile], progress: ProgressCallback | None
) -> None:
    """Run the pass over the files, telling `progress` how much of them has been read.

    DuckDB's own query_progress() speaks for the first pipeline to finish (the release's codes,
    at once), so the share comes from the bytes this process has read, as Linux counts them.
    """
    total_bytes = sum(source.path.stat().st_size for source in files)
    started_at = _bytes_read()
    if progress is None or started_at is None:
        con.execute(statement)
        return
    finished = threading.Event()

    def report() -> None:
        while not finished.wait(PROGRESS_INTERVAL_SECONDS):
            progress(min(((_bytes_read() or 0) - started_at) / total_bytes, 1.0))

    reporter = threading.Thread(target=report, name="benchmark-progress", daemon=True)
    reporter.start()
    try:
        con.execute(statement)
    finally:
        finished.set()
        reporter.join()
    progress(1.0)


def _bytes_read() -> int | None:
    """Bytes this process has read from files so far (Linux's rchar), or None where it cannot tell."""
    try:
        with open("/proc/self/io") as counters:
            return next(int(line.split()[1]) for line in counters if line.startswith("rchar:"))
    except (OSError, StopIteration, ValueError):
        return None


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
    columns = [_skipped_column(reason) for reason in SKIP_REASONS]
    totals = con.execute(
        "SELECT sum(counted_rows)::BIGINT, "
        + ", ".join(f"sum({column})::BIGINT, count(*) FILTER (WHERE {column} > 0)" for column in columns)
        + " FROM provider_rows"
    ).fetchone()
    build.rows_counted = totals[0] or 0
    rows, providers = totals[1::2], totals[2::2]  # of each reason in turn
    build.skipped = [
        Skipped(reason, count, providers_of)
        for reason, count, providers_of in zip(SKIP_REASONS, rows, providers, strict=True)
        if count
    ]
    build.rows_read = build.rows_counted + sum(item.rows for item in build.skipped)


def _sum_per_provider(con: duckdb.DuckDBPyConnection, build: PufBuild) -> None:
    """Each provider's counted work RVUs, under the profile's name of their specialty."""
    printed = [row[0] for row in con.execute(
        "SELECT DISTINCT specialty FROM provider_rows WHERE counted_rows > 0 ORDER BY 1"
    ).fetchall()]  # fmt: skip
    build.not_profile_specialties = [name for name in printed if profile_specialty(name) is None]
    con.execute(
        "CREATE TABLE specialty_names AS SELECT unnest($printed) AS printed, unnest($names) AS name",
        {"printed": printed, "names": [profile_specialty(name) or name for name in printed]},
    )
    # Two spellings of one provider type (Obstetrics/Gynecology, Obstetrics & Gynecology) meet here.
    con.execute(
        """
        CREATE TABLE provider_totals AS
        SELECT provider, n.name AS specialty, sum(work_rvu) AS total
        FROM provider_rows JOIN specialty_names AS n ON n.printed = provider_rows.specialty
        WHERE counted_rows > 0
        GROUP BY ALL
        """
    )
    (build.providers_without_counted_rows,) = con.execute(
        f"""
        SELECT count(DISTINCT provider) FROM provider_rows
        WHERE counted_rows = 0 AND {_skipped_column("organisation")} = 0
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


def _code_uses(
    con: duckdb.DuckDBPyConnection,
    files: list[SourceFile],
    encoding: str,
    build: PufBuild,
    progress: ProgressCallback | None,
) -> None:
    """A second pass: per code, the specialties whose individual providers billed the most services.

    Every code with a service count is kept, whatever the release says of it, so a code page can
    name the specialties that use even a code with no work RVU. Three statements, each a table:
    DuckDB spills a plain GROUP BY to disk within its memory limit, where one query chaining a
    count(DISTINCT provider) into a window ran out of memory on ten million rows.
    """
    rows = "\nUNION ALL\n".join(_rows_of(source, encoding) for source in files)
    per_provider = f"""
        CREATE TABLE code_provider_services AS
        SELECT code, coalesce(n.name, source_rows.specialty) AS specialty, provider, sum(services) AS services
        FROM ({rows}) AS source_rows LEFT JOIN specialty_names AS n ON n.printed = source_rows.specialty
        WHERE entity = 'I' AND code IS NOT NULL AND provider IS NOT NULL
            AND source_rows.specialty IS NOT NULL AND services > 0
        GROUP BY ALL
    """
    _execute_reporting_progress(con, per_provider, files, progress)
    con.execute(
        """
        CREATE TABLE code_specialty_services AS
        SELECT code, specialty, sum(services) AS services, count(*) AS providers
        FROM code_provider_services GROUP BY ALL
        """
    )
    con.execute("DROP TABLE code_provider_services")
    found = con.execute(
        f"""
        SELECT code, specialty, services, providers FROM code_specialty_services
        QUALIFY row_number() OVER (PARTITION BY code ORDER BY services DESC, specialty)
            <= {TOP_SPECIALTIES_PER_CODE}
        ORDER BY code, services DESC, specialty
        """
    )
    build.code_uses = [CodeUse(*row) for row in found.fetchall()]
