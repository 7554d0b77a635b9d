from rest_framework import serializers

from .models import BenchmarkPoint, BenchmarkSet


class BenchmarkPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = BenchmarkPoint
        fields = ["specialty", "career_stage", "region", "p10", "p25", "p50", "p75", "p90", "provider_count"]


class BenchmarkSetSerializer(serializers.ModelSerializer):
    release = serializers.SlugRelatedField(
        slug_field="name",
        read_only=True,
        allow_null=True,
        help_text="The release whose work RVUs valued the services (sets built from CMS files only).",
    )
    point_count = serializers.IntegerField(read_only=True, help_text="Specialty rows in the set.")

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
            "is_default",
            "point_count",
            "created_at",
        ]


class BenchmarkSetDetailSerializer(BenchmarkSetSerializer):
    points = BenchmarkPointSerializer(many=True, read_only=True)
    build_report = serializers.JSONField(
        read_only=True, help_text="What a build read and skipped, and why; empty for a licensed table."
    )

    class Meta(BenchmarkSetSerializer.Meta):
        fields = [*BenchmarkSetSerializer.Meta.fields, "build_report", "points"]
