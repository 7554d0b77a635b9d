"""The percentile arithmetic against the standard library's own type 7 interpolation."""

import statistics
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from benchmarks.importing.percentiles import PUBLISHED_PERCENTILES, interpolated_percentile, positions_needed

totals = st.lists(st.decimals(min_value=0, max_value=100_000, places=5), min_size=2, max_size=60)


@given(totals)
def test_percentiles_match_statistics_quantiles_inclusive(values):
    ordered = sorted(values)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")

    values_at = {position: ordered[position] for position in positions_needed(len(ordered))}

    for percentile in PUBLISHED_PERCENTILES:
        expected = cuts[percentile - 1].quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert interpolated_percentile(values_at, len(ordered), percentile) == expected


def test_the_median_of_an_even_count_lies_halfway():
    values = {1: Decimal("10"), 2: Decimal("20.01")}

    assert interpolated_percentile(values, 4, 50) == Decimal("15.01")  # 15.005 rounds half up
