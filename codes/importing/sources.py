"""Find the PPRRVU file in what an admin uploads, judging by content, not by name.

An upload is a CMS release ZIP (RVU26A.zip: PPRRVU as CSV, TXT and XLSX plus
GPCI, ANES, OPPSCAP and locality files) or one PPRRVU file on its own. XLSX
files are ZIP archives too, so a ZIP is told apart by what it holds.
"""

import hashlib
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from rvuedge.errors import SourceFileError

from .errors import ReleaseFileError

# A CMS release ZIP holds about 16 members and 11 MB uncompressed, its largest
# member (the PPRRVU TXT) about 3.3 MB; an XLSX unpacks to about 20 MB. These
# limits leave generous room while refusing archive bombs before anything is
# decompressed (a member is read into memory, and a reader needs several times
# its size).
MAX_ZIP_MEMBERS = 200
MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
ZIP_READ_ERRORS = (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError, zlib.error)
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
        if self.data.startswith(b"PK"):
            _check_archive(self.name, self.data)
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


def read_upload_bytes(
    path: Path, *, max_bytes: int, name: str, error: type[SourceFileError] = ReleaseFileError
) -> tuple[bytes, str]:
    """The file's bytes and their SHA-256; a file over `max_bytes` is refused before it is read."""
    size = path.stat().st_size
    if size > max_bytes:
        raise error(f"is {size:,} bytes; the limit is {max_bytes:,}", filename=name)
    data = path.read_bytes()
    return data, hashlib.sha256(data).hexdigest()


def is_archive(data: bytes) -> bool:
    """A ZIP of files, as CMS ships a release, and not an XLSX workbook (a ZIP too)."""
    return data.startswith(b"PK") and not _is_xlsx(data)


def open_upload(path: Path, *, max_bytes: int, name: str | None = None) -> ReleaseUpload:
    """Read a release file; `name` is what the user called it, when it was stored under another."""
    name = name or path.name
    data, sha256 = read_upload_bytes(path, max_bytes=max_bytes, name=name)
    if is_archive(data):
        rvu_file, qpp_file = _pprrvu_members(name, data)
        return ReleaseUpload(name, sha256, rvu_file, qpp_file)
    if is_qpp_name(name):
        raise ReleaseFileError(
            "is the QPP variant, which differs from the non-QPP file only in its conversion factor; "
            "import the non-QPP file or the whole release ZIP",
            filename=name,
        )
    return ReleaseUpload(name, sha256, SourceFile(name, data))


def _is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _open_archive(name: str, data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise ReleaseFileError(f"is not a readable ZIP archive: {error}", filename=name) from None


def _pprrvu_members(zip_name: str, data: bytes) -> tuple[SourceFile, SourceFile | None]:
    with _open_archive(zip_name, data) as archive:
        members = _real_members(archive)
        _check_sizes(zip_name, members)
        candidates = [info for info in members if PPRRVU_NAME.search(Path(info.filename).name)]
        main = _preferred(zip_name, [info for info in candidates if not is_qpp_name(info.filename)])
        if main is None:
            found = ", ".join(info.filename for info in members) or "nothing"
            raise ReleaseFileError(
                f"holds no national relative value file (PPRRVU*.csv, .txt or .xlsx); it holds: {found}",
                filename=zip_name,
            )
        qpp = _preferred(zip_name, [info for info in candidates if is_qpp_name(info.filename)])
        return _read_member(archive, zip_name, main), qpp and _read_member(archive, zip_name, qpp)


def _real_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Files, without folders and the __MACOSX/._name shadows a Mac adds when zipping."""
    return [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and not Path(info.filename).name.startswith(".")
    ]


def _check_archive(name: str, data: bytes) -> None:
    with _open_archive(name, data) as archive:
        _check_sizes(name, archive.infolist())


def _check_sizes(name: str, members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_ZIP_MEMBERS:
        raise ReleaseFileError(f"holds {len(members)} files; a release holds far fewer", filename=name)
    for info in members:
        if info.file_size > MAX_MEMBER_BYTES:
            raise ReleaseFileError(
                f"member {info.filename} would unpack to {info.file_size:,} bytes, far more than any "
                f"release file (limit {MAX_MEMBER_BYTES:,})",
                filename=name,
            )
    uncompressed = sum(info.file_size for info in members)
    if uncompressed > MAX_UNCOMPRESSED_BYTES:
        raise ReleaseFileError(
            f"would unpack to {uncompressed:,} bytes, too large for a release", filename=name
        )


def _preferred(zip_name: str, members: list[zipfile.ZipInfo]) -> zipfile.ZipInfo | None:
    """The CSV if there is one, else the TXT, else the XLSX; two of a kind is ambiguous."""
    for suffix in FORMAT_PREFERENCE:
        matching = [info for info in members if info.filename.lower().endswith(suffix)]
        if len(matching) > 1:
            names = ", ".join(info.filename for info in matching)
            raise ReleaseFileError(
                f"holds several PPRRVU{suffix} files ({names}); which one to import?", filename=zip_name
            )
        if matching:
            return matching[0]
    return None


def _read_member(archive: zipfile.ZipFile, zip_name: str, info: zipfile.ZipInfo) -> SourceFile:
    try:
        return SourceFile(f"{zip_name}/{info.filename}", archive.read(info))
    except ZIP_READ_ERRORS as error:
        raise ReleaseFileError(
            f"member {info.filename} cannot be read ({error}); re-download the release from CMS",
            filename=zip_name,
        ) from None


def precheck_upload(name: str, data: bytes, *, max_bytes: int) -> None:
    """Cheap checks before an upload is stored and queued: size, kind of file by its
    bytes, and for archives the number and unpacked size of their members."""
    if len(data) > max_bytes:
        raise ReleaseFileError(f"is {len(data):,} bytes; the limit is {max_bytes:,}", filename=name)
    if not data:
        raise ReleaseFileError("is empty", filename=name)
    if data.startswith(b"PK"):
        _check_archive(name, data)
    elif b"\x00" in data[:4096]:
        raise ReleaseFileError("is neither a ZIP, an XLSX nor a CSV or TXT text file", filename=name)
