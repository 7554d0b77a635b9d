from django.contrib import admin, messages

from rvuedge.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import BenchmarkPoint, BenchmarkSet
from .services import benchmark_set_make_default


class BenchmarkPointInline(ReadOnlyInline):
    """A set's figures are as built or imported: a corrected table is imported as a new set."""

    model = BenchmarkPoint
    fields = ["specialty", "career_stage", "region", "p10", "p25", "p50", "p75", "p90", "provider_count"]


@admin.register(BenchmarkSet)
class BenchmarkSetAdmin(ReadOnlyAdmin):
    """Sets come from manage.py build_benchmarks and import_benchmarks; here they are read, made the
    default, or (superusers) deleted."""

    list_display = ["name", "slug", "kind", "year", "release", "is_default", "created_at"]
    list_filter = ["kind", "is_default"]
    readonly_fields = [field.name for field in BenchmarkSet._meta.fields]
    inlines = [BenchmarkPointInline]
    actions = ["make_default"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser  # users compare against it: not for every member of staff

    def has_make_default_permission(self, request) -> bool:
        return request.user.has_perm("benchmarks.change_benchmarkset")

    @admin.action(
        description="Compare users against the selected set by default", permissions=["make_default"]
    )
    def make_default(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one set to be the default.", messages.ERROR)
            return
        chosen = benchmark_set_make_default(benchmark_set=queryset.get(), request=request)
        self.message_user(request, f"{chosen.name} is now the default set.", messages.SUCCESS)
