"""Writes to accounts: profiles, the export and deletion of an account, program
invitations and the trainee's consent. Each state change is audited."""

import csv
import datetime
import io
import json
import logging

from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from logs.models import Case, ProcedureLog
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
    fields = [field.name for field in Profile._meta.concrete_fields if field.name not in ("id", "user")]
    return {field: getattr(profile, field) for field in fields}


def _csv_cell(value) -> str:
    if isinstance(value, list):
        return " ".join(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell starting with = + - @ as a formula.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


@transaction.atomic
def account_delete(*, user: User, password: str, request: HttpRequest) -> None:
    """Delete the account and everything it owns: logs, cases, plans, profile, memberships."""
    if not user.check_password(password):
        raise PermissionDenied("The password is not correct.")
    email = user.email
    counts = {
        "procedure_logs": ProcedureLog.objects.filter(user=user).count(),
        "cases": Case.objects.filter(user=user).count(),
    }
    audit_record(action=Action.ACCOUNT_DELETED, actor=user, request=request, **counts)
    logout(request)
    user.delete()
    logger.info("Deleted the account of %s with %s", email, counts)


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
    if ProgramMembership.objects.filter(
        program=program, invited_email=email, status__in=_OPEN_STATUSES
    ).exists():
        raise ValidationError(f"{email} already has an open invitation to this program.")
    membership = ProgramMembership.objects.create(program=program, invited_email=email, invited_by=director)
    audit_record(
        action=Action.INVITATION_SENT,
        actor=director,
        request=request,
        subject_email=email,
        program=program.pk,
    )
    return membership


_OPEN_STATUSES = (ProgramMembership.Status.INVITED, ProgramMembership.Status.ACTIVE)


def membership_accept(*, membership: ProgramMembership, trainee: User, request: HttpRequest) -> None:
    _respond(membership, trainee, ProgramMembership.Status.ACTIVE)
    audit_record(action=Action.CONSENT_GIVEN, actor=trainee, request=request, program=membership.program_id)


def membership_decline(*, membership: ProgramMembership, trainee: User) -> None:
    _respond(membership, trainee, ProgramMembership.Status.DECLINED)


def membership_withdraw(*, membership: ProgramMembership, trainee: User, request: HttpRequest) -> None:
    """The trainee stops sharing: the directors lose sight of their totals at once."""
    if membership.trainee_id != trainee.pk or membership.status != ProgramMembership.Status.ACTIVE:
        raise ValidationError("Only a program you share your totals with can be withdrawn from.")
    membership.status = ProgramMembership.Status.WITHDRAWN
    membership.responded_at = timezone.now()
    membership.save(update_fields=["status", "responded_at"])
    audit_record(
        action=Action.CONSENT_WITHDRAWN, actor=trainee, request=request, program=membership.program_id
    )


def _respond(membership: ProgramMembership, trainee: User, status: str) -> None:
    if membership.status != ProgramMembership.Status.INVITED:
        raise ValidationError("This invitation has already been answered.")
    membership.trainee = trainee
    membership.status = status
    membership.responded_at = timezone.now()
    membership.save(update_fields=["trainee", "status", "responded_at"])
