"""Find the PPRRVU file in what an admin uploads, judging by content, not by name.

An upload is a CMS release ZIP (RVU26A.zip: PPRRVU as CSV, TXT and XLSX plus
GPCI, ANES, OPPSCAP and locality files) or one PPRRVU file on its own. XLSX
files are ZIP archives too, so a ZIP is told apart by what it holds.
"""

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import ReleaseFileError

# A CMS release ZIP holds about 16 members and 11 MB uncompressed; these limits
# leave generous room while refusing archive bombs.
MAX_ZIP_MEMBERS = 200
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
FORMAT_PREFERENCE = (".csv", ".txt", ".xlsx")
PPRRVU_NAME = re.compile(r"PPRRVU", re.IGNORECASE)
# 2026 releases ship two files that differ only in the conversion factor:
# PPRRVU2026_Jan_nonQPP and PPRRVU2026_Jan_QPP (for qualifying APM participants).
QPP_NAME = re.compile(r"(?<!non)QPP", re.IGNORECASE)


@dataclass
class SourceFile:
    name: str
    data: bytes

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()

    def detect_format(self) -> str:
        """'xlsx', 'txt' or 'csv', from the bytes themselves."""
        if self.data.startswith(b"PK\x03\x04"):
            return "xlsx"
        if b"\x00" in self.data[:4096]:
            raise ReleaseFileError(
                "is a binary file, not a CSV, TXT or XLSX relative value file", filename=self.name
            )
        first_line = self.data.lstrip()[:3]
        return "txt" if first_line == b"HDR" else "csv"


@dataclass
class ReleaseUpload:
    """What was handed to us, and the PPRRVU file(s) found in it."""

    original_name: str
    sha256: str
    rvu_file: SourceFile
    qpp_file: SourceFile | None = None

    @property
    def container_name(self) -> str | None:
        return self.original_name if self.original_name != self.rvu_file.name else None


def is_qpp_name(name: str) -> bool:
    return bool(QPP_NAME.search(Path(name).name))


def open_upload(path: Path, *, max_bytes: int) -> ReleaseUpload:
    size = path.stat().st_size
    if size > max_bytes:
        raise ReleaseFileError(f"is {size:,} bytes; the limit is {max_bytes:,}", filename=path.name)
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    if data.startswith(b"PK\x03\x04") and not _is_xlsx(data):
        rvu_file, qpp_file = _pprrvu_members(path.name, data)
        return ReleaseUpload(path.name, sha256, rvu_file, qpp_file)
    if is_qpp_name(path.name):
        raise ReleaseFileError(
            "is the QPP variant, which differs from the non-QPP file only in its conversion factor; "
            "import the non-QPP file or the whole release ZIP",
            filename=path.name,
        )
    return ReleaseUpload(path.name, sha256, SourceFile(path.name, data))


def _is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _pprrvu_members(zip_name: str, data: bytes) -> tuple[SourceFile, SourceFile | None]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise ReleaseFileError(f"is not a readable ZIP archive: {error}", filename=zip_name) from None
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        _check_archive_size(zip_name, members)
        candidates = [info for info in members if PPRRVU_NAME.search(Path(info.filename).name)]
        main = _preferred([info for info in candidates if not is_qpp_name(info.filename)])
        if main is None:
            found = ", ".join(info.filename for info in members) or "nothing"
            raise ReleaseFileError(
                f"holds no national relative value file (PPRRVU*.csv, .txt or .xlsx); it holds: {found}",
                filename=zip_name,
            )
        qpp = _preferred([info for info in candidates if is_qpp_name(info.filename)])
        return _read_member(archive, zip_name, main), qpp and _read_member(archive, zip_name, qpp)


def _check_archive_size(zip_name: str, members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_ZIP_MEMBERS:
        raise ReleaseFileError(f"holds {len(members)} files; a release holds far fewer", filename=zip_name)
    uncompressed = sum(info.file_size for info in members)
    if uncompressed > MAX_UNCOMPRESSED_BYTES:
        raise ReleaseFileError(
            f"would unpack to {uncompressed:,} bytes, too large for a release", filename=zip_name
        )


def _preferred(members: list[zipfile.ZipInfo]) -> zipfile.ZipInfo | None:
    for suffix in FORMAT_PREFERENCE:
        for info in members:
            if info.filename.lower().endswith(suffix):
                return info
    return None


def _read_member(archive: zipfile.ZipFile, zip_name: str, info: zipfile.ZipInfo) -> SourceFile:
    try:
        return SourceFile(f"{zip_name}/{info.filename}", archive.read(info))
    except (zipfile.BadZipFile, OSError) as error:
        raise ReleaseFileError(f"member {info.filename} cannot be read: {error}", filename=zip_name) from None
