"""Check and convert raw PPRRVU rows into values for `FeeScheduleRow`.

Every problem is reported with the file, line and column it was found at, and
the whole file is refused: an import is all or nothing.
"""

import re
from decimal import Decimal, InvalidOperation

from .columns import COLUMNS_BY_KEY
from .errors import ReleaseFileError
from .readers import ParsedFile, RawRow

CODE_PATTERN = re.compile(r"[0-9A-Z]{5}")
MODIFIER_PATTERN = re.compile(r"[0-9A-Z]{2}")
STATUS_PATTERN = re.compile(r"[A-Z]")
# CMS rounds each component to cents before printing, so a printed total may
# differ from the sum of the printed parts by one cent; more than that is an error.
TOTAL_TOLERANCE = Decimal("0.01")
DECIMAL_PLACES = {"conversion_factor": 4}
MAX_DECIMAL = Decimal("99999.99")


def convert_rows(parsed: ParsedFile) -> list[dict]:
    """Validated model values for every row; raises ReleaseFileError on the first bad one."""
    seen: dict[tuple[str, str], int] = {}
    converted = []
    for raw in parsed.rows:
        values = convert_row(parsed.filename, raw)
        key = (values["code"], values["modifier"])
        if key in seen:
            raise ReleaseFileError(
                f"{_label(*key)} appears twice (first on line {seen[key]}); each code and modifier "
                "has one row",
                filename=parsed.filename,
                line=raw.line,
            )
        seen[key] = raw.line
        converted.append(values)
    _check_single_conversion_factor(parsed, converted)
    return converted


def convert_row(filename: str, raw: RawRow) -> dict:
    values: dict = {}
    for key, text in raw.values.items():
        values[key] = _convert_cell(filename, raw.line, key, text)
    values.setdefault("pricing_indicator", "")
    _check_totals(filename, raw.line, values)
    return values


def _convert_cell(filename: str, line: int, key: str, text: str):
    column = COLUMNS_BY_KEY[key]

    def refuse(problem: str):
        raise ReleaseFileError(problem, filename=filename, line=line, column=column.header)

    if column.kind == "decimal":
        return _parse_decimal(text, places=DECIMAL_PLACES.get(key, 2), refuse=refuse)
    if column.kind == "code":
        if not CODE_PATTERN.fullmatch(text):
            hint = " (a spreadsheet may have dropped its leading zeros)" if text.isdigit() else ""
            refuse(f"{text!r} is not a five-character HCPCS code{hint}")
        return text
    if column.kind == "modifier":
        if text and not MODIFIER_PATTERN.fullmatch(text):
            refuse(f"{text!r} is not a two-character modifier")
        return text
    if column.kind == "text":
        # RVU26B's TXT writes one space as a Windows-1252 no-break space (A2044).
        text = text.replace("\xa0", " ")
    if key == "status_code" and not STATUS_PATTERN.fullmatch(text):
        refuse(f"{text!r} is not a status code (one letter such as A, R or T)")
    if len(text) > column.max_length:
        refuse(f"{text!r} is longer than {column.max_length} characters")
    return text


def _parse_decimal(text: str, *, places: int, refuse) -> Decimal:
    if not text:
        refuse("is empty; a number is required")
    try:
        value = Decimal(text)
    except InvalidOperation:
        refuse(f"{text!r} is not a number")
    if not value.is_finite() or value < 0 or value > MAX_DECIMAL:
        refuse(f"{text!r} is outside the range 0 to {MAX_DECIMAL}")
    if value != value.quantize(Decimal(1).scaleb(-places)):
        refuse(f"{text!r} has more than {places} decimal places")
    return value.quantize(Decimal(1).scaleb(-places))


def _check_totals(filename: str, line: int, values: dict) -> None:
    checks = (
        ("non_facility_total", "NON-FACILITY TOTAL", values["non_facility_pe_rvu"]),
        ("facility_total", "FACILITY TOTAL", values["facility_pe_rvu"]),
    )
    for key, header, practice_expense in checks:
        expected = values["work_rvu"] + practice_expense + values["mp_rvu"]
        if abs(values[key] - expected) > TOTAL_TOLERANCE:
            raise ReleaseFileError(
                f"{values[key]} does not equal WORK RVU + PE RVU + MP RVU "
                f"({values['work_rvu']} + {practice_expense} + {values['mp_rvu']} = {expected})",
                filename=filename,
                line=line,
                column=header,
            )


def _check_single_conversion_factor(parsed: ParsedFile, converted: list[dict]) -> None:
    first = converted[0]["conversion_factor"]
    for raw, values in zip(parsed.rows, converted, strict=True):
        if values["conversion_factor"] != first:
            raise ReleaseFileError(
                f"{values['conversion_factor']} differs from the {first} on the first row; "
                "a release has one conversion factor",
                filename=parsed.filename,
                line=raw.line,
                column="CONV FACTOR",
            )


def _label(code: str, modifier: str) -> str:
    return f"{code}-{modifier}" if modifier else code
