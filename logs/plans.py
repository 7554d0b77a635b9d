"""Credit plans: which CMS reductions an employer applies to work RVUs.

The CMS rules are the default. Employers differ (some credit an assistant in
full, some never reduce a second procedure), so a user can pick or edit a plan
from a date on, and each log is credited by the plan in force on its date.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from codes.models import Code

SHARE_RANGE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


def share_field(default: str, help_text: str = "") -> models.DecimalField:
    """A share of the work RVU a plan credits, between 0 and 1."""
    return models.DecimalField(
        max_digits=5, decimal_places=4, validators=SHARE_RANGE, default=Decimal(default), help_text=help_text
    )


class CreditPlan(models.Model):
    class RankingBasis(models.TextChoices):
        WORK_RVU = "work_rvu", "Work RVU"
        TOTAL_RVU = "total_rvu", "Total RVU (Medicare ranks by fee)"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credit_plans", null=True, blank=True
    )
    name = models.CharField(max_length=100)
    apply_multiple_procedure = models.BooleanField(default=True)
    ranking_basis = models.CharField(
        max_length=10, choices=RankingBasis.choices, default=RankingBasis.TOTAL_RVU
    )
    apply_bilateral = models.BooleanField(
        default=True, help_text="Off: both sides of a bilateral procedure earn their full value (×2)."
    )
    apply_assistant = models.BooleanField(default=True, help_text="Off: assistants earn the full work RVU.")
    assistant_share = share_field("0.16")
    non_physician_assistant_share = share_field("0.136")
    apply_co_surgery = models.BooleanField(default=True, help_text="Off: co-surgeons earn the full work RVU.")
    co_surgery_share = share_field("0.625")
    team_surgery_share = share_field(
        "1.00", "Team surgery (66) is paid 'by report'; the plan sets the share (default 100%)."
    )
    reduced_service_share = share_field("0.50", "Modifier 52 (default 50%).")
    discontinued_share = share_field("0.50", "Modifier 53 where the file has no 53 row (default 50%).")
    discontinued_before_anesthesia_share = share_field("0.25", "Modifier 73 (default 25%).")
    discontinued_after_anesthesia_share = share_field("0.50", "Modifier 74 (default 50%).")
    credited_status_codes = models.CharField(
        max_length=20, default="ART", help_text="Status codes whose work RVUs earn credit (CMS pays A, R, T)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def cms_default(cls) -> "CreditPlan":
        """The CMS rules, unsaved: in force whenever a user has chosen no plan."""
        return cls(name="CMS rules (default)")

    def custom_value_for(self, code: str) -> Decimal | None:
        if self.pk is None:
            return None
        return self.custom_values.filter(code_id=code).values_list("work_rvu", flat=True).first()


class PlanCodeValue(models.Model):
    """A work RVU the plan gives a code that the fee schedule does not value."""

    plan = models.ForeignKey(CreditPlan, on_delete=models.CASCADE, related_name="custom_values")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, db_column="code", related_name="+")
    work_rvu = models.DecimalField(max_digits=7, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="one_custom_value_per_code_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.code_id} = {self.work_rvu}"


class PlanAssignment(models.Model):
    """From `starts_on`, the user's logs are credited by `plan` (until their next assignment)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plan_assignments"
    )
    plan = models.ForeignKey(CreditPlan, on_delete=models.PROTECT, related_name="assignments")
    starts_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["user", "starts_on"], name="one_plan_per_user_per_start")
        ]

    def __str__(self) -> str:
        return f"{self.plan} from {self.starts_on.isoformat()}"


def plan_in_force(*, user, day) -> CreditPlan:
    assignment = (
        PlanAssignment.objects.filter(user=user, starts_on__lte=day)
        .select_related("plan")
        .order_by("-starts_on")
    ).first()
    return assignment.plan if assignment else CreditPlan.cms_default()
