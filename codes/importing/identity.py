"""Work out which CMS release a file is: name (RVU26C), year, quarter, correction.

CMS names releases RVU{yy}{A-D}, with an R for a corrected re-issue (RVU26AR).
The ZIP's name says it outright; a bare file says it through its title line
("2026 National ... File July Release") or its name (PPRRVU2026_Jul_nonQPP.csv,
PPRRVU25_JAN.txt). Where two of these disagree we refuse rather than guess.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ReleaseFileError
from .readers import TITLE_PATTERN

RELEASE_NAME = re.compile(r"RVU(?P<yy>\d{2})(?P<quarter>[A-D])(?P<correction>R)?", re.IGNORECASE)
PPRRVU_FILE_NAME = re.compile(r"PPRRVU(?P<year>\d{4}|\d{2})_?(?P<month>JAN|APR|JUL|OCT)", re.IGNORECASE)
QUARTER_BY_MONTH = {
    "JAN": "A",
    "JANUARY": "A",
    "APR": "B",
    "APRIL": "B",
    "JUL": "C",
    "JULY": "C",
    "OCT": "D",
    "OCTOBER": "D",
}


@dataclass(frozen=True)
class ReleaseIdentity:
    year: int
    quarter: str
    is_correction: bool = False

    @property
    def name(self) -> str:
        return f"RVU{self.year % 100:02d}{self.quarter}{'R' if self.is_correction else ''}"


def parse_release_name(name: str) -> ReleaseIdentity | None:
    match = RELEASE_NAME.search(Path(name).name)
    if not match:
        return None
    return ReleaseIdentity(2000 + int(match["yy"]), match["quarter"].upper(), bool(match["correction"]))


def _from_title(title: str) -> ReleaseIdentity | None:
    match = TITLE_PATTERN.search(title)
    quarter = match and QUARTER_BY_MONTH.get(match["month"].upper())
    return ReleaseIdentity(int(match["year"]), quarter) if quarter else None


def _from_file_name(name: str) -> ReleaseIdentity | None:
    match = PPRRVU_FILE_NAME.search(Path(name).name)
    if not match:
        return None
    year = int(match["year"])
    return ReleaseIdentity(year if year > 99 else 2000 + year, QUARTER_BY_MONTH[match["month"].upper()])


def identify_release(
    *, explicit_name: str | None, container_name: str | None, title: str, file_name: str
) -> ReleaseIdentity:
    if explicit_name:
        identity = parse_release_name(explicit_name)
        if identity is None or identity.name != explicit_name.strip().upper():
            raise ReleaseFileError(
                f"release name {explicit_name!r} is not of the form RVU26C (or RVU26AR for a correction)",
                filename=file_name,
            )
        return identity
    clues = [
        ("the ZIP's name", container_name and parse_release_name(container_name)),
        ("the title line", _from_title(title)),
        ("the file name", _from_file_name(file_name)),
    ]
    found = [(source, identity) for source, identity in clues if identity]
    if not found:
        raise ReleaseFileError(
            "cannot tell which release this is (no RVU name, title line or PPRRVU file name); "
            "give it with --release, e.g. --release RVU26C",
            filename=file_name,
        )
    first_source, first = found[0]
    for source, identity in found[1:]:
        if (identity.year, identity.quarter) != (first.year, first.quarter):
            raise ReleaseFileError(
                f"{first_source} says {first.name} but {source} says {identity.name}; "
                "give the release with --release if the file is right",
                filename=file_name,
            )
    return first
