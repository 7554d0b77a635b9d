"""Turn each shipped format of the PPRRVU file into raw rows keyed by column.

CSV and XLSX share a layout: banner lines (title, copyright, "RELEASED
mm/dd/yyyy"), column names stacked over several rows, then one row per
(code, modifier). The TXT file is fixed-width with `HDR` copyright lines and
no column names at all, so its layout comes from the record layout in the CMS
readme. Readers check structure only; `rows` checks the values.
"""

import csv
import datetime
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter

from rvuedge.errors import SourceFileError

from .columns import COLUMNS, COLUMNS_BY_HEADER, TXT_POSITIONS, TXT_RECORD_LENGTH, normalize_header
from .errors import ReleaseFileError

HEADER_SEARCH_ROWS = 30
CTRL_Z = "\x1a"
NO_BREAK_SPACE = "\xa0"
UNSTORABLE_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
TITLE_PATTERN = re.compile(
    r"(?P<year>\d{4}) National Physician Fee Schedule Relative Value File (?P<month>\w+) Release",
    re.IGNORECASE,
)
OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
RELEASED_PATTERN = re.compile(r"RELEASED\s+(?P<date>\d{1,2}/\d{1,2}/\d{4})", re.IGNORECASE)


@dataclass(slots=True)
class RawRow:
    """One data row as printed, its cells stripped and in the order of `keys`.

    Cells stay a tuple rather than a dict: a national file has 19,000 rows of 32
    columns, and the database import streams them as they are.
    """

    line: int
    keys: tuple[str, ...]
    cells: tuple[str, ...]

    @property
    def values(self) -> dict[str, str]:
        return dict(zip(self.keys, self.cells, strict=True))


@dataclass
class ParsedFile:
    """A release file's header facts, and its rows, read as they are asked for.

    The PostgreSQL import sends rows to the database while it parses later ones
    (`stream_rows`); everything else reads `rows`, which reads the file to its end.
    A damaged row raises ReleaseFileError when it is reached.
    """

    filename: str
    keys: tuple[str, ...]  # the columns each row holds, in order
    has_pricing_indicator: bool
    row_source: Iterator[RawRow] = field(repr=False)
    title: str = ""
    released_on: datetime.date | None = None
    ignored_columns: list[str] = field(default_factory=list)
    _read: list[RawRow] = field(default_factory=list, init=False, repr=False)
    _complete: bool = field(default=False, init=False, repr=False)
    _error: ReleaseFileError | None = field(default=None, init=False, repr=False)

    def stream_rows(self) -> Iterator[RawRow]:
        """Every row, reading the file only as far as the caller has got."""
        yield from list(self._read)
        if self._error is not None:
            raise self._error  # a reader that failed once must not pass for a finished file
        if self._complete:
            return
        try:
            for row in self.row_source:
                self._read.append(row)
                yield row
        except ReleaseFileError as error:
            self._error = error
            raise
        self._complete = True

    def read_to_end(self) -> "ParsedFile":
        if not self._complete:
            for _row in self.stream_rows():
                pass
        return self

    @property
    def rows(self) -> list[RawRow]:
        return self.read_to_end()._read

    @property
    def layout(self) -> str:
        return "with PRIC IND (2026 and later)" if self.has_pricing_indicator else "without PRIC IND (2025)"


def decode_text(filename: str, data: bytes) -> str:
    """CMS text files are ASCII with stray Windows-1252 bytes: RVU26B's TXT writes
    one space in A2044's description as a no-break space (0xA0), read as a space."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    _refuse_nul(filename, data)
    for encoding in ("utf-8", "cp1252", "latin-1"):
        try:
            return data.decode(encoding).replace(NO_BREAK_SPACE, " ")
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")


def _refuse_nul(filename: str, data: bytes) -> None:
    # No CMS text file holds a NUL byte, and PostgreSQL text cannot store one.
    position = data.find(b"\x00")
    if position >= 0:
        raise ReleaseFileError(
            "holds a NUL byte (0x00): the file is damaged or is not a text file",
            filename=filename,
            line=data.count(b"\n", 0, position) + 1,
        )


def _is_blank(cells: list[str]) -> bool:
    return all(not cell.strip() or cell.strip() == CTRL_Z for cell in cells)


def read_table(filename: str, numbered_rows: Iterable[tuple[int, list[str]]]) -> ParsedFile:
    """Read CSV or XLSX rows given as (line number, cells as text)."""
    rows = iter(numbered_rows)
    banner, header_line, header_cells = _read_banner(filename, rows)
    names = _stacked_column_names(banner, header_cells)
    positions, ignored = _map_columns(filename, header_line, names)
    title, released_on = _banner_facts(banner)
    return ParsedFile(
        filename=filename,
        keys=tuple(positions),
        has_pricing_indicator="pricing_indicator" in positions,
        row_source=_table_rows(filename, rows, positions, header_line, len(header_cells)),
        title=title,
        released_on=released_on,
        ignored_columns=ignored,
    )


def _table_rows(
    filename: str,
    rows: Iterator[tuple[int, list[str]]],
    positions: dict[str, int],
    header_line: int,
    width: int,
) -> Iterator[RawRow]:
    keys = tuple(positions)
    cells_in_key_order = itemgetter(*positions.values())
    strip = str.strip  # the loop runs 19,000 times: no attribute lookups in it
    found = False
    for line, cells in rows:
        # A row whose first cell holds something is not blank: the usual row skips both checks.
        if len(cells) != width or cells[0].strip() in ("", CTRL_Z):
            if _is_blank(cells):
                continue
            if len(cells) != width:
                raise ReleaseFileError(
                    f"expected {width} fields as in the header (line {header_line}), found {len(cells)}; "
                    "the file is truncated or its rows do not match its header",
                    filename=filename,
                    line=line,
                )
        found = True
        yield RawRow(line, keys, tuple(map(strip, cells_in_key_order(cells))))
    if not found:
        raise ReleaseFileError("the file has a header but no data rows", filename=filename)


def _read_banner(
    filename: str, rows: Iterator[tuple[int, list[str]]]
) -> tuple[list[tuple[int, list[str]]], int, list[str]]:
    """Consume the lines before the column header; return them with the header row."""
    banner: list[tuple[int, list[str]]] = []
    for line, cells in rows:
        if cells and normalize_header(cells[0]) == "HCPCS":
            return banner, line, cells
        banner.append((line, cells))
        if len(banner) >= HEADER_SEARCH_ROWS:
            break
    raise ReleaseFileError(
        f"no column header in the first {HEADER_SEARCH_ROWS} lines (a PPRRVU file has a row "
        "starting HCPCS, MOD, DESCRIPTION); is this the national relative value file?",
        filename=filename,
    )


def _stacked_column_names(banner: list[tuple[int, list[str]]], header_cells: list[str]) -> list[str]:
    """Join each column's name from the rows above the HCPCS row, top to bottom.

    The name rows are those just above the header whose first three cells are
    empty; title lines ("RELEASED 06/30/2026") write in the third cell.
    """
    stacked: list[list[str]] = []
    for _line, cells in reversed(banner):
        if any(cell.strip() for cell in cells[:3]):
            break
        stacked.insert(0, cells)
    names = []
    for index, bottom in enumerate(header_cells):
        parts = [cells[index] for cells in stacked if index < len(cells)] + [bottom]
        names.append(normalize_header(" ".join(part for part in parts if part.strip())))
    return names


def _map_columns(filename: str, header_line: int, names: list[str]) -> tuple[dict[str, int], list[str]]:
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(names):
        column = COLUMNS_BY_HEADER.get(name)
        if column is None:
            if name:
                ignored.append(name)
            continue
        if column.key in positions:
            raise ReleaseFileError(f"column {name!r} appears twice", filename=filename, line=header_line)
        positions[column.key] = index
    missing = [column.header for column in COLUMNS if column.required and column.key not in positions]
    if missing:
        raise ReleaseFileError(
            f"the header lacks required column(s): {', '.join(missing)}",
            filename=filename,
            line=header_line,
        )
    return positions, ignored


def _banner_facts(banner: list[tuple[int, list[str]]]) -> tuple[str, datetime.date | None]:
    title, released_on = "", None
    for _line, cells in banner:
        for cell in cells:
            if not title and (match := TITLE_PATTERN.search(cell)):
                title = match.group(0)
            if released_on is None and (match := RELEASED_PATTERN.search(cell)):
                released_on = datetime.datetime.strptime(match.group("date"), "%m/%d/%Y").date()
    return title, released_on


def read_csv(filename: str, data: bytes) -> ParsedFile:
    text = decode_text(filename, data)
    reader = csv.reader(io.StringIO(text, newline=""))

    def numbered() -> Iterator[tuple[int, list[str]]]:
        try:
            for cells in reader:
                yield reader.line_num, cells
        except csv.Error as error:
            raise ReleaseFileError(
                f"not a readable CSV: {error}", filename=filename, line=reader.line_num
            ) from None

    return read_table(filename, numbered())


@contextmanager
def open_first_sheet(filename: str, data: bytes, error: type[SourceFileError] = ReleaseFileError):
    """The workbook's first sheet, read-only, closed on leaving; a damaged workbook is refused."""
    import openpyxl  # imported here: only XLSX imports pay for loading it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as problem:  # openpyxl raises many types for a damaged workbook
        raise error(f"not a readable XLSX workbook: {problem}", filename=filename) from None
    try:
        yield workbook.worksheets[0]
    finally:
        workbook.close()


def read_xlsx(filename: str, data: bytes) -> ParsedFile:
    with open_first_sheet(filename, data) as sheet:
        return read_table(filename, _numbered_xlsx_rows(filename, sheet)).read_to_end()  # while open


def _numbered_xlsx_rows(filename: str, sheet) -> Iterator[tuple[int, list[str]]]:
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [_xlsx_cell_text(value) for value in values]
        if UNSTORABLE_CHARACTERS.search("".join(cells)):
            # An escaped _x0000_ or a lone surrogate (_xD800_): text PostgreSQL cannot store,
            # and that no CMS workbook holds.
            raise ReleaseFileError(
                "a cell holds a NUL or a lone surrogate character; the workbook is damaged",
                filename=filename,
                line=number,
            )
        yield number, cells


def _xlsx_cell_text(value: object) -> str:
    """Spreadsheet cells hold numbers; give them back as the text the CSV would hold.

    repr() of a float is the shortest text that reads back as the same float, so
    19.11 stays '19.11' rather than '19.109999999999999'.
    """
    if value is None:
        return ""
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")  # plain notation: 1e-05 would not pass as a CMS number
    # OOXML escapes control characters as _xHHHH_; RVU25A's XLSX ends with a row
    # holding only _x001A_, the Ctrl-Z that ends its CSV and TXT siblings.
    text = OOXML_ESCAPE.sub(lambda match: chr(int(match[1], 16)), str(value))
    return text.replace(NO_BREAK_SPACE, " ")


def read_txt(filename: str, data: bytes) -> ParsedFile:
    records = _txt_records(filename, decode_text(filename, data))
    first = next(records, None)
    if first is None:
        raise ReleaseFileError("no PPRRVU records found (only HDR or blank lines)", filename=filename)
    # 2025 files leave PRIC IND (position 121) blank; 2026 files fill it on every record.
    has_pricing = bool(first[1][120].strip())
    keys = tuple(key for key in TXT_POSITIONS if has_pricing or key != "pricing_indicator")
    return ParsedFile(
        filename=filename,
        keys=keys,
        has_pricing_indicator=has_pricing,
        row_source=_txt_rows(filename, itertools.chain([first], records), keys, has_pricing),
    )


def _txt_records(filename: str, text: str) -> Iterator[tuple[int, str]]:
    """(line number, record) for each data record, checked for length."""
    # split("\n") rather than splitlines(): the latter also breaks on characters
    # such as U+0085 that a Latin-1 description may legitimately hold.
    for number, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.rstrip("\r").replace(CTRL_Z, "")
        if line.startswith("HDR") or not line.strip():
            continue
        if len(line) != TXT_RECORD_LENGTH:
            raise ReleaseFileError(
                f"record is {len(line)} characters long; PPRRVU text records are {TXT_RECORD_LENGTH} "
                "(the file is truncated or is not the national RVU file)",
                filename=filename,
                line=number,
            )
        yield number, line


def _txt_rows(
    filename: str, records: Iterator[tuple[int, str]], keys: tuple[str, ...], has_pricing: bool
) -> Iterator[RawRow]:
    spans = [TXT_POSITIONS[key] for key in keys]
    for number, line in records:
        if bool(line[120].strip()) != has_pricing:
            raise ReleaseFileError(
                "PRIC IND (position 121) is filled on some records and blank on others",
                filename=filename,
                line=number,
                column="PRIC IND",
            )
        yield RawRow(number, keys, tuple(line[start - 1 : end].strip() for start, end in spans))
