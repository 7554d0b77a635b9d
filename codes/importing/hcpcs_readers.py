"""Read a CMS alpha-numeric HCPCS file into checked code and modifier entries.

An admin hands us the quarterly ZIP as CMS ships it, or one file from it: the
fixed-width TXT or the XLSX (or a CSV saved from an XLSX). Each reader turns its
shape into records keyed by the XLSX header names; `parse_hcpcs_records` then
checks every value and joins the continuation records, so all shapes of one
file give the same entries. Nothing here writes.
"""

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .hcpcs_layout import (
    ACTION_CODES,
    BETOS,
    CODE,
    CODE_FIRST,
    CODE_MORE,
    CONTINUES,
    COVERAGE_CODES,
    DATE,
    FIELDS,
    MODIFIER,
    MODIFIER_FIRST,
    MULTIPLE_PRICING_INDICATORS,
    PRICING_FIELDS,
    PRICING_INDICATOR,
    PROCESSING_NOTE,
    RECORD_IDS,
    SEQUENCE,
    SHORT_DESCRIPTION_LENGTH,
    TXT_POSITIONS,
    TXT_RECORD_LENGTH,
    TYPE_OF_SERVICE,
    TYPE_OF_SERVICE_FIELDS,
    HcpcsFileError,
    field_label,
)
from .readers import decode_text, open_first_sheet
from .sources import ZIP_READ_ERRORS, SourceFile, _check_sizes, _real_members, is_archive, read_upload_bytes

# The records file inside CMS's ZIP is HCPC2026_JAN_ANWEB_01122026.txt (or .xlsx); the
# ZIP also holds HCPC2026_JAN_ANWEB_Corrections_….xlsx, a transaction report, the
# record layout and processing notes, which the version part keeps out.
RECORDS_FILE_NAME = re.compile(
    r"HCPC(?P<year>\d{4})_(?P<month>JAN|APR|JUL|OCT)_ANWEB(?:_(?P<version>v\d+|\d{8}))?\.(?P<suffix>txt|xlsx|csv)",
    re.IGNORECASE,
)
# january-2026-alpha-numeric-hcpcs-file.zip; annual files were 2020-Alpha-Numeric-HCPCS-File.zip.
ZIP_NAME = re.compile(
    r"(?:(?P<month>january|april|july|october)-)?(?P<year>\d{4})-alpha-numeric-hcpcs", re.IGNORECASE
)
QUARTER_MONTHS = {"JAN": 1, "JANUARY": 1, "APR": 4, "APRIL": 4, "JUL": 7, "JULY": 7, "OCT": 10, "OCTOBER": 10}
CSV_HEADER_START = re.compile(r'"?HCPC"?,', re.IGNORECASE)
MEMBER_PREFERENCE = ("txt", "xlsx", "csv")  # the TXT is what CMS documents field by field
PROGRESS_EVERY = 1000

# Called as progress(stage, done, total) while a file is read.
Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class HcpcsRecord:
    """One record (TXT line, or spreadsheet row) as printed, its cells stripped."""

    line: int
    cells: dict[str, str]


@dataclass
class HcpcsEntryData:
    """A code or a modifier with its details, checked, its long description joined."""

    key: str  # the code (S9381) or the modifier (AS)
    line: int
    long_parts: list[str] = field(repr=False)
    short_description: str
    coverage_code: str
    processing_note: str
    added_on: datetime.date | None
    action_effective_on: datetime.date | None
    terminated_on: datetime.date | None
    action_code: str
    pricing_indicators: str = ""
    multiple_pricing_indicator: str = ""
    betos: str = ""
    type_of_service: str = ""
    last_sequence: int = field(default=0, repr=False)

    @property
    def long_description(self) -> str:
        # The TXT cannot say whether a line break fell on one space or two (the XLSX of
        # January 2026 has two at 15 breaks), so runs of spaces become one in every shape.
        return " ".join(" ".join(self.long_parts).split())

    def details(self) -> dict:
        """What is stored of it, without where it was read: equal for every shape of a file."""
        skipped = ("line", "long_parts", "last_sequence")
        values = {name: value for name, value in vars(self).items() if name not in skipped}
        return {**values, "long_description": self.long_description}


@dataclass
class ParsedHcpcsFile:
    filename: str
    record_count: int
    codes: list[HcpcsEntryData]
    modifiers: list[HcpcsEntryData]


@dataclass(frozen=True)
class HcpcsIdentity:
    year: int
    month: int
    version: str = ""

    @property
    def effective_on(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)


@dataclass
class HcpcsUpload:
    original_name: str
    sha256: str
    records_file: SourceFile

    @property
    def container_name(self) -> str | None:
        return self.original_name if self.original_name != self.records_file.name else None


def open_hcpcs_upload(path: Path, *, max_bytes: int, name: str | None = None) -> HcpcsUpload:
    """Read the file handed to us and find the records file in it (a ZIP's TXT member)."""
    name = name or path.name
    data, sha256 = read_upload_bytes(path, max_bytes=max_bytes, name=name, error=HcpcsFileError)
    if is_archive(data):
        return HcpcsUpload(name, sha256, _records_member(name, data))
    return HcpcsUpload(name, sha256, SourceFile(name, data))


def _records_member(zip_name: str, data: bytes) -> SourceFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise HcpcsFileError(f"is not a readable ZIP archive: {error}", filename=zip_name) from None
    with archive:
        members = _real_members(archive)
        _check_sizes(zip_name, members)
        candidates = [info for info in members if RECORDS_FILE_NAME.fullmatch(Path(info.filename).name)]
        for suffix in MEMBER_PREFERENCE:
            matching = [info for info in candidates if info.filename.lower().endswith(f".{suffix}")]
            if len(matching) > 1:
                names = ", ".join(info.filename for info in matching)
                raise HcpcsFileError(f"holds several HCPCS {suffix} files ({names})", filename=zip_name)
            if matching:
                return _read_member(archive, zip_name, matching[0])
    found = ", ".join(info.filename for info in members) or "nothing"
    raise HcpcsFileError(
        f"holds no HCPCS records file (HCPC2026_JAN_ANWEB_….txt or .xlsx); it holds: {found}",
        filename=zip_name,
    )


def _read_member(archive: zipfile.ZipFile, zip_name: str, info: zipfile.ZipInfo) -> SourceFile:
    try:
        return SourceFile(f"{zip_name}/{info.filename}", archive.read(info))
    except ZIP_READ_ERRORS as error:
        raise HcpcsFileError(f"member {info.filename} cannot be read ({error})", filename=zip_name) from None


def identify_hcpcs_file(*, container_name: str | None, records_name: str) -> HcpcsIdentity | None:
    """The quarter the file is for, from its name and its ZIP's; None if neither says.

    Where the two disagree we refuse rather than guess.
    """
    clues = []
    if match := RECORDS_FILE_NAME.search(Path(records_name).name):
        month = QUARTER_MONTHS[match["month"].upper()]
        clues.append(("the file name", HcpcsIdentity(int(match["year"]), month, match["version"] or "")))
    if container_name and (match := ZIP_NAME.search(Path(container_name).name)):
        month = QUARTER_MONTHS[match["month"].upper()] if match["month"] else 1
        clues.append(("the ZIP's name", HcpcsIdentity(int(match["year"]), month)))
    if not clues:
        return None
    (first_source, first), *others = clues
    for source, identity in others:
        if identity.effective_on != first.effective_on:
            raise HcpcsFileError(
                f"{first_source} says {first.effective_on:%B %Y} but {source} says "
                f"{identity.effective_on:%B %Y}; give --effective-date if the file is right",
                filename=container_name or records_name,
            )
    return first


def read_hcpcs_file(source: SourceFile, *, progress: Progress | None = None) -> ParsedHcpcsFile:
    """Read and check a records file in any of its shapes."""
    report = progress or (lambda stage, done, total: None)
    if source.data.startswith(b"PK"):
        return _read_xlsx(source.name, source.data, report)
    text = decode_text(source.name, source.data)
    total = text.count("\n")
    # The TXT has no header; a CSV saved from the XLSX starts with its header, HCPC first.
    if CSV_HEADER_START.match(text):
        return parse_hcpcs_records(source.name, _csv_records(source.name, text), False, total, report)
    return parse_hcpcs_records(source.name, _txt_records(source.name, text), True, total, report)


def _txt_records(filename: str, text: str) -> Iterator[HcpcsRecord]:
    spans = [(name, first - 1, last) for name, (first, last) in TXT_POSITIONS.items()]
    # split("\n") rather than splitlines(), which also breaks on characters such as U+0085.
    for number, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.rstrip("\r")
        if not line.strip():
            continue  # January 2026 ends with a record of 296 spaces
        if len(line) < TXT_RECORD_LENGTH or line[TXT_RECORD_LENGTH:].strip():
            # Longer lines pass when the excess is blank: January 2026 pads G9871 to 546 characters.
            raise HcpcsFileError(
                f"record is {len(line)} characters long; HCPCS records are {TXT_RECORD_LENGTH} "
                "(the file is cut short, was re-saved without trailing spaces, or is not the HCPCS file)",
                filename=filename,
                line=number,
            )
        yield HcpcsRecord(number, {name: line[start:end].strip() for name, start, end in spans})


def _csv_records(filename: str, text: str) -> Iterator[HcpcsRecord]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from _table_records(filename, ((reader.line_num, cells) for cells in reader))
    except csv.Error as error:
        raise HcpcsFileError(
            f"not a readable CSV: {error}", filename=filename, line=reader.line_num
        ) from None


def _read_xlsx(filename: str, data: bytes, report: Progress) -> ParsedHcpcsFile:
    with open_first_sheet(filename, data, error=HcpcsFileError) as sheet:
        rows = (
            (number, [_xlsx_cell_text(value) for value in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        )
        total = max((sheet.max_row or 1) - 1, 0)
        return parse_hcpcs_records(filename, _table_records(filename, rows), False, total, report)


def _xlsx_cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a date such as 20020101 typed as a number
    return str(value)


def _table_records(filename: str, rows: Iterable[tuple[int, list[str]]]) -> Iterator[HcpcsRecord]:
    """Rows of the XLSX layout: a header naming the columns, then one row per record."""
    rows = iter(rows)
    header_line, header = next(rows, (1, []))
    names = [" ".join(str(cell).split()).upper() for cell in header]
    missing = [name for name in FIELDS if name not in names]
    if missing:
        raise HcpcsFileError(
            f"the header lacks the column(s) {', '.join(missing)}; the first row of a HCPCS "
            "spreadsheet names its 48 columns (HCPC, SEQNUM, RECID, LONG DESCRIPTION, …)",
            filename=filename,
            line=header_line,
        )
    positions = {name: names.index(name) for name in FIELDS}
    needed = max(positions.values()) + 1
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < needed:
            raise HcpcsFileError(
                f"has {len(cells)} fields where the header has {len(names)}; the row is cut short",
                filename=filename,
                line=line,
            )
        yield HcpcsRecord(line, {name: cells[index].strip() for name, index in positions.items()})


def parse_hcpcs_records(
    filename: str, records: Iterable[HcpcsRecord], fixed_width: bool, total: int, report: Progress
) -> ParsedHcpcsFile:
    """Check every record and join each code's continuation records to its first one."""
    checker = _RecordChecker(filename, fixed_width)
    codes: dict[str, HcpcsEntryData] = {}
    modifiers: dict[str, HcpcsEntryData] = {}
    current: HcpcsEntryData | None = None
    count = 0
    for record in records:
        count += 1
        if count % PROGRESS_EVERY == 0:
            report("reading", count, max(total, count))
        record_id = checker.record_id(record)
        if record_id in CONTINUES:
            checker.continue_entry(current, record, record_id)
            continue
        held = codes if record_id == CODE_FIRST else modifiers
        current = checker.first_record(record, record_id)
        if current.key in held:
            raise checker.error(
                record, "HCPC", f"{current.key} is listed twice (first on line {held[current.key].line})"
            )
        held[current.key] = current
    if count == 0:
        raise HcpcsFileError("holds no HCPCS records", filename=filename)
    report("reading", count, count)
    return ParsedHcpcsFile(filename, count, list(codes.values()), list(modifiers.values()))


class _RecordChecker:
    """Checks one file's records, naming the file, line and field of what it refuses."""

    def __init__(self, filename: str, fixed_width: bool):
        self.filename = filename
        self.fixed_width = fixed_width

    def error(self, record: HcpcsRecord, name: str, message: str) -> HcpcsFileError:
        label = field_label(name, fixed_width=self.fixed_width)
        return HcpcsFileError(message, filename=self.filename, line=record.line, column=label)

    def record_id(self, record: HcpcsRecord) -> str:
        value = record.cells["RECID"]
        if value not in RECORD_IDS:
            raise self.error(
                record,
                "RECID",
                f"record id {value!r} is none of 3, 4 (codes) or 7, 8 (modifiers); "
                "the record is misaligned or this is not the HCPCS file",
            )
        return value

    def key(self, record: HcpcsRecord, record_id: str) -> str:
        value = record.cells["HCPC"]
        is_code = record_id in (CODE_FIRST, CODE_MORE)
        pattern, what = (CODE, "a five-character code") if is_code else (MODIFIER, "a two-character modifier")
        if not pattern.fullmatch(value):
            raise self.error(record, "HCPC", f"{value!r} is not {what}")
        return value

    def sequence(self, record: HcpcsRecord) -> int:
        value = record.cells["SEQNUM"]
        if not SEQUENCE.fullmatch(value):
            raise self.error(record, "SEQNUM", f"{value!r} is not a sequence number")
        return int(value)

    def first_record(self, record: HcpcsRecord, record_id: str) -> HcpcsEntryData:
        cells = record.cells
        if not cells["LONG DESCRIPTION"]:
            raise self.error(record, "LONG DESCRIPTION", "is blank")
        if len(cells["SHORT DESCRIPTION"]) > SHORT_DESCRIPTION_LENGTH:
            raise self.error(
                record,
                "SHORT DESCRIPTION",
                f"is {len(cells['SHORT DESCRIPTION'])} characters long; CMS short descriptions "
                f"have at most {SHORT_DESCRIPTION_LENGTH}",
            )
        entry = HcpcsEntryData(
            key=self.key(record, record_id),
            line=record.line,
            long_parts=[cells["LONG DESCRIPTION"]],
            short_description=cells["SHORT DESCRIPTION"],
            coverage_code=self.one_of(record, "COV", COVERAGE_CODES),
            processing_note=self.matching(record, "PROCNOTE", PROCESSING_NOTE, "four digits"),
            added_on=self.date(record, "ADD DT", required=False),
            action_effective_on=self.date(record, "ACT EFF DT", required=False),
            terminated_on=self.date(record, "TERM DT", required=False),
            action_code=self.one_of(record, "ACTION CD", ACTION_CODES),
            last_sequence=self.sequence(record),
        )
        if record_id == CODE_FIRST:
            pricing = [
                self.matching(record, name, PRICING_INDICATOR, "two digits") for name in PRICING_FIELDS
            ]
            services = [
                self.matching(record, name, TYPE_OF_SERVICE, "one letter or digit")
                for name in TYPE_OF_SERVICE_FIELDS
            ]
            entry.pricing_indicators = " ".join(value for value in pricing if value)
            entry.multiple_pricing_indicator = self.one_of(record, "MULT_PI", MULTIPLE_PRICING_INDICATORS)
            entry.betos = self.matching(record, "BETOS", BETOS, "a BETOS code such as Z2 or D1F")
            entry.type_of_service = " ".join(value for value in services if value)
        return entry

    def continue_entry(self, current: HcpcsEntryData | None, record: HcpcsRecord, record_id: str) -> None:
        key = self.key(record, record_id)
        sequence = self.sequence(record)
        first_id = CONTINUES[record_id]
        kind = "code" if first_id == CODE_FIRST else "modifier"
        if current is None or current.key != key or self._kind_of(current) != first_id:
            raise self.error(
                record,
                "RECID",
                f"continues the long description of {kind} {key}, but does not follow its first "
                f"record (record id {first_id})",
            )
        if sequence <= current.last_sequence:
            raise self.error(record, "SEQNUM", f"{sequence} does not follow {current.last_sequence}")
        current.last_sequence = sequence
        current.long_parts.append(record.cells["LONG DESCRIPTION"])

    @staticmethod
    def _kind_of(entry: HcpcsEntryData) -> str:
        return MODIFIER_FIRST if len(entry.key) == 2 else CODE_FIRST

    def one_of(self, record: HcpcsRecord, name: str, allowed: frozenset[str]) -> str:
        value = record.cells[name]
        if value and value not in allowed:
            listed = ", ".join(sorted(allowed))
            raise self.error(record, name, f"{value!r} is not a value the record layout defines ({listed})")
        return value

    def matching(self, record: HcpcsRecord, name: str, pattern: re.Pattern, what: str) -> str:
        value = record.cells[name]
        if value and not pattern.fullmatch(value):
            raise self.error(record, name, f"{value!r} is not {what}")
        return value

    def date(self, record: HcpcsRecord, name: str, *, required: bool) -> datetime.date | None:
        value = record.cells[name]
        if not value and not required:
            return None
        try:
            if not DATE.fullmatch(value):
                raise ValueError(value)
            return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            shown = repr(value) if value else "blank"
            raise self.error(record, name, f"{shown} is not a date (YYYYMMDD)") from None
