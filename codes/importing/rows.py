"""Check and convert raw PPRRVU rows into values for `FeeScheduleRow`.

Every problem is reported with the file, line and column it was found at, and
the whole file is refused: an import is all or nothing.
"""

import functools
import re
from decimal import Decimal
from operator import add, itemgetter, sub

from .columns import COLUMNS_BY_KEY
from .errors import ReleaseFileError
from .readers import ParsedFile, RawRow

CODE_PATTERN = re.compile(r"[0-9A-Z]{5}")
MODIFIER_PATTERN = re.compile(r"[0-9A-Z]{2}")
# Plain decimals only, as CMS prints them ("19.11", ".10", "0"): no signs,
# exponents, digit separators or non-ASCII digits, which Python's Decimal would otherwise accept.
DECIMAL_PATTERN = re.compile(r"\d+(?:\.\d*)?|\.\d+", re.ASCII)
# C0 and C1 controls: the latter arrive when undefined Windows-1252 bytes make a file read as Latin-1.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# CMS rounds each component to cents before printing, so a printed total may
# differ from the sum of the printed parts by one cent; more than that is an error.
TOTAL_TOLERANCE = Decimal("0.01")
DECIMAL_PLACES = {"conversion_factor": 4}
GLOBAL_PERIOD_SHARES = ("pre_op", "intra_op", "post_op")


def checked_rows(parsed: ParsedFile) -> list[tuple[str, ...]]:
    """Every row's cells, as text in `parsed.keys` order, once every check has passed; raises
    ReleaseFileError on the first bad one.

    A valid file passes the screening, and its cells stay as printed: the database
    reads "19.11" as it would Decimal("19.11"). Any other file is converted row by
    row, which is ten times slower but names the first problem by line and column.
    """
    if rows_pass_screening(parsed):
        return [raw.cells for raw in parsed.rows]
    in_key_order = itemgetter(*parsed.keys)
    return [tuple(map(str, in_key_order(values))) for values in convert_rows(parsed)]


def rows_pass_screening(parsed: ParsedFile) -> bool:
    """Whether every row surely passes every check of `convert_rows`, tested a column
    at a time with C-level loops (zip, set, map) instead of a Python call per cell.

    Columns repeat their values ("0.00", "090"), so each distinct value, and each
    distinct set of numbers a sum involves, is checked once. It may refuse a file
    the rules accept (the caller then converts row by row), never the other way round.
    """
    columns = dict(zip(parsed.keys, zip(*(raw.cells for raw in parsed.rows), strict=True), strict=True))
    value_of: dict[str, Decimal] = {}
    for key, texts in columns.items():
        column = COLUMNS_BY_KEY[key]
        distinct = set(texts)
        if column.kind == "decimal":
            places = DECIMAL_PLACES.get(key, 2)
            if not all(map(_screen_pattern(places).fullmatch, distinct)):
                return False
            value_of.update((text, Decimal(text)) for text in distinct - value_of.keys())
            if max(map(value_of.__getitem__, distinct)) > Decimal(column.maximum):
                return False
        elif not _text_column_passes(column, distinct):
            return False
    codes_and_modifiers = set(zip(columns["code"], columns["modifier"], strict=True))
    return (
        len(codes_and_modifiers) == len(parsed.rows)
        and len(set(map(value_of.__getitem__, columns["conversion_factor"]))) == 1
        and _totals_add_up(columns, value_of)
        and _global_period_shares_add_up(columns, value_of)
    )


@functools.cache
def _screen_pattern(places: int) -> re.Pattern:
    # A plain decimal with at most `places` significant decimals (trailing zeros are fine).
    return re.compile(rf"(?:\d+(?:\.\d{{0,{places}}}0*)?|\.\d{{1,{places}}}0*)", re.ASCII)


def _text_column_passes(column, texts: set[str]) -> bool:
    if CONTROL_CHARACTERS.search("".join(texts)):
        return False
    if column.kind == "code":
        return all(map(CODE_PATTERN.fullmatch, texts))
    if column.kind == "modifier":
        return all(map(MODIFIER_PATTERN.fullmatch, filter(None, texts)))
    if column.allowed is not None and not texts <= column.allowed:
        return False
    return max(map(len, texts)) <= column.max_length


TOTALS = (
    "work_rvu",
    "mp_rvu",
    "non_facility_pe_rvu",
    "non_facility_total",
    "facility_pe_rvu",
    "facility_total",
)


def _totals_add_up(columns: dict[str, tuple[str, ...]], value_of: dict[str, Decimal]) -> bool:
    combinations = set(zip(*(columns[key] for key in TOTALS), strict=True))
    work, mp, *pairs = (list(map(value_of.__getitem__, texts)) for texts in zip(*combinations, strict=True))
    for practice_expense, total in (pairs[0:2], pairs[2:4]):
        sums = map(add, map(add, work, practice_expense), mp)
        if max(map(abs, map(sub, total, sums))) > TOTAL_TOLERANCE:
            return False
    return True


def _global_period_shares_add_up(columns: dict[str, tuple[str, ...]], value_of: dict[str, Decimal]) -> bool:
    combinations = set(zip(*(columns[key] for key in GLOBAL_PERIOD_SHARES), strict=True))
    pre, intra, post = (list(map(value_of.__getitem__, texts)) for texts in zip(*combinations, strict=True))
    return max(map(add, map(add, pre, intra), post)) <= 1 + TOTAL_TOLERANCE


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
    values.setdefault("pricing_indicator", "")  # absent from 2025 files
    _check_totals(filename, raw.line, values)
    _check_global_period_shares(filename, raw.line, values)
    return values


def _convert_cell(filename: str, line: int, key: str, text: str):
    column = COLUMNS_BY_KEY[key]

    def refuse(problem: str):
        raise ReleaseFileError(problem, filename=filename, line=line, column=column.header)

    if column.kind == "decimal":
        places = DECIMAL_PLACES.get(key, 2)
        return _parse_decimal(text, places=places, maximum=Decimal(column.maximum), refuse=refuse)
    if CONTROL_CHARACTERS.search(text):
        refuse(f"{text!r} holds a control character (a line break or tab inside the field)")
    if column.kind == "code":
        if not CODE_PATTERN.fullmatch(text):
            hint = " (a spreadsheet may have dropped its leading zeros)" if text.isdigit() else ""
            refuse(f"{text!r} is not a five-character HCPCS code{hint}")
        return text
    if column.kind == "modifier":
        if text and not MODIFIER_PATTERN.fullmatch(text):
            refuse(f"{text!r} is not a two-character modifier")
        return text
    if column.allowed is not None and text not in column.allowed:
        listed = ", ".join(repr(value) for value in sorted(column.allowed))
        refuse(f"{text!r} is not a value the CMS record layout defines ({listed})")
    if len(text) > column.max_length:
        refuse(f"{text!r} is longer than {column.max_length} characters")
    return text


def _parse_decimal(text: str, *, places: int, maximum: Decimal, refuse) -> Decimal:
    if not text:
        refuse("is empty; a number is required")
    if not DECIMAL_PATTERN.fullmatch(text):
        refuse(f"{text!r} is not a number")
    value = Decimal(text)
    if value > maximum:
        refuse(f"{text!r} is outside the range 0 to {maximum}")
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


def _check_global_period_shares(filename: str, line: int, values: dict) -> None:
    """PRE, INTRA and POST OP split one global package, so they add up to at most 1."""
    shares = sum(values[key] for key in GLOBAL_PERIOD_SHARES)
    if shares > 1 + TOTAL_TOLERANCE:
        raise ReleaseFileError(
            f"PRE OP + INTRA OP + POST OP = {shares}; the shares of a global package add up to at most 1.00",
            filename=filename,
            line=line,
            column="POST OP",
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
