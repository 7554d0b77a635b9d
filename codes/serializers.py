from rest_framework import serializers

from .importing.hcpcs_layout import COVERAGE_MEANINGS
from .indicators import global_days_meaning, status_meaning
from .models import Code, FeeScheduleRow, HcpcsCode, Release, ReleaseUpload


class ReleaseSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Release
        fields = ["name", "effective_on", "released_on", "conversion_factor", "qp_conversion_factor"]


class CodeSearchResultSerializer(serializers.ModelSerializer):
    work_rvu = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text=(
            "Work RVU of the global row in the release in effect today; "
            "null if that release does not list the code."
        ),
    )
    status_code = serializers.CharField(read_only=True, allow_null=True)
    release = serializers.CharField(
        read_only=True, allow_null=True, help_text="The release the work RVU and status come from."
    )

    class Meta:
        model = Code
        fields = ["code", "description", "work_rvu", "status_code", "release"]


class FeeScheduleRowSerializer(serializers.ModelSerializer):
    status_meaning = serializers.SerializerMethodField()
    global_days_meaning = serializers.SerializerMethodField()
    is_paid_by_medicare = serializers.BooleanField(read_only=True)

    class Meta:
        model = FeeScheduleRow
        exclude = ["id", "release", "code"]

    def get_status_meaning(self, row: FeeScheduleRow) -> str:
        return status_meaning(row.status_code)

    def get_global_days_meaning(self, row: FeeScheduleRow) -> str:
        return global_days_meaning(row.global_days)


class HcpcsDetailsSerializer(serializers.ModelSerializer):
    coverage_meaning = serializers.SerializerMethodField()
    is_terminated = serializers.BooleanField(
        read_only=True, help_text="Past its termination date (the last date of service it may be used for)."
    )
    file = serializers.CharField(source="file.records_file_name", help_text="The HCPCS file it comes from.")
    file_effective_on = serializers.DateField(source="file.effective_on")

    class Meta:
        model = HcpcsCode
        exclude = ["code", "search_text", "source_line"]

    def get_coverage_meaning(self, details: HcpcsCode) -> str:
        return COVERAGE_MEANINGS.get(details.coverage_code, "")


class CodeDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.CharField(
        help_text="Read from the code itself: cpt_category_1, cpt_category_2, cpt_category_3, cpt_pla, "
        "cpt_maaa, hcpcs_level_2 or unknown."
    )
    kind_name = serializers.CharField()
    section = serializers.CharField(
        allow_blank=True, help_text="CPT Category I section (em, surgery, …) or HCPCS Level II letter."
    )
    section_name = serializers.CharField(allow_blank=True)
    hcpcs = HcpcsDetailsSerializer(
        allow_null=True, help_text="What the CMS HCPCS file says of a HCPCS Level II code; null for others."
    )
    date = serializers.DateField(help_text="Date of service the values apply to.")
    release = ReleaseSummarySerializer(allow_null=True)
    rows = FeeScheduleRowSerializer(
        many=True, help_text="One row per modifier: blank (global), 26, TC or 53."
    )
    message = serializers.CharField(allow_blank=True)


class CodeQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="A code, a code prefix (2744) or words from the description (knee arthroplasty).",
    )
    date = serializers.DateField(
        required=False, help_text="Date of service whose release gives the work RVUs (default: today)."
    )


class CodeDateQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="Date of service (default: today).")


class ReleaseSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField(
        help_text="recomputing while the logs it governs are being re-priced, then ready; "
        "replaced once a corrected re-issue takes its place from its first day."
    )
    replaces = serializers.CharField(source="replaces.name", allow_null=True, read_only=True)
    replaced_by = serializers.SerializerMethodField(
        help_text="The corrected re-issue that replaces it, if any."
    )

    class Meta:
        model = Release
        fields = [
            "name",
            "state",
            "replaces",
            "replaced_by",
            "repriced_at",
            "year",
            "quarter",
            "is_correction",
            "effective_on",
            "released_on",
            "title",
            "conversion_factor",
            "qp_conversion_factor",
            "source_filename",
            "rows_file_name",
            "source_sha256",
            "row_count",
            "code_count",
            "imported_at",
        ]

    def get_state(self, release: Release) -> str:
        corrections = list(release.corrections.all())  # prefetched by the view
        if any(correction.effective_on <= release.effective_on for correction in corrections):
            return "replaced"  # (a correction from a later date replaces it from then on only)
        return "ready" if release.repriced_at else "recomputing"

    def get_replaced_by(self, release: Release) -> str | None:
        corrections = list(release.corrections.all())
        return corrections[-1].name if corrections else None


class ReleaseDiffQuerySerializer(serializers.Serializer):
    against = serializers.CharField(help_text="Name of the release to compare with, e.g. RVU25D.")
    limit = serializers.IntegerField(
        min_value=0, max_value=20000, default=200, help_text="Most entries listed per kind of change."
    )


class DiffRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    modifier = serializers.CharField(allow_blank=True)
    description = serializers.CharField()


class WorkRvuChangeSerializer(DiffRowSerializer):
    old = serializers.DecimalField(max_digits=7, decimal_places=2)
    new = serializers.DecimalField(max_digits=7, decimal_places=2)
    delta = serializers.DecimalField(max_digits=8, decimal_places=2)


class StatusChangeSerializer(DiffRowSerializer):
    old = serializers.CharField()
    new = serializers.CharField()


class ReleaseDiffSerializer(serializers.Serializer):
    release = serializers.CharField()
    against = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())
    added = DiffRowSerializer(many=True)
    removed = DiffRowSerializer(many=True)
    work_rvu_changed = WorkRvuChangeSerializer(many=True)
    status_changed = StatusChangeSerializer(many=True)


class ReleaseUploadSerializer(serializers.ModelSerializer):
    file = serializers.FileField(
        write_only=True, help_text="The CMS release ZIP, or its PPRRVU CSV, TXT or XLSX."
    )
    release = serializers.CharField(source="release.name", read_only=True, allow_null=True)

    class Meta:
        model = ReleaseUpload
        fields = [
            "id",
            "file",
            "original_name",
            "size",
            "release_name",
            "effective_on",
            "state",
            "error",
            "progress_stage",
            "progress_done",
            "progress_total",
            "release",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "original_name",
            "size",
            "state",
            "error",
            "progress_stage",
            "progress_done",
            "progress_total",
            "created_at",
            "updated_at",
        ]


class PageFactSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()
    meaning = serializers.CharField(allow_blank=True)


class PageQuestionSerializer(serializers.Serializer):
    question = serializers.CharField()
    answer = serializers.CharField()


class PageHistorySerializer(serializers.Serializer):
    release = serializers.CharField()
    modifier = serializers.CharField(
        allow_blank=True, help_text="26 where only the professional component carries the work; else blank."
    )
    effective_on = serializers.DateField()
    work_rvu = serializers.DecimalField(max_digits=7, decimal_places=2)
    change = serializers.DecimalField(
        max_digits=7, decimal_places=2, allow_null=True, help_text="From the previous release we hold."
    )


class CodePageSerializer(serializers.Serializer):
    """The public page of a code as data: the same sections, each filled or empty, never guessed."""

    code = serializers.CharField()
    title = serializers.CharField()
    short_name = serializers.CharField()
    kind = serializers.CharField(source="kind.kind")
    kind_label = serializers.CharField()
    section = serializers.CharField(source="kind.section", allow_blank=True)
    synonyms = serializers.ListField(child=serializers.CharField(), help_text="Curated by editors.")
    official_description = serializers.CharField()
    official_description_source = serializers.CharField()
    plain_language = serializers.CharField(allow_blank=True, help_text="Curated by editors.")
    clinical_context = serializers.CharField(allow_blank=True, help_text="Curated by editors.")
    specialties = serializers.ListField(
        child=serializers.CharField(), help_text="Curated by editors, else from Medicare claims (see source)."
    )
    specialties_source = serializers.CharField(allow_blank=True)
    release = serializers.CharField(
        source="release.name", allow_null=True, help_text="The fee schedule release in effect today."
    )
    work_rvu = serializers.DecimalField(
        max_digits=7, decimal_places=2, allow_null=True, help_text="Null: no CMS work RVU (see not_valued)."
    )
    rvu_facts = PageFactSerializer(many=True)
    components = PageFactSerializer(
        many=True, help_text="The -26, -TC and -53 rows, where the release has them."
    )
    not_valued = serializers.ListField(child=serializers.CharField(), help_text="Why there is no work RVU.")
    billing = PageFactSerializer(many=True)
    billing_notes = serializers.ListField(child=serializers.CharField())
    questions = PageQuestionSerializer(many=True)
    history = PageHistorySerializer(many=True)
    sources = serializers.ListField(child=serializers.CharField())
    notices = serializers.ListField(child=serializers.CharField())
    is_terminated = serializers.BooleanField()
    meta_description = serializers.CharField()
