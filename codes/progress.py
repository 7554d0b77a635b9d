"""A terminal progress bar for long catalog jobs, fed by the services' progress callbacks."""

from tqdm import tqdm

BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} rows [{elapsed}]"


class TerminalProgress:
    """Draws one bar per stage ("reading", "checking", "saving") on stderr."""

    def __init__(self, *, enabled: bool = True):
        self.enabled = enabled
        self._bar: tqdm | None = None
        self._stage = ""

    def __enter__(self) -> "TerminalProgress":
        return self

    def __exit__(self, *exc_info) -> None:
        self._close()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if stage != self._stage:
            self._close()
            self._stage = stage
            # No rate: on PostgreSQL the rows are read, checked and saved in one stream, so a
            # stage may report all its rows at once, and a rate would read as nonsense.
            self._bar = tqdm(total=total, desc=stage.ljust(8), unit="row", leave=True, bar_format=BAR_FORMAT)
        self._bar.total = total
        self._bar.n = done
        self._bar.refresh()

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
