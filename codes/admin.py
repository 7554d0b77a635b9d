from django.contrib import admin

from .models import Code, FeeScheduleRow, Release, ReleaseUpload


class ReadOnlyAdmin(admin.ModelAdmin):
    """Catalog data changes only through release imports, which check every row."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = ["name", "effective_on", "released_on", "conversion_factor", "row_count", "code_count"]
    list_filter = ["year", "quarter"]
    readonly_fields = [field.name for field in Release._meta.fields]


@admin.register(Code)
class CodeAdmin(ReadOnlyAdmin):
    list_display = ["code", "description"]
    search_fields = ["code", "description"]


@admin.register(FeeScheduleRow)
class FeeScheduleRowAdmin(ReadOnlyAdmin):
    list_display = ["code", "modifier", "release", "status_code", "work_rvu", "global_days", "description"]
    list_filter = ["release", "status_code", "modifier"]
    list_select_related = ["release"]
    search_fields = ["code__code", "description"]
    show_full_result_count = False


@admin.register(ReleaseUpload)
class ReleaseUploadAdmin(ReadOnlyAdmin):
    """Uploads are made through the API (POST /api/v1/release-uploads/); here staff watch them."""

    list_display = ["original_name", "state", "release", "progress_stage", "progress_done", "progress_total"]
    list_filter = ["state"]
    readonly_fields = [field.name for field in ReleaseUpload._meta.fields]
