"""Staff watch recomputes here; logs themselves stay out of the admin (they are each user's own)."""

from django.contrib import admin

from .models import RecomputeChunk, RecomputeRun


class RecomputeChunkInline(admin.TabularInline):
    model = RecomputeChunk
    fields = ["kind", "first_id", "last_id", "logs", "done_at"]
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RecomputeRun)
class RecomputeRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "release", "plan", "chunks_done", "chunks_total", "logs_total", "logs_changed",
                    "created_at", "finished_at"]  # fmt: skip
    list_select_related = ["release", "plan"]
    readonly_fields = [field.name for field in RecomputeRun._meta.fields]
    inlines = [RecomputeChunkInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
