"""Errors shared by the apps."""


class SourceFileError(Exception):
    """A file we refuse to read, with where the problem is.

    The message names the file and, where known, the line and the column, so an
    admin can open the file and see the problem without reading our code.
    """

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
