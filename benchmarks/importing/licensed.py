"""Check a licensed benchmark table (MGMA, AMGA, SullivanCotter …) written out as CSV by staff.

The layout is ours, since every survey prints its own: a header line naming the columns, in any
order and case, then one line per specialty (and career stage or region, where the survey has
them). Every problem is reported with the file, line and column, and the whole file is refused.

    specialty,career_stage,region,p10,p25,p50,p75,p90,n
    Cardiology,,,5012.40,6120,7300.5,8800,10400,412
"""

import csv
import difflib
import io
import itertools
import re
from dataclasses import dataclass
from decimal import Decimal

from accounts.specialties import CMS_PROVIDER_SPECIALTIES

from ..specialties import profile_specialty
from .errors import BenchmarkFileError
from .percentiles import PUBLISHED_PERCENTILES

PERCENTILE_COLUMNS = tuple(f"p{percentile}" for percentile in PUBLISHED_PERCENTILES)
REQUIRED_COLUMNS = ("specialty", *PERCENTILE_COLUMNS, "n")
OPTIONAL_COLUMNS = ("career_stage", "region")
MAX_LENGTHS = {"career_stage": 40, "region": 60}  # as BenchmarkPoint stores them
MAX_BYTES = 5 * 1024 * 1024  # a survey table has hundreds of lines, not millions
# Plain decimals to the cent ("7300.5", "6120"): no digit separators, signs or exponents,
# which a spreadsheet may add and which would otherwise be read as something else.
WRVU_PATTERN = re.compile(r"\d{1,8}(?:\.\d{1,2})?", re.ASCII)
COUNT_PATTERN = re.compile(r"\d{1,9}", re.ASCII)


@dataclass(frozen=True)
class LicensedRow:
    line: int
    specialty: str
    career_stage: str
    region: str
    percentiles: dict[int, Decimal]
    provider_count: int


def read_licensed_table(*, filename: str, data: bytes) -> list[LicensedRow]:
    """Every row of the table once every check has passed; raises BenchmarkFileError on the first bad one."""
    reader = csv.reader(io.StringIO(_decoded(filename, data), newline=""))
    rows: list[LicensedRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    try:
        columns = _header(filename, reader)
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            row = _checked_row(filename, reader.line_num, columns, cells)
            key = (row.specialty, row.career_stage, row.region)
            if key in seen:
                raise BenchmarkFileError(
                    f"{' / '.join(filter(None, key))} appears twice (first on line {seen[key]})",
                    filename=filename,
                    line=row.line,
                    column="specialty",
                )
            seen[key] = row.line
            rows.append(row)
    except csv.Error as error:
        raise BenchmarkFileError(f"not readable as CSV: {error}", filename=filename, line=reader.line_num)
    if not rows:
        raise BenchmarkFileError("the file has a header but no rows", filename=filename)
    return rows


def _decoded(filename: str, data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise BenchmarkFileError(f"is larger than {MAX_BYTES // 1024 // 1024} MB", filename=filename)
    if b"\x00" in data:
        raise BenchmarkFileError(
            "holds a NUL byte: is it a spreadsheet rather than CSV? Save it as CSV",
            filename=filename,
            line=data.count(b"\n", 0, data.index(b"\x00")) + 1,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # as Excel saves "CSV" on Windows


def _header(filename: str, reader) -> list[str]:
    for cells in reader:
        if any(cell.strip() for cell in cells):
            break
    else:
        raise BenchmarkFileError("the file is empty; expected a header line", filename=filename, line=1)
    columns = [cell.strip().casefold() for cell in cells]
    for column in columns:
        if column not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
            raise BenchmarkFileError(
                f"unknown column {column!r}; the columns are {', '.join(REQUIRED_COLUMNS)}, and optionally "
                f"{' and '.join(OPTIONAL_COLUMNS)}",
                filename=filename,
                line=reader.line_num,
                column=column,
            )
        if columns.count(column) > 1:
            raise BenchmarkFileError("is named twice", filename=filename, line=reader.line_num, column=column)
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise BenchmarkFileError(
            f"the header lacks {', '.join(missing)}",
            filename=filename,
            line=reader.line_num,
            column=missing[0],
        )
    return columns


def _checked_row(filename: str, line: int, columns: list[str], cells: list[str]) -> LicensedRow:
    if len(cells) != len(columns):
        raise BenchmarkFileError(
            f"expected {len(columns)} fields as in the header, found {len(cells)}",
            filename=filename,
            line=line,
        )
    values = {column: cell.strip() for column, cell in zip(columns, cells, strict=True)}
    checks = {"specialty": _specialty, **dict.fromkeys(PERCENTILE_COLUMNS, _wrvu), "n": _provider_count}
    checks.update({column: _text_up_to(limit) for column, limit in MAX_LENGTHS.items() if column in values})
    converted = {}
    for column, check in checks.items():
        try:
            converted[column] = check(values[column])
        except ValueError as problem:
            raise BenchmarkFileError(str(problem), filename=filename, line=line, column=column) from None
    percentiles = {percentile: converted[f"p{percentile}"] for percentile in PUBLISHED_PERCENTILES}
    for low, high in itertools.pairwise(PUBLISHED_PERCENTILES):
        if percentiles[high] < percentiles[low]:
            raise BenchmarkFileError(
                f"{percentiles[high]} is below p{low} ({percentiles[low]}); percentiles must ascend",
                filename=filename,
                line=line,
                column=f"p{high}",
            )
    return LicensedRow(
        line=line,
        specialty=converted["specialty"],
        career_stage=converted.get("career_stage", ""),
        region=converted.get("region", ""),
        percentiles=percentiles,
        provider_count=converted["n"],
    )


def _specialty(text: str) -> str:
    """The profile's name for the specialty: a comparison finds a physician's benchmark by it."""
    if not text:
        raise ValueError("is empty; name the specialty as CMS names provider types, e.g. Cardiology")
    name = profile_specialty(text)
    if name is None:
        guesses = difflib.get_close_matches(text, CMS_PROVIDER_SPECIALTIES, n=3, cutoff=0.5)
        hint = f" (did you mean {_one_of(guesses)}?)" if guesses else ""
        raise ValueError(f"{text!r} is not a CMS provider type as a profile names it{hint}")
    return name


def _one_of(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _wrvu(text: str) -> Decimal:
    if not WRVU_PATTERN.fullmatch(text):
        raise ValueError(
            f"{text!r} is not an annual wRVU figure: digits with at most two decimals, e.g. 6120.5"
        )
    return Decimal(text)


def _provider_count(text: str) -> int:
    if not COUNT_PATTERN.fullmatch(text) or int(text) == 0:
        raise ValueError(f"{text!r} is not a number of providers (a whole number above 0)")
    return int(text)


def _text_up_to(limit: int):
    def checked(text: str) -> str:
        if len(text) > limit:
            raise ValueError(f"is longer than {limit} characters")
        return text

    return checked
