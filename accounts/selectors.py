"""Reads for accounts: the programs a user belongs to, invitations waiting for them,
and the totals a director may see."""

import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from .models import Program, ProgramMembership, User


def programs_directed_by(user: User) -> QuerySet[Program]:
    return Program.objects.filter(directors=user).prefetch_related("directors")


def invitations_for(user: User) -> QuerySet[ProgramMembership]:
    """Invitations addressed to one of the user's verified emails, and memberships they hold."""
    verified = list(user.emailaddress_set.filter(verified=True).values_list("email", flat=True))
    return ProgramMembership.objects.filter(
        Q(trainee=user) | Q(invited_email__in=[email.lower() for email in verified], trainee__isnull=True)
    ).select_related("program")


def trainee_totals(*, program: Program, date_from: datetime.date, date_to: datetime.date) -> list[dict]:
    """wRVUs, logs and units per trainee who shares totals with the program: no notes, no codes."""
    active = program.memberships.filter(status=ProgramMembership.Status.ACTIVE).select_related(
        "trainee__profile"
    )
    in_period = Q(procedure_logs__performed_on__gte=date_from, procedure_logs__performed_on__lte=date_to)
    sums = {
        row["pk"]: row
        for row in User.objects.filter(pk__in=[m.trainee_id for m in active])
        .values("pk")
        .annotate(
            work_rvu=Sum("procedure_logs__work_rvu", filter=in_period),
            count=Count("procedure_logs", filter=in_period),
            units=Sum("procedure_logs__units", filter=in_period),
        )
    }
    return [_trainee_row(membership, sums.get(membership.trainee_id, {})) for membership in active]


def _trainee_row(membership: ProgramMembership, sums: dict) -> dict:
    profile = getattr(membership.trainee, "profile", None)
    return {
        "membership": membership.pk,
        "email": membership.invited_email,  # the address the director invited, not the trainee's others
        "career_stage": profile.career_stage if profile else "",
        "pgy": profile.pgy if profile else None,
        "work_rvu": sums.get("work_rvu") or Decimal("0.00"),
        "count": sums.get("count") or 0,
        "units": sums.get("units") or 0,
    }
