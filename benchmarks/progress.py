"""A terminal progress bar for a benchmark build: the share of the files DuckDB has read."""

from tqdm import tqdm


class ReadingProgress:
    """Draws the reading of `total_bytes` on stderr, fed with the share done (0 to 1)."""

    def __init__(self, *, total_bytes: int, enabled: bool = True):
        self.enabled = enabled
        self.total_bytes = total_bytes
        self._bar: tqdm | None = None

    def __enter__(self) -> "ReadingProgress":
        if self.enabled:
            self._bar = tqdm(total=self.total_bytes, desc="reading", unit="B", unit_scale=True, leave=True)
        return self

    def __exit__(self, *exc_info) -> None:
        if self._bar is not None:
            self._bar.close()

    def __call__(self, share: float) -> None:
        if self._bar is not None:
            self._bar.n = round(share * self.total_bytes)
            self._bar.refresh()
