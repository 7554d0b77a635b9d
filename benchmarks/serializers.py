from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from logs.serializers import LogFilterSerializer

from .models import BenchmarkPoint, BenchmarkSet


class BenchmarkPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = BenchmarkPoint
        fields = ["specialty", "career_stage", "region", "p10", "p25", "p50", "p75", "p90", "provider_count"]


class BenchmarkSetReferenceSerializer(serializers.ModelSerializer):
    """A set's identity and provenance: what a comparison names as its basis."""

    release = serializers.SlugRelatedField(
        slug_field="name",
        read_only=True,
        allow_null=True,
        help_text="The release whose work RVUs valued the services (sets built from CMS files only).",
    )

    class Meta:
        model = BenchmarkSet
        fields = [
            "id",
            "name",
            "slug",
            "kind",
            "source",
            "year",
            "release",
            "method",
            "citation",
            "licence_note",
        ]


class BenchmarkSetSerializer(BenchmarkSetReferenceSerializer):
    point_count = serializers.IntegerField(read_only=True, help_text="Specialty rows in the set.")

    class Meta(BenchmarkSetReferenceSerializer.Meta):
        fields = [*BenchmarkSetReferenceSerializer.Meta.fields, "is_default", "point_count", "created_at"]


class BenchmarkSetDetailSerializer(BenchmarkSetSerializer):
    points = BenchmarkPointSerializer(many=True, read_only=True)
    build_report = serializers.JSONField(
        read_only=True, help_text="What a build read and skipped, and why; empty for a licensed table."
    )

    class Meta(BenchmarkSetSerializer.Meta):
        fields = [*BenchmarkSetSerializer.Meta.fields, "build_report", "points"]


class CompareQuerySerializer(LogFilterSerializer):
    code = None
    set = serializers.PrimaryKeyRelatedField(
        queryset=BenchmarkSet.objects.all(),
        required=False,
        help_text="A benchmark set's id; default: the one chosen in your profile, else the default set.",
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"].help_text = "First day of the period; default: January 1 of the year of `to`."
        fields["to"].help_text = "Last day; default and latest: today in your profile's time zone."
        return fields


YOUR_RECORDS = "your logs, your logged leave and your profile"
# Worked-out figures have no column to bound them: a pace at 0.05 FTE is twenty times its wRVUs,
# and a max_digits would turn a large one into a server error rather than a number.
UNBOUNDED = None


class ComparedPartSerializer(serializers.Serializer):
    """Each part of a comparison says what it rests on and how it was worked out."""

    based_on = serializers.SerializerMethodField(help_text="The benchmark set, or your own records.")
    method = serializers.CharField(help_text="How the part's numbers were worked out, with those numbers.")

    def get_based_on(self, part) -> str:
        return YOUR_RECORDS


class ComparedPeriodSerializer(ComparedPartSerializer):
    working_days = serializers.IntegerField(help_text="Monday to Friday days in the period.")
    leave_days = serializers.IntegerField(help_text="Of those, days on logged leave.")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(source="first")
        fields["to"] = serializers.DateField(
            source="last", help_text="The last day counted: never after today."
        )
        return fields


class PaceSerializer(ComparedPartSerializer):
    annual = serializers.DecimalField(
        max_digits=UNBOUNDED, decimal_places=2, help_text="The year's wRVUs at this pace."
    )
    full_time_equivalent = serializers.DecimalField(
        max_digits=UNBOUNDED,
        decimal_places=2,
        help_text="The same pace for a 1.00 clinical FTE; benchmarks compare this.",
    )
    clinical_fte = serializers.DecimalField(max_digits=3, decimal_places=2)
    days_worked = serializers.IntegerField(help_text="Working days elapsed, less leave.")
    days_in_year = serializers.IntegerField(help_text="Working days in the year, less the year's leave.")


class BenchmarkStandingSerializer(ComparedPartSerializer):
    compared_pace = serializers.DecimalField(max_digits=UNBOUNDED, decimal_places=2)
    percentile = serializers.DecimalField(
        source="standing.percentile",
        max_digits=4,
        decimal_places=1,
        allow_null=True,
        help_text="Interpolated; null below p10 or above p90.",
    )
    position = serializers.CharField(
        source="standing.position",
        help_text="'below p10', 'above p90' or 'between p25 and p50' and the like.",
    )
    summary = serializers.CharField(help_text="E.g. 'the 47th percentile of Cardiology in …'.")
    point = BenchmarkPointSerializer()

    def get_based_on(self, part) -> str:
        return f"{part.benchmark_set.name} ({part.benchmark_set.slug})"


class TargetProgressSerializer(ComparedPartSerializer):
    annual_target = serializers.DecimalField(source="gap.target", max_digits=12, decimal_places=2)
    projected_shortfall = serializers.DecimalField(
        source="gap.projected_shortfall",
        max_digits=UNBOUNDED,
        decimal_places=2,
        help_text="The target less your annual pace from January 1; negative when you are ahead.",
    )
    year_pace = serializers.DecimalField(
        max_digits=UNBOUNDED,
        decimal_places=2,
        help_text="Your annual pace from January 1 to the period's end, which the shortfall uses.",
    )
    needed_per_week = serializers.DecimalField(
        max_digits=UNBOUNDED,
        decimal_places=2,
        allow_null=True,
        help_text="Null when wRVUs are still needed but no working day is left in the year.",
    )
    work_rvu_year_to_date = serializers.DecimalField(max_digits=12, decimal_places=2)
    working_days_left = serializers.IntegerField(help_text="After today and planned leave, to December 31.")


class PeerStandingSerializer(ComparedPartSerializer):
    compared_pace = serializers.DecimalField(
        max_digits=UNBOUNDED, decimal_places=2, help_text="Your pace over the same months."
    )
    peer_count = serializers.IntegerField()
    median_pace = serializers.DecimalField(max_digits=UNBOUNDED, decimal_places=0)
    percent_below_you = serializers.IntegerField(
        help_text="Share of peers whose pace is below yours (ties half)."
    )

    def get_based_on(self, part) -> str:
        return f"other {part.cohort} on RVU Edge"

    def get_fields(self):
        fields = super().get_fields()
        help_text = "Peers are compared over the whole calendar months of the period: from, to."
        fields["from"] = serializers.DateField(source="first", help_text=help_text)
        fields["to"] = serializers.DateField(source="last", help_text=help_text)
        return fields


class ComparisonSerializer(serializers.Serializer):
    period = ComparedPeriodSerializer()
    work_rvu = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="Credited in the period.")
    pace = serializers.SerializerMethodField()
    specialty = serializers.CharField(help_text="From your profile.")
    benchmark_set = BenchmarkSetReferenceSerializer(allow_null=True)
    benchmark = BenchmarkStandingSerializer(allow_null=True)
    benchmark_unavailable = serializers.CharField(help_text="Why `benchmark` is null; blank otherwise.")
    target = TargetProgressSerializer(allow_null=True)
    target_unavailable = serializers.CharField()
    peers = PeerStandingSerializer(allow_null=True, help_text="Trainees only, with at least 5 peers.")
    peers_unavailable = serializers.CharField()

    @extend_schema_field(PaceSerializer)
    def get_pace(self, comparison) -> dict:
        pace = comparison.pace
        return PaceSerializer(
            {
                "annual": pace.annual,
                "full_time_equivalent": pace.full_time_equivalent,
                "clinical_fte": comparison.clinical_fte,
                "days_worked": pace.days_worked,
                "days_in_year": pace.days_in_year,
                "method": comparison.pace_method,
            }
        ).data
