from rvuedge.errors import SourceFileError


class BenchmarkFileError(SourceFileError):
    """A benchmark source we refuse, with the file, and line and column where known."""


class BenchmarkSetError(Exception):
    """A set we refuse to write for a reason other than its file: its name taken, nothing to publish."""
