"""Writes to accounts: profiles, the export and deletion of an account, program
invitations and the trainee's consent. Each state change is audited."""

import csv
import datetime
import io
import json
import logging

from allauth.core import ratelimit
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from logs.models import Case, Leave, ProcedureLog
from logs.plans import CreditPlan, PlanAssignment

from .audit import Action, audit_record
from .models import Profile, Program, ProgramMembership, User

logger = logging.getLogger(__name__)

EXPORT_LOG_FIELDS = [
    "id", "client_id", "performed_on", "code_id", "modifiers", "units", "setting", "note", "case_id",
    "work_rvu", "release__name", "credit_plan_id", "credit_explanation", "created_at", "updated_at",
]  # fmt: skip


def profile_for(user: User) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def profile_update(*, user: User, changes: dict) -> Profile:
    profile = profile_for(user)
    for field, value in changes.items():
        setattr(profile, field, value)
    profile.full_clean()
    profile.save()
    return profile


def account_export(*, user: User, request: HttpRequest) -> dict:
    """Everything RVU Edge holds about the user, as plain data, for them to keep."""
    data = {
        "exported_at": timezone.now().isoformat(),
        "account": {"email": user.email, "date_joined": user.date_joined.isoformat()},
        "profile": _profile_data(profile_for(user)),
        "procedure_logs": list(_export_logs(user)),
        "cases": list(
            Case.objects.filter(user=user).values("id", "client_id", "performed_on", "setting", "note")
        ),
        "credit_plans": list(CreditPlan.objects.filter(owner=user).values()),
        "plan_assignments": list(PlanAssignment.objects.filter(user=user).values("plan_id", "starts_on")),
        "leave": list(Leave.objects.filter(user=user).values("first_day", "last_day", "kind")),
        "program_memberships": list(
            ProgramMembership.objects.filter(trainee=user).values("program__name", "status", "responded_at")
        ),
    }
    audit_record(action=Action.DATA_EXPORTED, actor=user, request=request, format="json")
    # Through Django's encoder: RVUs and money stay exact decimal strings ("19.11"), never floats.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def account_export_csv(*, user: User, request: HttpRequest) -> str:
    """The user's procedure logs, one line each, for a spreadsheet."""
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(EXPORT_LOG_FIELDS)
    for log in _export_logs(user):
        writer.writerow([_csv_cell(log[field]) for field in EXPORT_LOG_FIELDS])
    audit_record(action=Action.DATA_EXPORTED, actor=user, request=request, format="csv")
    return output.getvalue()


def _export_logs(user: User):
    return ProcedureLog.objects.filter(user=user).order_by("performed_on", "id").values(*EXPORT_LOG_FIELDS)


def _profile_data(profile: Profile) -> dict:
    fields = [field for field in Profile._meta.concrete_fields if field.name not in ("id", "user")]
    return {field.name: field.value_from_object(profile) for field in fields}  # a foreign key as its id


def _csv_cell(value) -> str:
    if isinstance(value, list):
        return " ".join(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell starting with = + - @ as a formula.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


class TooManyAttempts(Exception):
    """The password was tried too often; try again later."""


@sensitive_variables("password")
def account_delete(*, user: User, password: str, request: HttpRequest) -> None:
    """Delete the account and everything it owns: logs, cases, plans, profile, memberships,
    and the programs it alone directs (their trainees' consent was to those directors)."""
    _check_password(user, password, request)
    email = user.email
    counts = {
        "procedure_logs": ProcedureLog.objects.filter(user=user).count(),
        "cases": Case.objects.filter(user=user).count(),
    }
    with transaction.atomic():
        audit_record(action=Action.ACCOUNT_DELETED, actor=user, request=request, **counts)
        logout(request)  # while the user still exists: signing out is audited too
        # Logs and assignments point at plans with PROTECT: they go first, then what they protect.
        ProcedureLog.objects.filter(user=user).delete()
        PlanAssignment.objects.filter(user=user).delete()
        Program.objects.annotate(director_count=Count("directors")).filter(
            directors=user, director_count=1
        ).delete()
        user.delete()
    logger.info("Deleted the account of %s with %s", email, counts)


@sensitive_variables("password")
def _check_password(user: User, password: str, request: HttpRequest) -> None:
    """Counted like allauth's re-authentication, so a stolen session cannot guess the password."""
    if not ratelimit.consume(request, action="reauthenticate", user=user):
        raise TooManyAttempts()
    if not user.check_password(password):
        audit_record(
            action=Action.PASSWORD_CHECK_FAILED, actor=user, request=request, to="delete the account"
        )
        raise PermissionDenied("The password is not correct.")


def program_create(*, director: User, name: str, institution: str = "", specialty: str = "") -> Program:
    program = Program.objects.create(name=name, institution=institution, specialty=specialty)
    program.directors.add(director)
    return program


def program_invite(
    *, program: Program, director: User, email: str, request: HttpRequest
) -> ProgramMembership:
    if not program.directors.filter(pk=director.pk).exists():
        raise PermissionDenied("Only a director of this program can invite trainees.")
    email = email.strip().lower()
    try:
        with transaction.atomic():
            membership = ProgramMembership.objects.create(
                program=program, invited_email=email, invited_by=director
            )
    except IntegrityError:  # the database's one-open-invitation rule, also under concurrent requests
        raise ValidationError(f"{email} already has an open invitation to this program.") from None
    audit_record(
        action=Action.INVITATION_SENT,
        actor=director,
        request=request,
        subject_email=email,
        program=program.pk,
    )
    return membership


def membership_accept(*, membership: ProgramMembership, trainee: User, request: HttpRequest) -> None:
    _change_status(membership, trainee, request, to=ProgramMembership.Status.ACTIVE)


def membership_decline(*, membership: ProgramMembership, trainee: User, request: HttpRequest) -> None:
    _change_status(membership, trainee, request, to=ProgramMembership.Status.DECLINED)


def membership_withdraw(*, membership: ProgramMembership, trainee: User, request: HttpRequest) -> None:
    """The trainee stops sharing: the directors lose sight of their totals at once."""
    _change_status(membership, trainee, request, to=ProgramMembership.Status.WITHDRAWN)


# Which status each answer may follow, and how the audit trail names it.
_TRANSITIONS = {
    ProgramMembership.Status.ACTIVE: (ProgramMembership.Status.INVITED, Action.CONSENT_GIVEN),
    ProgramMembership.Status.DECLINED: (ProgramMembership.Status.INVITED, Action.INVITATION_DECLINED),
    ProgramMembership.Status.WITHDRAWN: (ProgramMembership.Status.ACTIVE, Action.CONSENT_WITHDRAWN),
}


@transaction.atomic
def _change_status(membership: ProgramMembership, trainee: User, request: HttpRequest, *, to: str) -> None:
    # Locked, so that two answers sent at once cannot both pass the check below.
    locked = ProgramMembership.objects.select_for_update().get(pk=membership.pk)
    required, action = _TRANSITIONS[to]
    if locked.status != required or (locked.trainee_id not in (None, trainee.pk)):
        raise ValidationError(
            "This invitation has already been answered."
            if required == ProgramMembership.Status.INVITED
            else "Only a program you share your totals with can be withdrawn from."
        )
    locked.trainee = trainee
    locked.status = to
    locked.responded_at = timezone.now()
    locked.save(update_fields=["trainee", "status", "responded_at"])
    audit_record(action=action, actor=trainee, request=request, program=locked.program_id)
