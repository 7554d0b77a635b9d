import datetime
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from logs.models import Setting

from .specialties import SPECIALTY_CHOICES


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not (extra_fields["is_staff"] and extra_fields["is_superuser"]):
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person using RVU Edge; they sign in with their email address."""

    username = None
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email


def _is_time_zone(name: str) -> None:
    if name not in zoneinfo.available_timezones():
        raise ValidationError(f"{name!r} is not an IANA time zone, such as America/Chicago.")


class Profile(models.Model):
    """What RVU Edge needs to know about a user's work to put their wRVUs in context.

    Every field is optional: a new account works before its profile is filled in.
    """

    class CareerStage(models.TextChoices):
        STUDENT = "student", "Student"
        RESIDENT = "resident", "Resident"
        FELLOW = "fellow", "Fellow"
        ATTENDING = "attending", "Attending"

    class ConversionFactorVariant(models.TextChoices):
        # Since 2026 CMS publishes two conversion factors: one for qualifying APM participants.
        NON_QP = "non_qp", "Non-qualifying APM participant"
        QP = "qp", "Qualifying APM participant (QP)"

    TRAINEE_STAGES = (CareerStage.STUDENT, CareerStage.RESIDENT, CareerStage.FELLOW)
    PGY_STAGES = (CareerStage.RESIDENT, CareerStage.FELLOW)

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    career_stage = models.CharField(max_length=10, choices=CareerStage.choices, blank=True)
    specialty = models.CharField(
        max_length=60, choices=SPECIALTY_CHOICES, blank=True, help_text="As CMS names provider types."
    )
    pgy = models.PositiveSmallIntegerField(
        "PGY",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Post-graduate year, for residents and fellows.",
    )
    clinical_fte = models.DecimalField(
        "clinical FTE",
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.05")), MaxValueValidator(Decimal("1.00"))],
        help_text="The clinical share of a full-time post: 1.00, or 0.60 with 40% research.",
    )
    annual_wrvu_target = models.DecimalField(
        "annual wRVU target", max_digits=8, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )  # fmt: skip
    dollars_per_wrvu = models.DecimalField(
        "$ per wRVU", max_digits=7, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="The rate paid for each wRVU, up to the threshold when there is one.",
    )  # fmt: skip
    tier_threshold_wrvu = models.DecimalField(
        "tier threshold (wRVUs a year)", max_digits=8, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Annual wRVUs above which the second rate applies.",
    )  # fmt: skip
    dollars_per_wrvu_above_threshold = models.DecimalField(
        "$ per wRVU above the threshold", max_digits=7, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )  # fmt: skip
    conversion_factor_variant = models.CharField(
        max_length=6, choices=ConversionFactorVariant.choices, default=ConversionFactorVariant.NON_QP
    )
    default_setting = models.CharField(
        max_length=12, choices=Setting.choices, default=Setting.FACILITY, help_text="Preset on each new log."
    )
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[_is_time_zone], help_text="Decides what 'today' is."
    )
    benchmark_set = models.ForeignKey(
        "benchmarks.BenchmarkSet",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The benchmark set to compare against; blank: the default set.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(tier_threshold_wrvu__isnull=True, dollars_per_wrvu_above_threshold__isnull=True)
                    | models.Q(
                        tier_threshold_wrvu__isnull=False,
                        dollars_per_wrvu_above_threshold__isnull=False,
                        dollars_per_wrvu__isnull=False,
                    )
                ),
                name="profile_tier_threshold_and_rates_together",
            ),
        ]

    def __str__(self) -> str:
        return f"profile of {self.user}"

    @property
    def is_trainee(self) -> bool:
        return self.career_stage in self.TRAINEE_STAGES

    def today(self) -> datetime.date:
        """The date in the user's time zone, which is not the server's."""
        return datetime.datetime.now(zoneinfo.ZoneInfo(self.time_zone)).date()

    def clean(self) -> None:
        if self.pgy is not None and self.career_stage not in (
            self.CareerStage.RESIDENT,
            self.CareerStage.FELLOW,
        ):
            raise ValidationError({"pgy": "Only residents and fellows have a PGY."})
        tier_fields = (self.tier_threshold_wrvu, self.dollars_per_wrvu_above_threshold)
        if any(value is not None for value in tier_fields) and (
            None in tier_fields or self.dollars_per_wrvu is None
        ):
            raise ValidationError(
                "A tier needs the threshold, the rate up to it ($ per wRVU) and the rate above it."
            )


class Program(models.Model):
    """A residency or fellowship program. Its directors see the totals of the trainees
    who accepted their invitation, and nothing else of theirs."""

    name = models.CharField(max_length=120)
    institution = models.CharField(max_length=120, blank=True)
    specialty = models.CharField(max_length=60, choices=SPECIALTY_CHOICES, blank=True)
    directors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="directed_programs")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.institution})" if self.institution else self.name


class ProgramMembership(models.Model):
    """A director's invitation to a trainee, and the trainee's consent to share totals.

    Only an `active` membership lets the program's directors see the trainee's
    totals; the trainee may withdraw at any time, which ends that at once.
    """

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ACTIVE = "active", "Sharing totals"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Consent withdrawn"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="memberships")
    invited_email = models.EmailField(help_text="Whom the director invited; the trainee signs in with it.")
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="program_memberships",
        help_text="Set when the trainee accepts.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVITED)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invited_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-invited_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "invited_email"],
                condition=models.Q(status__in=["invited", "active"]),
                name="one_open_membership_per_program_and_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.invited_email} in {self.program} ({self.status})"


class AuditEvent(models.Model):
    """Who did what, when and from where: sign-ins, imports, plan changes, exports,
    deletions, and reads of someone else's data.

    It never holds a password, a token or the text of a note. The actor's email is
    kept as text so the trail still reads after an account is deleted.
    """

    class Action(models.TextChoices):
        LOGIN = "login", "Signed in"
        LOGIN_FAILED = "login_failed", "Failed sign-in"
        LOGIN_REFUSED = "login_refused", "Sign-in refused: too many failures"
        PASSWORD_CHECK_FAILED = "password_failed", "Wrong password to confirm a change"
        LOGOUT = "logout", "Signed out"
        RELEASE_IMPORTED = "release_imported", "Release imported"
        PLAN_CHANGED = "plan_changed", "Credit plan changed"
        DATA_EXPORTED = "data_exported", "Data exported"
        ACCOUNT_DELETED = "account_deleted", "Account deleted"
        OTHERS_DATA_READ = "others_data_read", "Read someone else's data"
        STAFF_CHANGE = "staff_change", "Staff changed a record in the admin"
        INVITATION_SENT = "invitation_sent", "Program invitation sent"
        CONSENT_GIVEN = "consent_given", "Consent to share totals given"
        CONSENT_WITHDRAWN = "consent_withdrawn", "Consent to share totals withdrawn"
        INVITATION_DECLINED = "invitation_declined", "Program invitation declined"
        BENCHMARK_SET_ADDED = "benchmark_added", "Benchmark set built or imported"
        BENCHMARK_DEFAULT = "benchmark_default", "Default benchmark set changed"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True, help_text="As it was at the time.")
    subject_email = models.CharField(
        max_length=254, blank=True, help_text="Whose data or account it concerned, when not the actor's."
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["actor", "at"], name="audit_actor_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_email or 'anonymous'} {self.action}"
