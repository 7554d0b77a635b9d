"""Reads of procedure logs: filtered lists and wRVU totals."""

import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDay, TruncMonth, TruncWeek, TruncYear

from .models import Leave, ProcedureLog

PERIOD_TRUNCATIONS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth, "year": TruncYear}
TOTAL_GROUPS = (*PERIOD_TRUNCATIONS, "code")
CENT = Decimal("0.01")
ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=12, decimal_places=2))


def procedure_logs_for(
    *,
    user,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    code: str | None = None,
) -> QuerySet[ProcedureLog]:
    logs = ProcedureLog.objects.filter(user=user).select_related("code", "release")
    if date_from:
        logs = logs.filter(performed_on__gte=date_from)
    if date_to:
        logs = logs.filter(performed_on__lte=date_to)
    if code:
        logs = logs.filter(code_id=code.strip().upper())
    return logs


def work_rvu_totals(*, user, date_from: datetime.date, date_to: datetime.date, group: str) -> dict:
    """Sum of credited wRVUs, log count and units, overall and per period or code."""
    logs = procedure_logs_for(user=user, date_from=date_from, date_to=date_to)
    sums = {
        "work_rvu": Coalesce(Sum("work_rvu"), ZERO),
        "count": Count("id"),
        "units": Coalesce(Sum("units"), 0),
    }
    overall = logs.aggregate(**sums)
    if group == "code":
        rows = logs.values("code_id", "code__description").annotate(**sums).order_by("-work_rvu", "code_id")
        groups = [
            {"key": row["code_id"], "description": row["code__description"], **_sums_of(row)} for row in rows
        ]
    else:
        period = PERIOD_TRUNCATIONS[group]("performed_on")
        rows = logs.annotate(period=period).values("period").annotate(**sums).order_by("period")
        groups = [{"key": _as_date(row["period"]).isoformat(), **_sums_of(row)} for row in rows]
    return {"from": date_from, "to": date_to, "group": group, "total": _sums_of(overall), "groups": groups}


def _sums_of(row: dict) -> dict:
    return {"work_rvu": row["work_rvu"], "count": row["count"], "units": row["units"]}


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def leave_weekdays(*, user_ids, first: datetime.date, last: datetime.date) -> dict[int, set[datetime.date]]:
    """Per user, the Monday-to-Friday dates from `first` to `last` that fall in their leave.

    A set, so overlapping leave counts each day once.
    """
    days: dict[int, set[datetime.date]] = {user_id: set() for user_id in user_ids}
    spans = Leave.objects.filter(user_id__in=days, first_day__lte=last, last_day__gte=first)
    # In order of first day, each span is walked only past the days already walked: a pile of
    # overlapping rows (anyone may log leave, peers included) costs one walk of the dates, not one each.
    walked_to: dict[int, datetime.date] = {}
    spans = spans.order_by("user_id", "first_day").values_list("user_id", "first_day", "last_day")
    for user_id, first_day, last_day in spans:
        day, end = max(first_day, first), min(last_day, last)
        if user_id in walked_to:
            day = max(day, walked_to[user_id] + datetime.timedelta(days=1))
            walked_to[user_id] = max(walked_to[user_id], end)
        else:
            walked_to[user_id] = end
        while day <= end:
            if day.weekday() < 5:
                days[user_id].add(day)
            day += datetime.timedelta(days=1)
    return days


def work_rvu_by_user(
    *, user_ids, first: datetime.date, last: datetime.date, only_with_logs: bool = False
) -> dict[int, Decimal]:
    """Credited wRVUs of each user's logs performed from `first` to `last`.

    Users without a log in the period get 0.00, or are left out when `only_with_logs`.
    """
    sums = (
        ProcedureLog.objects.filter(user_id__in=user_ids, performed_on__range=(first, last))
        .values("user_id")
        .annotate(total=Sum("work_rvu"))
        .order_by()
    )
    # Quantized: SQLite sums decimals as floats, which would print as 23.0100000000000.
    found = {row["user_id"]: row["total"].quantize(CENT) for row in sums}
    if only_with_logs:
        return found
    return {user_id: found.get(user_id, Decimal("0.00")) for user_id in user_ids}
