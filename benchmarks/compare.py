"""A user's production set against a benchmark set, their own target, and (for trainees) their peers.

The arithmetic lives in `pace`; this module gathers the inputs (credited wRVUs, leave, the
profile) and picks the benchmark point, so that every figure of a comparison can be traced:
each part carries a `method` sentence built from the very numbers it used.
"""

import datetime
import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef

from accounts.models import Profile
from accounts.services import profile_for
from logs.selectors import leave_weekdays, work_rvu_by_user

from .models import PERCENTILE_FIELDS, BenchmarkPoint, BenchmarkSet
from .pace import Pace, Standing, TargetGap, annual_pace, standing, target_gap, working_days
from .selectors import benchmark_set_default
from .specialties import specialty_key

MIN_PEERS = 5


class ComparisonError(ValueError):
    """A period that cannot be compared; the message says why, for the `from`/`to` fields."""


@dataclass(frozen=True)
class Period:
    first: datetime.date
    last: datetime.date  # the last day counted: the requested end, or today if that is sooner
    working_days: int
    leave_days: int

    @property
    def method(self) -> str:
        return (
            f"Monday to Friday from {self.first} to {self.last}: {self.working_days} working days, "
            f"{self.leave_days} of them on logged leave. Public holidays count as working days."
        )


@dataclass(frozen=True)
class BenchmarkStanding:
    benchmark_set: BenchmarkSet
    point: BenchmarkPoint
    compared_pace: Decimal
    standing: Standing

    @property
    def summary(self) -> str:
        where = (
            f"the {ordinal(self.standing.percentile)} percentile"
            if self.standing.percentile is not None
            else self.standing.position
        )
        return f"{where} of {self.point.specialty} in {self.benchmark_set.name}"

    @property
    def method(self) -> str:
        points = ", ".join(f"{name} {getattr(self.point, name)}" for name in PERCENTILE_FIELDS)
        return (
            f"Your full-time-equivalent pace, {self.compared_pace} wRVUs a year, placed among "
            f"{self.point.provider_count} providers' published points ({points}) by straight-line "
            "interpolation between the two points around it; a pace outside p10 to p90 is stated as "
            "below p10 or above p90, never extrapolated."
        )


@dataclass(frozen=True)
class TargetProgress:
    gap: TargetGap
    year_pace: Decimal  # the annual pace from January 1 to the period's end, which the shortfall uses
    work_rvu_year_to_date: Decimal
    working_days_left: int

    @property
    def still_needed(self) -> Decimal:
        return max(self.gap.target - self.work_rvu_year_to_date, Decimal("0.00"))

    @property
    def needed_per_week(self) -> Decimal | None:
        """None when wRVUs are still needed but no working day is left to earn them in."""
        if self.still_needed and not self.working_days_left:
            return None
        return self.gap.needed_per_week

    @property
    def method(self) -> str:
        shortfall = (
            f"Target {self.gap.target} less your annual pace from January 1, {self.year_pace} wRVUs, gives "
            "the projected shortfall (negative when ahead). "
        )
        if self.needed_per_week is None:
            return shortfall + (
                f"No working day is left in the year after leave, so the {self.still_needed} wRVUs still "
                "short of the target cannot be spread over any week."
            )
        return shortfall + (
            f"The target less the {self.work_rvu_year_to_date} wRVUs credited this year, spread over the "
            f"{self.working_days_left} working days left after leave (5 a week), gives the wRVUs a week "
            "still needed."
        )


@dataclass(frozen=True)
class PeerStanding:
    first: datetime.date
    last: datetime.date
    compared_pace: Decimal
    peer_count: int
    median_pace: Decimal
    percent_below_you: int
    cohort: str

    @property
    def method(self) -> str:
        return (
            f"The full-time-equivalent paces of the {self.peer_count} other {self.cohort} on RVU Edge "
            f"who logged from {self.first} to {self.last}, each worked out as yours is ({self.compared_pace} "
            "over the same days). Peers are compared over the whole calendar months of your period only, "
            "so that moving its ends by a day cannot single out one peer's logs. Only these totals are "
            f"shown, and only when at least {MIN_PEERS} peers with a working day off leave contribute; "
            "you are not counted among them."
        )


@dataclass(frozen=True)
class Comparison:
    period: Period
    work_rvu: Decimal
    pace: Pace
    clinical_fte: Decimal
    specialty: str
    benchmark_set: BenchmarkSet | None
    benchmark: BenchmarkStanding | None
    benchmark_unavailable: str
    target: TargetProgress | None
    target_unavailable: str
    peers: PeerStanding | None
    peers_unavailable: str

    @property
    def pace_method(self) -> str:
        pace = self.pace
        return (
            f"{pace.work_rvu} wRVUs over {pace.days_worked} working days worked, times the "
            f"{pace.days_in_year} working days of {self.period.last.year} less that year's logged leave, "
            f"gives {pace.annual} a year; divided by your clinical FTE {self.clinical_fte}, "
            f"{pace.full_time_equivalent} for a full-time post."
        )


def compare_user(
    *,
    user,
    first: datetime.date | None = None,
    last: datetime.date | None = None,
    benchmark_set: BenchmarkSet | None = None,
) -> Comparison:
    """Compare `user` over `first`..`last` (default: this year to date, in their time zone)."""
    profile = profile_for(user)
    first, last = _period_bounds(profile, first, last)
    leave_days = _leave_of_year([profile.user_id], last.year)[profile.user_id]  # read once, used thrice
    pace, period = _pace_of(profile, first, last, leave_days)
    chosen_set = benchmark_set or profile.benchmark_set or benchmark_set_default()
    benchmark, benchmark_unavailable = _benchmark_standing(profile, pace, chosen_set)
    target, target_unavailable = _target_progress(profile, pace, first, last, leave_days)
    peers, peers_unavailable = _peer_standing(profile, first, last, leave_days)
    return Comparison(
        period=period,
        work_rvu=pace.work_rvu,
        pace=pace,
        clinical_fte=profile.clinical_fte,
        specialty=profile.specialty,
        benchmark_set=chosen_set,
        benchmark=benchmark,
        benchmark_unavailable=benchmark_unavailable,
        target=target,
        target_unavailable=target_unavailable,
        peers=peers,
        peers_unavailable=peers_unavailable,
    )


def _period_bounds(profile: Profile, first, last) -> tuple[datetime.date, datetime.date]:
    today = profile.today()
    last = min(last or today, today)  # days still to come have earned nothing yet
    first = first or datetime.date(last.year, 1, 1)
    if first > last:
        raise ComparisonError(f"The period must start on or before {last} (today, or the end you gave).")
    if first.year != last.year:
        raise ComparisonError(
            "A comparison covers one calendar year: make from and to fall in the same year."
        )
    return first, last


def _pace_of(
    profile: Profile, first: datetime.date, last: datetime.date, leave_days: set[datetime.date]
) -> tuple[Pace, Period]:
    user_id = profile.user_id
    work_rvu = work_rvu_by_user(user_ids=[user_id], first=first, last=last)[user_id]
    leave = _leave_split(leave_days, first, last)
    pace = _annual_pace(work_rvu, profile.clinical_fte, first, last, leave)
    return pace, Period(first, last, working_days(first, last), leave.in_period)


@dataclass(frozen=True)
class _LeaveDays:
    in_period: int
    in_year: int
    after_period: int


def _leave_of_year(user_ids, year: int) -> dict[int, set[datetime.date]]:
    """Each user's weekdays on leave in `year`: a pace needs the period's and the whole year's."""
    return leave_weekdays(
        user_ids=user_ids, first=datetime.date(year, 1, 1), last=datetime.date(year, 12, 31)
    )


def _leave_split(days: set[datetime.date], first: datetime.date, last: datetime.date) -> _LeaveDays:
    return _LeaveDays(
        in_period=sum(1 for day in days if first <= day <= last),
        in_year=len(days),
        after_period=sum(1 for day in days if day > last),
    )


def _annual_pace(work_rvu: Decimal, clinical_fte: Decimal, first, last, leave: _LeaveDays) -> Pace:
    return annual_pace(
        work_rvu=work_rvu,
        first=first,
        last=last,
        clinical_fte=clinical_fte,
        leave_days_so_far=leave.in_period,
        leave_days_in_year=leave.in_year,
    )


def _benchmark_standing(
    profile: Profile, pace: Pace, benchmark_set: BenchmarkSet | None
) -> tuple[BenchmarkStanding | None, str]:
    if benchmark_set is None:
        return None, "No benchmark set has been built or imported yet."
    if not profile.specialty:
        return None, "Set your specialty in your profile to be compared with it."
    point = benchmark_point_for(benchmark_set, profile)
    if point is None:
        return None, f"{benchmark_set.name} publishes no figures for {profile.specialty}."
    if not pace.days_worked:
        return None, "No working day of the period has passed yet, so there is no pace to compare."
    points = {int(name[1:]): getattr(point, name) for name in PERCENTILE_FIELDS}
    where = standing(pace.full_time_equivalent, points)
    return BenchmarkStanding(benchmark_set, point, pace.full_time_equivalent, where), ""


def benchmark_point_for(benchmark_set: BenchmarkSet, profile: Profile) -> BenchmarkPoint | None:
    """The set's national point for the profile's specialty: for its career stage if the set has one."""
    wanted = specialty_key(profile.specialty)
    national = [
        point for point in benchmark_set.points.filter(region="") if specialty_key(point.specialty) == wanted
    ]
    stage = profile.get_career_stage_display().casefold() if profile.career_stage else ""
    for point in national:
        if stage and point.career_stage.casefold() == stage:
            return point
    return next((point for point in national if not point.career_stage), None)


def _target_progress(
    profile: Profile, pace: Pace, first: datetime.date, last: datetime.date, leave_days: set[datetime.date]
) -> tuple[TargetProgress | None, str]:
    if profile.annual_wrvu_target is None:
        return None, "Set an annual wRVU target in your profile to see how far you are from it."
    year_first = datetime.date(last.year, 1, 1)
    # The target is for the year: a period starting later is paced from January 1 for it.
    year_pace = pace if first == year_first else _pace_of(profile, year_first, last, leave_days)[0]
    leave = _leave_split(leave_days, year_first, last)
    gap = target_gap(
        target=profile.annual_wrvu_target, pace=year_pace, last=last, leave_days_left=leave.after_period
    )
    days_left = working_days(last + datetime.timedelta(days=1), datetime.date(last.year, 12, 31))
    progress = TargetProgress(
        gap=gap,
        year_pace=year_pace.annual,
        work_rvu_year_to_date=year_pace.work_rvu,
        working_days_left=max(days_left - leave.after_period, 0),
    )
    return progress, ""


def _peer_standing(
    profile: Profile, first: datetime.date, last: datetime.date, leave_days: set[datetime.date]
) -> tuple[PeerStanding | None, str]:
    if not profile.is_trainee:
        return None, "Peer comparison is for students, residents and fellows."
    if not profile.specialty or (profile.career_stage in Profile.PGY_STAGES and profile.pgy is None):
        return None, "Set your specialty (and PGY, for residents and fellows) to be compared with peers."
    months = whole_months(first, last)
    if months is None:
        return None, "Peers are compared over whole calendar months, and your period holds none yet."
    pace, _ = _pace_of(profile, *months, leave_days)
    if not pace.days_worked:
        return None, "You have no working day off leave in these months, so there is no pace to compare."
    peer_paces = _peer_paces(profile, *months)
    if len(peer_paces) < MIN_PEERS:
        return None, f"Fewer than {MIN_PEERS} peers in your specialty and year have logged in this period."
    mine = pace.full_time_equivalent
    return (
        PeerStanding(
            first=months[0],
            last=months[1],
            compared_pace=mine,
            peer_count=len(peer_paces),
            median_pace=statistics.median(peer_paces).quantize(Decimal("1"), ROUND_HALF_UP),
            percent_below_you=percent_below(mine, peer_paces),
            cohort=_cohort_name(profile),
        ),
        "",
    )


def whole_months(first: datetime.date, last: datetime.date) -> tuple[datetime.date, datetime.date] | None:
    """The first and last day of the calendar months lying wholly within first..last, if any.

    Peer figures move only month by month: were they worked out over any days, comparing two
    periods a day apart would give away the logs of a peer who logged on that day alone.
    """
    day = datetime.timedelta(days=1)
    start = first if first.day == 1 else (first.replace(day=28) + 4 * day).replace(day=1)
    end = last if (last + day).day == 1 else last.replace(day=1) - day
    return (start, end) if start <= end else None


def percent_below(mine: Decimal, paces: list[Decimal]) -> int:
    """The share of `paces` below `mine`, ties counting half, in whole percent rounded half up."""
    ties = sum(1 for value in paces if value == mine)
    below = sum(1 for value in paces if value < mine) + Decimal(ties) / 2
    return int((100 * below / len(paces)).quantize(Decimal("1"), ROUND_HALF_UP))


def _peer_paces(profile: Profile, first: datetime.date, last: datetime.date) -> list[Decimal]:
    peers = {
        peer.user_id: peer
        for peer in Profile.objects.filter(
            specialty=profile.specialty,
            career_stage=profile.career_stage,
            pgy=profile.pgy,
            user__is_active=True,
        )
        .exclude(user_id=profile.user_id)
        # Only accounts with a verified address: throwaway sign-ups cannot make up the five
        # peers around one real one and read that peer's pace off the median.
        .filter(Exists(EmailAddress.objects.filter(user_id=OuterRef("user_id"), verified=True)))
    }
    earned = work_rvu_by_user(user_ids=list(peers), first=first, last=last, only_with_logs=True)
    leave = _leave_of_year(list(earned), last.year)
    paces = []
    for user_id, work_rvu in earned.items():
        split = _leave_split(leave[user_id], first, last)
        pace = _annual_pace(work_rvu, peers[user_id].clinical_fte, first, last, split)
        if pace.days_worked:  # on leave throughout: no pace, rather than a pace of 0
            paces.append(pace.full_time_equivalent)
    return paces


def _cohort_name(profile: Profile) -> str:
    stage = profile.get_career_stage_display().casefold()
    year = f" PGY-{profile.pgy}" if profile.pgy else ""
    return f"{profile.specialty}{year} {stage}s"


def ordinal(value: Decimal) -> str:
    """47.3 → '47th'; percentiles are read as whole numbers."""
    whole = int(value.quantize(Decimal("1"), ROUND_HALF_UP))
    suffix = "th" if 10 <= whole % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(whole % 10, "th")
    return f"{whole}{suffix}"
