from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from .models import Profile, Program, ProgramMembership


class ProfileSerializer(serializers.ModelSerializer):
    program = serializers.SerializerMethodField(help_text="The program you share your totals with, if any.")

    class Meta:
        model = Profile
        fields = [
            "career_stage",
            "specialty",
            "pgy",
            "program",
            "clinical_fte",
            "annual_wrvu_target",
            "dollars_per_wrvu",
            "tier_threshold_wrvu",
            "dollars_per_wrvu_above_threshold",
            "conversion_factor_variant",
            "default_setting",
            "time_zone",
            "benchmark_set",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]

    def get_program(self, profile: Profile) -> str | None:
        membership = profile.user.program_memberships.filter(status=ProgramMembership.Status.ACTIVE).first()
        return str(membership.program) if membership else None

    def validate(self, attrs):
        if attrs.get("career_stage") not in (None, *Profile.PGY_STAGES) and "pgy" not in attrs:
            attrs["pgy"] = None  # a resident who becomes an attending leaves their PGY behind
        # Check the profile as it will be, so a PATCH of one tier field sees the others.
        merged = {field.name: getattr(self.instance, field.name) for field in Profile._meta.concrete_fields}
        candidate = Profile(**{**merged, **attrs})
        try:
            candidate.clean()
        except DjangoValidationError as error:
            messages = error.message_dict if hasattr(error, "error_dict") else error.messages
            raise serializers.ValidationError(messages) from None
        return attrs


class AccountSerializer(serializers.Serializer):
    email = serializers.EmailField()
    can_upload_releases = serializers.BooleanField(
        help_text="Staff holding the permission to upload CMS releases (the app shows its Releases tab)."
    )


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(
        write_only=True, help_text="Your current password, to confirm that you mean it."
    )


class ProgramSerializer(serializers.ModelSerializer):
    directors = serializers.SlugRelatedField(many=True, read_only=True, slug_field="email")

    class Meta:
        model = Program
        fields = ["id", "name", "institution", "specialty", "directors", "created_at"]
        read_only_fields = ["id", "directors", "created_at"]


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The trainee's sign-in email.")


class MembershipSerializer(serializers.ModelSerializer):
    program = ProgramSerializer(read_only=True)

    class Meta:
        model = ProgramMembership
        fields = ["id", "program", "invited_email", "status", "invited_at", "responded_at"]
        read_only_fields = fields


class TraineeTotalsSerializer(serializers.Serializer):
    membership = serializers.IntegerField()
    email = serializers.EmailField()
    career_stage = serializers.CharField()
    pgy = serializers.IntegerField(allow_null=True)
    work_rvu = serializers.DecimalField(max_digits=12, decimal_places=2)
    count = serializers.IntegerField(help_text="Number of logs.")
    units = serializers.IntegerField()
