from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from rvuedge.admin import ReadOnlyAdmin

from .audit import Action, audit_record
from .models import AuditEvent, Profile, Program, ProgramMembership, User


class AuditedAdmin(admin.ModelAdmin):
    """Staff opening someone else's record, or adding, changing or deleting one, leave a
    line in the audit trail (Django's own admin log has no client address)."""

    def log_addition(self, request, obj, message):
        self._audit_change(request, obj, "added")
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit_change(request, obj, "changed")
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit_change(request, obj, "deleted")
        return super().log_deletions(request, queryset)

    def _audit_change(self, request, obj, change: str) -> None:
        owner = self.owner_of(obj)
        audit_record(
            action=Action.STAFF_CHANGE,
            request=request,
            subject_email=getattr(owner, "email", ""),
            what=f"admin {self.model._meta.model_name} {obj.pk}",
            change=change,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        owner = self.owner_of(obj) if obj else None
        allowed = obj is not None and self.has_view_or_change_permission(request, obj)
        if allowed and owner is not None and owner != request.user:
            audit_record(
                action=Action.OTHERS_DATA_READ,
                request=request,
                subject_email=owner.email,
                what=f"admin {self.model._meta.model_name} {object_id}",
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def owner_of(self, obj) -> User | None:
        return getattr(obj, "user", None)


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "date_joined"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def owner_of(self, obj) -> User | None:
        return obj


@admin.register(Profile)
class ProfileAdmin(AuditedAdmin):
    list_display = ["user", "career_stage", "specialty", "pgy", "clinical_fte"]
    list_filter = ["career_stage", "specialty"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]


class MembershipInline(admin.TabularInline):
    model = ProgramMembership
    fields = ["invited_email", "trainee", "status", "invited_at", "responded_at"]
    readonly_fields = ["trainee", "status", "invited_at", "responded_at"]
    extra = 0


@admin.register(Program)
class ProgramAdmin(AuditedAdmin):
    list_display = ["name", "institution", "specialty", "created_at"]
    search_fields = ["name", "institution"]
    filter_horizontal = ["directors"]
    inlines = [MembershipInline]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The trail is read-only, here as everywhere: nobody edits or deletes history."""

    list_display = ["at", "action", "actor_email", "subject_email", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_email", "subject_email", "ip_address"]
    date_hierarchy = "at"
