class BenchmarkFileError(Exception):
    """A benchmark source we refuse, with where the problem is: file, and line and column where known."""

    def __init__(self, message: str, *, filename: str, line: int | None = None, column: str | None = None):
        self.message = message
        self.filename = filename
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.filename]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


class BenchmarkSetError(Exception):
    """A set we refuse to write for a reason other than its file: its name taken, nothing to publish."""
