"""The column layouts of the Medicare provider-and-service public use file, told apart by the header.

CMS renamed every column in 2021 (Rndrng_NPI for npi, Tot_Srvcs for line_srvc_cnt); the
2012 sample under data/benchmarks/ keeps only a few columns of a state re-release, with the
NPI replaced by a pseudonym. A file's header says which layout it has: only the columns the
build reads are looked for, by name and in any case, wherever they stand.
"""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import BenchmarkFileError

HEADER_MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class Layout:
    name: str
    provider: str
    specialty: str
    code: str
    services: str
    entity: str | None  # "I" individual, "O" organisation; None where the file does not say

    @property
    def columns(self) -> dict[str, str]:
        """The columns the build reads, by the role each plays."""
        roles = {"provider": self.provider, "specialty": self.specialty, "code": self.code}
        roles["services"] = self.services
        if self.entity:
            roles["entity"] = self.entity
        return roles


CURRENT = Layout(
    "CMS layout since 2021 (Rndrng_* columns)",
    provider="Rndrng_NPI",
    specialty="Rndrng_Prvdr_Type",
    code="HCPCS_Cd",
    services="Tot_Srvcs",
    entity="Rndrng_Prvdr_Ent_Cd",
)
CMS_2012 = Layout(
    "CMS layout of the 2012 to 2018 files",
    provider="npi",
    specialty="provider_type",
    code="hcpcs_code",
    services="line_srvc_cnt",
    entity="nppes_entity_code",
)
# The Dallas Morning News split the 2012 file by state and renamed its columns; it dropped
# the entity code, so organisations cannot be told from individuals in it.
STATE_FILES_2012 = Layout(
    "2012 file as re-released by state (no entity column)",
    provider="npi",
    specialty="provider_specialty",
    code="service_billing_code",
    services="num_of_services",
    entity=None,
)
SAMPLE_2012 = Layout(
    "2012 sample of data/benchmarks (pseudonymised, no entity column)",
    provider="provider_id",
    specialty="provider_specialty",
    code="hcpcs_code",
    services="num_of_services",
    entity=None,
)
LAYOUTS = (CURRENT, CMS_2012, STATE_FILES_2012, SAMPLE_2012)


@dataclass(frozen=True)
class SourceFile:
    """A provider-and-service file, its layout, and where each column the build reads stands."""

    path: Path
    layout: Layout
    positions: dict[str, int]  # role -> index of the column in the file
    width: int

    @property
    def name(self) -> str:
        return self.path.name


def inspect_source_file(path: Path) -> SourceFile:
    """Read the header of `path` and pick its layout; raises BenchmarkFileError if none fits."""
    header = _header_cells(path)
    index_of = {cell.strip().lstrip("\ufeff").casefold(): index for index, cell in enumerate(header)}
    for layout in LAYOUTS:
        positions = {role: index_of.get(column.casefold()) for role, column in layout.columns.items()}
        if None not in positions.values():
            return SourceFile(path=path, layout=layout, positions=positions, width=len(header))
    raise _no_layout_error(path.name, set(index_of))


def _header_cells(path: Path) -> list[str]:
    with path.open("rb") as file:
        first_line = file.readline(HEADER_MAX_BYTES)
    if not first_line.strip():
        raise BenchmarkFileError("the file is empty; expected a header line", filename=path.name, line=1)
    try:
        text = first_line.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = first_line.decode("latin-1")  # column names are ASCII; anything else fails below
    return next(csv.reader([text]))


def _no_layout_error(filename: str, header: set[str]) -> BenchmarkFileError:
    """Name the columns missing from the layout the header comes closest to."""

    def missing(layout: Layout) -> list[str]:
        return [column for column in layout.columns.values() if column.casefold() not in header]

    closest = min(LAYOUTS, key=lambda layout: len(missing(layout)))
    absent = missing(closest)
    return BenchmarkFileError(
        f"not a Medicare provider-and-service file in a known layout: the closest, the {closest.name}, "
        f"also needs {', '.join(absent)}",
        filename=filename,
        line=1,
        column=absent[0],
    )


# CMS names the national file for its data year ("..._D23_Prov_Svc.csv" holds 2023); state and
# sample files carry the year itself ("VT_2012_provider_service.csv").
CMS_DATA_YEAR = re.compile(r"_D(\d{2})_", re.IGNORECASE)
PLAIN_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")


def data_year_of(paths: list[Path]) -> int | None:
    """The year of the volumes, when every file name gives the same one."""
    years = set()
    for path in paths:
        if match := CMS_DATA_YEAR.search(path.name):
            years.add(2000 + int(match[1]))
        elif match := PLAIN_YEAR.search(path.name):
            years.add(int(match[1]))
        else:
            return None
    return years.pop() if len(years) == 1 else None
