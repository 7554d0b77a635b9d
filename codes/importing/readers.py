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
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from .columns import COLUMNS, COLUMNS_BY_HEADER, TXT_POSITIONS, TXT_RECORD_LENGTH, normalize_header
from .errors import ReleaseFileError

HEADER_SEARCH_ROWS = 30
CTRL_Z = "\x1a"
TITLE_PATTERN = re.compile(
    r"(?P<year>\d{4}) National Physician Fee Schedule Relative Value File (?P<month>\w+) Release",
    re.IGNORECASE,
)
OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
RELEASED_PATTERN = re.compile(r"RELEASED\s+(?P<date>\d{1,2}/\d{1,2}/\d{4})", re.IGNORECASE)


@dataclass
class RawRow:
    line: int
    values: dict[str, str]


@dataclass
class ParsedFile:
    filename: str
    rows: list[RawRow]
    has_pricing_indicator: bool
    title: str = ""
    released_on: datetime.date | None = None
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def layout(self) -> str:
        return "with PRIC IND (2026 and later)" if self.has_pricing_indicator else "without PRIC IND (2025)"


def decode_text(data: bytes) -> str:
    """CMS text files are ASCII with stray Windows-1252 bytes (e.g. 0xA0 in RVU26B's TXT)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _is_blank(cells: Iterable[str]) -> bool:
    return all(not cell.strip() or cell.strip() == CTRL_Z for cell in cells)


def read_table(filename: str, numbered_rows: Iterable[tuple[int, list[str]]]) -> ParsedFile:
    """Read CSV or XLSX rows given as (line number, cells as text)."""
    rows = iter(numbered_rows)
    banner, header_line, header_cells = _read_banner(filename, rows)
    names = _stacked_column_names(banner, header_cells)
    positions, ignored = _map_columns(filename, header_line, names)
    title, released_on = _banner_facts(banner)
    parsed = ParsedFile(
        filename=filename,
        rows=[],
        has_pricing_indicator="pricing_indicator" in positions,
        title=title,
        released_on=released_on,
        ignored_columns=ignored,
    )
    width = len(header_cells)
    for line, cells in rows:
        if _is_blank(cells):
            continue
        if len(cells) != width:
            raise ReleaseFileError(
                f"expected {width} fields as in the header (line {header_line}), found {len(cells)}; "
                "the file is truncated or its rows do not match its header",
                filename=filename,
                line=line,
            )
        values = {key: cells[index].strip() for key, index in positions.items()}
        parsed.rows.append(RawRow(line=line, values=values))
    if not parsed.rows:
        raise ReleaseFileError("the file has a header but no data rows", filename=filename)
    return parsed


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
    text = decode_text(data)
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


def read_xlsx(filename: str, data: bytes) -> ParsedFile:
    import openpyxl  # imported here: only XLSX imports pay for loading it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged workbook
        raise ReleaseFileError(f"not a readable XLSX workbook: {error}", filename=filename) from None
    try:
        sheet = workbook.worksheets[0]
        numbered = (
            (number, [_xlsx_cell_text(value) for value in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        )
        return read_table(filename, numbered)
    finally:
        workbook.close()


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
    return OOXML_ESCAPE.sub(lambda match: chr(int(match[1], 16)), str(value))


def read_txt(filename: str, data: bytes) -> ParsedFile:
    text = decode_text(data)
    parsed: ParsedFile | None = None
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
        has_pricing = bool(line[120].strip())
        if parsed is None:
            parsed = ParsedFile(filename=filename, rows=[], has_pricing_indicator=has_pricing)
        elif has_pricing != parsed.has_pricing_indicator:
            raise ReleaseFileError(
                "PRIC IND (position 121) is filled on some records and blank on others",
                filename=filename,
                line=number,
                column="PRIC IND",
            )
        values = {key: line[start - 1 : end].strip() for key, (start, end) in TXT_POSITIONS.items()}
        if not has_pricing:
            del values["pricing_indicator"]
        parsed.rows.append(RawRow(line=number, values=values))
    if parsed is None:
        raise ReleaseFileError("no PPRRVU records found (only HDR or blank lines)", filename=filename)
    return parsed
