"""Where a user's pace puts them: the arithmetic behind a benchmark comparison.

Pure functions on Decimals and dates, so each number a comparison shows can be
checked by hand: the pace is annualised over working days (Monday to Friday)
with logged leave taken out, scaled to a full-time post by clinical FTE, and
placed between a benchmark's published percentile points by linear interpolation.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PUBLISHED_PERCENTILES = (10, 25, 50, 75, 90)
WORKING_DAYS_PER_WEEK = 5
CENT = Decimal("0.01")


def working_days(first: datetime.date, last: datetime.date) -> int:
    """Monday-to-Friday days from `first` to `last`, both included (0 if last < first)."""
    if last < first:
        return 0
    days = (last - first).days + 1
    full_weeks, rest = divmod(days, 7)
    extra = sum(1 for offset in range(rest) if (first.weekday() + offset) % 7 < WORKING_DAYS_PER_WEEK)
    return full_weeks * WORKING_DAYS_PER_WEEK + extra


@dataclass(frozen=True)
class Pace:
    work_rvu: Decimal  # credited so far in the period
    days_worked: int  # working days elapsed, less logged leave
    days_in_year: int  # working days in the calendar year, less the year's logged leave
    annual: Decimal  # the year's wRVUs at this pace
    full_time_equivalent: Decimal  # the same pace for a 1.00 clinical FTE


def annual_pace(
    *,
    work_rvu: Decimal,
    first: datetime.date,
    last: datetime.date,
    clinical_fte: Decimal,
    leave_days_so_far: int = 0,
    leave_days_in_year: int = 0,
) -> Pace:
    """Annualise `work_rvu`, earned from `first` to `last`, over the working days of `last`'s year."""
    year_first, year_last = datetime.date(last.year, 1, 1), datetime.date(last.year, 12, 31)
    days_worked = max(working_days(first, last) - leave_days_so_far, 0)
    days_in_year = max(working_days(year_first, year_last) - leave_days_in_year, 1)
    annual = (work_rvu * days_in_year / days_worked) if days_worked else Decimal("0")
    return Pace(
        work_rvu=work_rvu,
        days_worked=days_worked,
        days_in_year=days_in_year,
        annual=annual.quantize(CENT, ROUND_HALF_UP),
        full_time_equivalent=(annual / clinical_fte).quantize(CENT, ROUND_HALF_UP),
    )


@dataclass(frozen=True)
class Standing:
    percentile: Decimal | None  # interpolated, when the value lies within p10..p90
    position: str  # "below p10", "above p90", or "between p25 and p50" and the like


def standing(value: Decimal, points: dict[int, Decimal]) -> Standing:
    """Where `value` falls among a benchmark's points {10: p10, 25: p25, …, 90: p90}."""
    ordered = [(percentile, points[percentile]) for percentile in PUBLISHED_PERCENTILES]
    low_percentile, low_value = ordered[0]
    if value < low_value:
        return Standing(None, "below p10")
    if value > ordered[-1][1]:
        return Standing(None, "above p90")
    for high_percentile, high_value in ordered[1:]:
        if value <= high_value:
            span = high_value - low_value
            share = (value - low_value) / span if span else Decimal("0")
            percentile = low_percentile + share * (high_percentile - low_percentile)
            return Standing(
                percentile.quantize(Decimal("0.1"), ROUND_HALF_UP),
                f"between p{low_percentile} and p{high_percentile}",
            )
        low_percentile, low_value = high_percentile, high_value
    raise AssertionError("unreachable: value is at most p90")


@dataclass(frozen=True)
class TargetGap:
    target: Decimal
    projected_shortfall: Decimal  # target less the annual pace; negative when ahead
    needed_per_week: Decimal  # wRVUs a week, from tomorrow, to reach the target by year end


def target_gap(*, target: Decimal, pace: Pace, last: datetime.date, leave_days_left: int = 0) -> TargetGap:
    remaining_days = max(working_days(last + datetime.timedelta(days=1), datetime.date(last.year, 12, 31))
                         - leave_days_left, 0)  # fmt: skip
    still_needed = max(target - pace.work_rvu, Decimal("0"))
    weeks = Decimal(remaining_days) / WORKING_DAYS_PER_WEEK
    per_week = (still_needed / weeks) if weeks else still_needed
    return TargetGap(
        target=target,
        projected_shortfall=(target - pace.annual).quantize(CENT, ROUND_HALF_UP),
        needed_per_week=per_week.quantize(CENT, ROUND_HALF_UP),
    )
