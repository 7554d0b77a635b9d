import datetime
import re
from decimal import Decimal

from django.utils import timezone
from rest_framework import serializers

from codes.selectors import find_code

from .models import Case, Leave, ProcedureLog, ReleaseRepricing
from .plans import CreditPlan, PlanAssignment
from .privacy import looks_like_patient_identifier
from .recompute import repricing_message
from .selectors import TOTAL_GROUPS

CODE_FORMAT = re.compile(r"[0-9A-Z]{5}")
MODIFIER_FORMAT = re.compile(r"[0-9A-Z]{2}")
MAX_MODIFIERS = 4
MAX_UNITS = 99
NOTE_HELP = (
    "Optional short note for your own context, at most 200 characters. Never a patient "
    "identifier: no names, medical record numbers, dates of birth or phone numbers."
)


class OwnedChoicesMixin:
    """Limits related-object fields to the requesting user's own objects.

    `owned_choices` maps a field name to a function of the user returning the
    queryset it may choose from; with no user the field keeps its empty queryset.
    """

    owned_choices: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            for name, choices_for in self.owned_choices.items():
                self.fields[name].queryset = choices_for(request.user)


class ProcedureLogSerializer(OwnedChoicesMixin, serializers.ModelSerializer):
    code = serializers.CharField(max_length=10, help_text="CPT or HCPCS code, e.g. 99213, 27447, G2211.")
    code_description = serializers.CharField(source="code.description", read_only=True)
    modifiers = serializers.ListField(
        child=serializers.CharField(max_length=10),
        max_length=MAX_MODIFIERS,
        required=False,
        default=list,
        help_text="Modifiers such as 26, TC, 53, 50, RT, LT.",
    )
    units = serializers.IntegerField(min_value=1, max_value=MAX_UNITS, required=False, default=1)
    note = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True, help_text=NOTE_HELP
    )
    client_id = serializers.UUIDField(
        required=False,
        format="hex_verbose",
        help_text=(
            "A UUID the client makes when it first writes the log. Posting it again returns the first "
            "log (200) instead of a duplicate; posting it with different content is a 409."
        ),
    )
    release = serializers.CharField(source="release.name", read_only=True)
    case = serializers.PrimaryKeyRelatedField(
        queryset=Case.objects.none(),
        allow_null=True,
        required=False,
        help_text="The case (one session) this line belongs to; moving a line gives it the case's date.",
    )
    credit_plan = serializers.PrimaryKeyRelatedField(read_only=True, help_text="Null: the CMS rules.")

    class Meta:
        model = ProcedureLog
        fields = [
            "id",
            "client_id",
            "case",
            "performed_on",
            "code",
            "code_description",
            "modifiers",
            "units",
            "setting",
            "note",
            "release",
            "credit_plan",
            "work_rvu",
            "credit_explanation",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["work_rvu", "credit_explanation", "created_at", "updated_at"]
        extra_kwargs = {"setting": {"default": ProcedureLog.Setting.FACILITY}}

    owned_choices = {"case": lambda user: Case.objects.filter(user=user)}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["code"] = instance.code_id
        return data

    def validate_code(self, value: str):
        text = value.strip().upper()
        if not CODE_FORMAT.fullmatch(text):
            raise serializers.ValidationError(
                f"{value!r} is not a code: codes are five letters or digits, e.g. 99213, 0591T or G2211."
            )
        code = find_code(text)
        if code is None:
            raise serializers.ValidationError(f"{text} is not in the code catalog.")
        return code

    def validate_modifiers(self, value: list[str]) -> list[str]:
        modifiers = [modifier.strip().upper() for modifier in value]
        for modifier in modifiers:
            if not MODIFIER_FORMAT.fullmatch(modifier):
                raise serializers.ValidationError(f"{modifier!r} is not a two-character modifier.")
        if len(set(modifiers)) != len(modifiers):
            raise serializers.ValidationError("A modifier is listed twice.")
        return modifiers

    def validate_performed_on(self, value: datetime.date) -> datetime.date:
        # One day of grace: a physician west of UTC may already be on "tomorrow" in UTC.
        if value > timezone.localdate() + datetime.timedelta(days=1):
            raise serializers.ValidationError("The date of service is in the future.")
        return value

    def validate_note(self, value: str) -> str:
        if looks_like_patient_identifier(value):
            raise serializers.ValidationError(
                "Notes must not hold patient identifiers; this one looks like it holds a name, a date, "
                "a phone, record or account number, or an address. Remove it and save again."
            )
        return value.strip()

    def validate_client_id(self, value):
        if not isinstance(self.initial_data.get("client_id"), str):
            raise serializers.ValidationError(
                "Must be a UUID string such as 6f1c1d4e-3b8a-4c55-9a51-2f7d0c3e9b10."
            )
        if value.int == 0:
            raise serializers.ValidationError("The nil UUID is not a client id; make a random one (UUID4).")
        if self.instance is not None and value != self.instance.client_id:
            raise serializers.ValidationError("client_id cannot change once a log exists.")
        return value


class LogFilterSerializer(serializers.Serializer):
    code = serializers.CharField(required=False, max_length=10)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False, help_text="First date of service, inclusive.")
        fields["to"] = serializers.DateField(required=False, help_text="Last date of service, inclusive.")
        return fields

    def validate(self, attrs):
        if attrs.get("from") and attrs.get("to") and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError(
                {"from": f"Must not be after 'to' ({attrs['to'].isoformat()})."}
            )
        return attrs


class PeriodQuerySerializer(LogFilterSerializer):
    """`from` and `to`, by default this year to date."""

    code = None

    def get_fields(self):
        fields = super().get_fields()
        fields["from"].help_text = "First day, inclusive. Default: January 1 of the year of `to`."
        fields["to"].help_text = "Last day, inclusive. Default: today."
        return fields

    def validate(self, attrs):
        attrs.setdefault("to", timezone.localdate())
        attrs.setdefault("from", attrs["to"].replace(month=1, day=1))
        return super().validate(attrs)


class TotalsQuerySerializer(PeriodQuerySerializer):
    group = serializers.ChoiceField(choices=TOTAL_GROUPS, default="month")


class SumsSerializer(serializers.Serializer):
    work_rvu = serializers.DecimalField(max_digits=12, decimal_places=2)
    count = serializers.IntegerField(help_text="Number of logs.")
    units = serializers.IntegerField()


class TotalsGroupSerializer(SumsSerializer):
    key = serializers.CharField(help_text="Period start (YYYY-MM-DD; weeks start on Monday) or the code.")
    description = serializers.CharField(required=False, help_text="With group=code only.")


class TotalsSerializer(serializers.Serializer):
    group = serializers.CharField()
    total = SumsSerializer()
    groups = TotalsGroupSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField()
        fields["to"] = serializers.DateField()
        return fields


class CaseLineSerializer(serializers.Serializer):
    """One line of a new case, or of a preview."""

    code = serializers.CharField(max_length=10)
    modifiers = serializers.ListField(
        child=serializers.CharField(max_length=10), max_length=MAX_MODIFIERS, default=list
    )
    units = serializers.IntegerField(min_value=1, max_value=MAX_UNITS, default=1)
    note = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True, help_text=NOTE_HELP
    )
    client_id = serializers.UUIDField(required=False, format="hex_verbose")

    validate_code = ProcedureLogSerializer.validate_code
    validate_modifiers = ProcedureLogSerializer.validate_modifiers
    validate_note = ProcedureLogSerializer.validate_note


class CaseSerializer(serializers.ModelSerializer):
    lines = CaseLineSerializer(many=True, write_only=True, min_length=1, max_length=30)
    setting = serializers.ChoiceField(
        choices=ProcedureLog.Setting.choices, default=ProcedureLog.Setting.FACILITY
    )
    note = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True, help_text=NOTE_HELP
    )
    client_id = serializers.UUIDField(required=False, format="hex_verbose")
    work_rvu = serializers.SerializerMethodField(help_text="Sum of the lines' credited work RVUs.")

    class Meta:
        model = Case
        fields = ["id", "client_id", "performed_on", "setting", "note", "lines", "work_rvu", "created_at"]
        read_only_fields = ["created_at"]

    validate_performed_on = ProcedureLogSerializer.validate_performed_on
    validate_note = ProcedureLogSerializer.validate_note

    def get_work_rvu(self, case: Case) -> str:
        return str(sum((line.work_rvu for line in case.lines.all()), Decimal("0.00")))

    def to_representation(self, instance):
        data = super().to_representation(instance)
        lines = sorted(instance.lines.all(), key=lambda line: line.id)
        data["lines"] = ProcedureLogSerializer(lines, many=True, context=self.context).data
        return data


class PreviewSerializer(OwnedChoicesMixin, serializers.Serializer):
    performed_on = serializers.DateField()
    setting = serializers.ChoiceField(
        choices=ProcedureLog.Setting.choices, default=ProcedureLog.Setting.FACILITY
    )
    lines = CaseLineSerializer(many=True, min_length=1, max_length=30)
    plan = serializers.PrimaryKeyRelatedField(
        queryset=CreditPlan.objects.none(),
        required=False,
        allow_null=True,
        help_text="Default: your plan in force.",
    )

    owned_choices = {"plan": lambda user: CreditPlan.objects.filter(owner=user)}


class PreviewLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    modifiers = serializers.ListField(child=serializers.CharField())
    units = serializers.IntegerField()
    release = serializers.CharField()
    work_rvu = serializers.DecimalField(max_digits=9, decimal_places=2)
    explanation = serializers.CharField()


class PreviewResultSerializer(serializers.Serializer):
    performed_on = serializers.DateField()
    plan = serializers.CharField()
    lines = PreviewLineSerializer(many=True)
    work_rvu = serializers.DecimalField(max_digits=12, decimal_places=2)


class CreditPlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditPlan
        exclude = ["owner"]
        read_only_fields = ["created_at"]

    def validate_credited_status_codes(self, value: str) -> str:
        letters = "".join(sorted(set(value.upper().replace(",", "").replace(" ", ""))))
        if not letters or not letters.isalpha():
            raise serializers.ValidationError("List status letters, e.g. ART or ARTB.")
        return letters


class PlanAssignmentSerializer(OwnedChoicesMixin, serializers.ModelSerializer):
    plan = serializers.PrimaryKeyRelatedField(queryset=CreditPlan.objects.none())

    class Meta:
        model = PlanAssignment
        fields = ["id", "plan", "starts_on", "created_at"]
        read_only_fields = ["created_at"]

    owned_choices = {"plan": lambda user: CreditPlan.objects.filter(owner=user)}


class ReleaseRepricingSerializer(serializers.ModelSerializer):
    release = serializers.CharField(source="release.name")
    previous_release = serializers.CharField(source="previous_release.name", allow_null=True)
    work_rvu_delta = serializers.SerializerMethodField()
    message = serializers.SerializerMethodField()

    class Meta:
        model = ReleaseRepricing
        fields = [
            "release",
            "previous_release",
            "logs",
            "work_rvu_before",
            "work_rvu_after",
            "work_rvu_delta",
            "codes_changed",
            "message",
            "created_at",
        ]

    def get_work_rvu_delta(self, repricing: ReleaseRepricing) -> str:
        return str(repricing.work_rvu_after - repricing.work_rvu_before)

    def get_message(self, repricing: ReleaseRepricing) -> str:
        return repricing_message(repricing)


class LeaveSerializer(serializers.ModelSerializer):
    MAX_DAYS = 366

    class Meta:
        model = Leave
        fields = ["id", "first_day", "last_day", "kind", "created_at"]
        read_only_fields = ["created_at"]

    def validate(self, attrs):
        first_day = attrs.get("first_day", getattr(self.instance, "first_day", None))
        last_day = attrs.get("last_day", getattr(self.instance, "last_day", None))
        if first_day and last_day:
            if last_day < first_day:
                raise serializers.ValidationError({"last_day": "Leave cannot end before its first day."})
            if (last_day - first_day).days >= self.MAX_DAYS:
                raise serializers.ValidationError(
                    {"last_day": f"Log leave of at most {self.MAX_DAYS} days at a time."}
                )
        return attrs
