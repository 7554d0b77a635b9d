"""Percentiles as the benchmark sets publish them, in exact decimal arithmetic.

Linear interpolation between order statistics (Hyndman and Fan's type 7, the default of
numpy.percentile and R's quantile, Excel's PERCENTILE.INC, DuckDB's quantile_cont): among n
sorted values x[0..n-1], the p-th percentile sits at position (n - 1) × p / 100, between the
two values around it. Done in Decimal rather than floats so a figure can be checked by hand.
"""

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from ..pace import PUBLISHED_PERCENTILES

CENT = Decimal("0.01")


def percentile_positions(count: int, percentile: int) -> tuple[int, int, Decimal]:
    """The indexes of the two sorted values the percentile lies between, and how far along."""
    lower, remainder = divmod((count - 1) * percentile, 100)
    return lower, lower + (remainder > 0), Decimal(remainder) / 100


def positions_needed(count: int) -> set[int]:
    """Every index of a sorted list of `count` values that the published percentiles read."""
    needed = set()
    for percentile in PUBLISHED_PERCENTILES:
        lower, upper, _ = percentile_positions(count, percentile)
        needed |= {lower, upper}
    return needed


def interpolated_percentile(values_at: Mapping[int, Decimal], count: int, percentile: int) -> Decimal:
    """The percentile of `count` sorted values, given those at the positions it needs, to the cent."""
    lower, upper, fraction = percentile_positions(count, percentile)
    value = values_at[lower] + (values_at[upper] - values_at[lower]) * fraction
    return value.quantize(CENT, ROUND_HALF_UP)
