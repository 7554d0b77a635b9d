"""The arithmetic of a comparison, checked against figures worked out by hand."""

import datetime
from decimal import Decimal

import pytest

from benchmarks.pace import annual_pace, standing, target_gap, working_days

POINTS = {
    10: Decimal("2000"),
    25: Decimal("3000"),
    50: Decimal("4000"),
    75: Decimal("5000"),
    90: Decimal("6500"),
}


def weekdays_by_counting(first: datetime.date, last: datetime.date) -> int:
    days = (first + datetime.timedelta(days=n) for n in range((last - first).days + 1))
    return sum(1 for day in days if day.weekday() < 5)


@pytest.mark.parametrize(
    "first, last",
    [
        ("2026-01-01", "2026-12-31"),
        ("2026-03-07", "2026-03-08"),
        ("2026-02-02", "2026-07-15"),
        ("2026-05-05", "2026-05-04"),
    ],
)
def test_working_days_are_mondays_to_fridays(first, last):
    first, last = datetime.date.fromisoformat(first), datetime.date.fromisoformat(last)

    assert working_days(first, last) == (weekdays_by_counting(first, last) if last >= first else 0)


def test_2026_has_261_working_days():
    assert working_days(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)) == 261


def test_the_pace_is_annualised_over_days_worked_and_scaled_to_full_time():
    # 2026-01-01..2026-06-30: 129 weekdays, 9 of them on leave, so 120 worked; the year has 261 - 20.
    pace = annual_pace(
        work_rvu=Decimal("3000"), first=datetime.date(2026, 1, 1), last=datetime.date(2026, 6, 30),
        clinical_fte=Decimal("0.80"), leave_days_so_far=9, leave_days_in_year=20,
    )  # fmt: skip

    assert (pace.days_worked, pace.days_in_year) == (120, 241)
    assert pace.annual == Decimal("6025.00")  # 3000 × 241 / 120
    assert pace.full_time_equivalent == Decimal("7531.25")  # 6025 / 0.80


@pytest.mark.parametrize(
    "value, percentile, position",
    [
        ("4500", "62.5", "between p50 and p75"),  # halfway from 4000 to 5000: 50 + 25 / 2
        ("6000", "85.0", "between p75 and p90"),  # two thirds from 5000 to 6500: 75 + 15 × 2/3
        ("2000", "10.0", "between p10 and p25"),
        ("1500", None, "below p10"),
        ("7000", None, "above p90"),
    ],
)
def test_a_value_is_placed_between_the_published_points(value, percentile, position):
    result = standing(Decimal(value), POINTS)

    assert result.percentile == (Decimal(percentile) if percentile else None)
    assert result.position == position


def test_the_target_gap_says_what_each_remaining_week_needs():
    pace = annual_pace(
        work_rvu=Decimal("3000"), first=datetime.date(2026, 1, 1), last=datetime.date(2026, 6, 30),
        clinical_fte=Decimal("1.00"),
    )  # fmt: skip

    gap = target_gap(target=Decimal("7000"), pace=pace, last=datetime.date(2026, 6, 30))

    # July 1 to December 31, 2026: 132 weekdays = 26.4 weeks; 4000 still needed.
    assert gap.needed_per_week == Decimal("151.52")
    assert gap.projected_shortfall == Decimal("7000") - pace.annual
