import datetime
import re

from django.utils import timezone
from rest_framework import serializers

from codes.selectors import find_code

from .models import ProcedureLog
from .selectors import TOTAL_GROUPS

CODE_FORMAT = re.compile(r"[0-9A-Z]{5}")
MODIFIER_FORMAT = re.compile(r"[0-9A-Z]{2}")
MAX_MODIFIERS = 4
MAX_UNITS = 99
# Notes are for the physician's own context ("left knee", "revision"). These
# patterns catch the identifiers people most often paste by habit: dates (a date
# of birth), long numbers (MRNs), phone numbers, SSNs and their labels. Names
# cannot be told from words reliably, so the UI and API docs ask for none.
PATIENT_IDENTIFIER_PATTERNS = (
    re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"),
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),
    re.compile(r"\(?\b\d{3}\)?[\s.-]*\d{3}[\s.-]+\d{4}\b"),
    re.compile(r"\d{6,}"),
    re.compile(r"\b(MRN|DOB|SSN|d\.o\.b|medical record|date of birth|patient name)\b", re.IGNORECASE),
)
NOTE_HELP = (
    "Optional short note for your own context, at most 200 characters. Never a patient "
    "identifier: no names, medical record numbers, dates of birth or phone numbers."
)


class ProcedureLogSerializer(serializers.ModelSerializer):
    code = serializers.CharField(max_length=10, help_text="CPT or HCPCS code, e.g. 99213, 27447, G2211.")
    code_description = serializers.CharField(source="code.description", read_only=True)
    modifiers = serializers.ListField(
        child=serializers.CharField(max_length=10),
        max_length=MAX_MODIFIERS,
        required=False,
        help_text="Modifiers such as 26, TC, 53, 50, RT, LT.",
    )
    units = serializers.IntegerField(min_value=1, max_value=MAX_UNITS, required=False, default=1)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text=NOTE_HELP)
    release = serializers.CharField(source="release.name", read_only=True)

    class Meta:
        model = ProcedureLog
        fields = [
            "id",
            "client_id",
            "performed_on",
            "code",
            "code_description",
            "modifiers",
            "units",
            "setting",
            "note",
            "release",
            "work_rvu",
            "credit_explanation",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["work_rvu", "credit_explanation", "created_at", "updated_at"]
        extra_kwargs = {
            "client_id": {"required": False, "validators": []},
            "setting": {"default": ProcedureLog.Setting.FACILITY},
        }

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
        for pattern in PATIENT_IDENTIFIER_PATTERNS:
            if pattern.search(value):
                raise serializers.ValidationError(
                    "Notes must not hold patient identifiers; this one looks like it holds a date, a "
                    "phone number or a record number. Remove it and save again."
                )
        return value.strip()

    def validate_client_id(self, value):
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
            raise serializers.ValidationError({"to": "Must not be before 'from'."})
        return attrs


class TotalsQuerySerializer(LogFilterSerializer):
    code = None
    group = serializers.ChoiceField(choices=TOTAL_GROUPS, default="month")

    def validate(self, attrs):
        today = timezone.localdate()
        attrs.setdefault("to", today)
        attrs.setdefault("from", attrs["to"].replace(month=1, day=1))
        return super().validate(attrs)


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
