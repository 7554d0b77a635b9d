"""Procedure logs: what a physician did, when, and the wRVUs it earned.

No patient data lives here: a log holds a code, a date of service, modifiers,
units, the setting and an optional short note.
"""

import uuid

from django.conf import settings
from django.db import models

from codes.models import Code, FeeScheduleRow, Release

from .plans import CreditPlan, PlanAssignment, PlanCodeValue  # noqa: F401  (models of this app)


class Setting(models.TextChoices):
    """Where a service was done; it picks the facility or non-facility total RVU."""

    FACILITY = "facility", "Facility"
    NON_FACILITY = "non_facility", "Non-facility"


class Case(models.Model):
    """The procedures of one session (one operation, one encounter).

    The multiple-procedure rule ranks the lines of a case against each other,
    and only them; a log outside any case is credited on its own.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cases")
    client_id = models.UUIDField(
        default=uuid.uuid4, help_text="Made by the client, so a retried upload counts once."
    )
    performed_on = models.DateField(help_text="Date of service of every line.")
    setting = models.CharField(max_length=12, choices=Setting.choices)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-performed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "client_id"], name="one_case_per_client_id_per_user")
        ]

    def __str__(self) -> str:
        return f"case {self.pk} on {self.performed_on:%Y-%m-%d}"


class ProcedureLog(models.Model):
    Setting = Setting  # ProcedureLog.Setting, as callers name it

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="procedure_logs"
    )
    client_id = models.UUIDField(
        default=uuid.uuid4,
        help_text="Made by the client when it first writes the log, so a retried upload counts once.",
    )
    performed_on = models.DateField(help_text="Date of service.")
    code = models.ForeignKey(Code, on_delete=models.PROTECT, db_column="code", related_name="+")
    modifiers = models.JSONField(default=list, blank=True)
    units = models.PositiveSmallIntegerField(default=1)
    setting = models.CharField(max_length=12, choices=Setting.choices, default=Setting.FACILITY)
    note = models.CharField(max_length=200, blank=True)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="lines")

    # What the server credited, from the release in effect on performed_on.
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="+")
    # No database constraint: a recompute rewrites this column on every log it moves, and
    # checking each write costs almost as much as the write. The row always belongs to the
    # log's release (the engine picks both together), and that release is protected.
    fee_schedule_row = models.ForeignKey(
        FeeScheduleRow, on_delete=models.PROTECT, null=True, related_name="+", db_constraint=False
    )
    credit_plan = models.ForeignKey(
        CreditPlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Null: CMS rules.",
    )
    work_rvu = models.DecimalField(max_digits=9, decimal_places=2, help_text="Credited work RVUs.")
    credit_explanation = models.CharField(max_length=1000)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-performed_on", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "client_id"], name="one_log_per_client_id_per_user"),
            models.CheckConstraint(condition=models.Q(units__gte=1), name="log_units_at_least_one"),
        ]
        indexes = [models.Index(fields=["user", "performed_on"], name="log_user_performed_on")]

    def __str__(self) -> str:
        return f"{self.code_id} on {self.performed_on:%Y-%m-%d}"


class ReleaseRepricing(models.Model):
    """What a release's recompute did to one user's logs, for "re-priced under RVU26C: +1.24 wRVU"."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="repricings")
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="+")
    previous_release = models.ForeignKey(Release, on_delete=models.SET_NULL, null=True, related_name="+")
    logs = models.PositiveIntegerField()
    work_rvu_before = models.DecimalField(max_digits=12, decimal_places=2)
    work_rvu_after = models.DecimalField(max_digits=12, decimal_places=2)
    codes_changed = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "release"], name="one_repricing_per_user_release")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} under {self.release_id}"


class RecomputeRun(models.Model):
    """One re-crediting of many logs (after a release or a plan change), split into
    chunks that workers take in parallel; the last chunk done finishes the run."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    plan = models.ForeignKey(CreditPlan, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    logs_total = models.PositiveIntegerField(default=0)
    logs_done = models.PositiveIntegerField(default=0)
    logs_changed = models.PositiveIntegerField(default=0)
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(release__isnull=True) | models.Q(plan__isnull=True),
                name="recompute_run_for_a_release_or_a_plan",
            )
        ]

    def __str__(self) -> str:
        subject = self.release or self.plan
        return f"recompute of {subject} ({self.chunks_done}/{self.chunks_total} chunks)"


class RecomputeChunk(models.Model):
    """The lone logs, or the cases, whose ids lie in [first_id, last_id]."""

    class Kind(models.TextChoices):
        LONE_LOGS = "lone_logs", "Lone logs"
        CASES = "cases", "Cases"

    run = models.ForeignKey(RecomputeRun, on_delete=models.CASCADE, related_name="chunks")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    logs = models.PositiveIntegerField(help_text="Logs it held when the run was planned.")
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.first_id}..{self.last_id}"


class Leave(models.Model):
    """Days a user was, or will be, away from clinical work: a benchmark pace leaves them out.

    Only the kind of leave is kept, never why: "sick" is as far as it goes.
    """

    class Kind(models.TextChoices):
        VACATION = "vacation", "Vacation"
        CONFERENCE = "conference", "Conference or education"
        SICK = "sick", "Sick leave"
        PARENTAL = "parental", "Parental leave"
        OTHER = "other", "Other"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leave")
    first_day = models.DateField()
    last_day = models.DateField(help_text="Included; the same as first_day for one day.")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.VACATION)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-first_day", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")), name="leave_ends_on_or_after_start"
            )
        ]
        indexes = [models.Index(fields=["user", "first_day"], name="leave_user_first_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.first_day:%Y-%m-%d} to {self.last_day:%Y-%m-%d}"
