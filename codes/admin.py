from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path

from accounts.admin import AuditedAdmin
from rvuedge.admin import ReadOnlyAdmin, ReadOnlyInline  # catalog data changes only through checked imports

from .curation import curated_text_save
from .diff import release_diff
from .importing.errors import ReleaseFileError
from .models import (
    CURATED_FIELDS,
    RELEASE_NAME_VALIDATOR,
    Code,
    CuratedCodeText,
    CuratedCodeTextRevision,
    FeeScheduleRow,
    HcpcsCode,
    HcpcsFile,
    HcpcsModifier,
    Release,
    ReleaseUpload,
)

DIFF_ROWS_SHOWN = 500


class ReleaseUploadForm(forms.Form):
    file = forms.FileField(help_text="The CMS release ZIP, or its PPRRVU CSV, TXT or XLSX file.")
    release_name = forms.CharField(
        required=False,
        max_length=12,
        validators=[RELEASE_NAME_VALIDATOR],
        help_text="Only to override the name read from the file, e.g. RVU26AR.",
    )
    effective_on = forms.DateField(
        required=False, help_text="Only to override the first day of the release's quarter (YYYY-MM-DD)."
    )


class ReleaseDiffForm(forms.Form):
    against = forms.ModelChoiceField(queryset=Release.objects.all(), to_field_name="name")
    code = forms.CharField(required=False, max_length=5, help_text="Only codes starting with this.")


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = ["name", "effective_on", "repriced_at", "conversion_factor", "row_count", "code_count"]
    list_filter = ["year", "quarter"]
    readonly_fields = [field.name for field in Release._meta.fields]
    change_list_template = "admin/codes/release/change_list.html"
    change_form_template = "admin/codes/release/change_form.html"

    def get_urls(self):
        own = [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="codes_release_upload"),
            path("<int:pk>/diff/", self.admin_site.admin_view(self.diff_view), name="codes_release_diff"),
        ]
        return own + super().get_urls()

    def upload_view(self, request):
        """Staff upload a release here as through POST /api/v1/releases/; a worker imports it."""
        if not request.user.has_perm("codes.add_releaseupload"):
            messages.error(request, "You may not upload releases.")
            return redirect("admin:codes_release_changelist")
        form = ReleaseUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = self._store_upload(request, form)
            if upload is not None:
                messages.success(request, f"{upload.original_name} is stored; its import is queued.")
                return redirect("admin:codes_releaseupload_change", upload.pk)
        context = {**self.admin_site.each_context(request), "form": form, "title": "Upload a CMS release"}
        return TemplateResponse(request, "admin/codes/release/upload.html", context)

    def _store_upload(self, request, form) -> ReleaseUpload | None:
        from logs.releases import release_upload_create  # logs builds on codes, not the reverse
        from logs.tasks import import_release_upload
        from rvuedge.celery import run_or_queue

        try:
            upload = release_upload_create(
                file=form.cleaned_data["file"],
                uploaded_by=request.user,
                release_name=form.cleaned_data["release_name"],
                effective_on=form.cleaned_data["effective_on"],
            )
        except ReleaseFileError as error:
            form.add_error("file", str(error))
            return None
        transaction.on_commit(lambda: run_or_queue(import_release_upload, upload.pk))
        return upload

    def diff_view(self, request, pk: int):
        """What changed from another release to this one, as GET /api/v1/releases/{name}/diff/ says."""
        release = get_object_or_404(Release, pk=pk)
        previous = (
            Release.objects.filter(effective_on__lt=release.effective_on).order_by("-effective_on").first()
        )
        form = ReleaseDiffForm(request.GET or ({"against": previous.name} if previous else None))
        diff = None
        if form.is_valid():
            diff = release_diff(release=release, against=form.cleaned_data["against"], limit=100_000)
            prefix = form.cleaned_data["code"].strip().upper()
            for kind in ("added", "removed", "work_rvu_changed", "status_changed"):
                matching = [row for row in diff[kind] if row["code"].startswith(prefix)]
                diff["counts"][kind] = len(matching)  # the counts describe what the filter kept
                diff[kind] = matching[:DIFF_ROWS_SHOWN]
        context = {
            **self.admin_site.each_context(request),
            "title": f"{release.name}: what changed",
            "release": release,
            "form": form,
            "diff": diff,
            "shown": DIFF_ROWS_SHOWN,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/codes/release/diff.html", context)


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
    """Uploads are made from the release list ("Upload a CMS release") or the API; here staff watch them."""

    list_display = ["original_name", "state", "release", "progress_stage", "progress_done", "progress_total"]
    list_filter = ["state"]
    readonly_fields = [field.name for field in ReleaseUpload._meta.fields]


@admin.register(HcpcsFile)
class HcpcsFileAdmin(ReadOnlyAdmin):
    """HCPCS files come in through `manage.py import_hcpcs`, checked; here they are only shown."""

    list_display = [
        "effective_on",
        "records_file_name",
        "record_count",
        "code_count",
        "modifier_count",
        "imported_at",
    ]
    readonly_fields = [field.name for field in HcpcsFile._meta.fields]


@admin.register(HcpcsCode)
class HcpcsCodeAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "short_description",
        "coverage_code",
        "betos",
        "terminated_on",
        "action_code",
        "file",
    ]
    list_filter = ["coverage_code", "action_code", "file"]
    list_select_related = ["file"]
    search_fields = ["code__code", "short_description", "long_description"]
    show_full_result_count = False


@admin.register(HcpcsModifier)
class HcpcsModifierAdmin(ReadOnlyAdmin):
    list_display = ["modifier", "short_description", "coverage_code", "terminated_on", "file"]
    list_select_related = ["file"]
    search_fields = ["modifier", "short_description", "long_description"]


class LinesField(forms.CharField):
    """A list of short texts, edited one per line."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value) -> list[str]:
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class QuestionsField(forms.CharField):
    """Questions and answers, edited as blocks: a "Q: …" line, an "A: …" line, a blank line between."""

    widget = forms.Textarea(attrs={"rows": 8})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n\n".join(f"Q: {item['question']}\nA: {item['answer']}" for item in value)
        return value

    def to_python(self, value) -> list[dict]:
        blocks = [
            block.strip() for block in (value or "").replace("\r\n", "\n").split("\n\n") if block.strip()
        ]
        return [self._pair(number, block) for number, block in enumerate(blocks, start=1)]

    def _pair(self, number: int, block: str) -> dict:
        question, _, answer = block.partition("\nA:")
        if not question.startswith("Q:") or not answer.strip():
            raise forms.ValidationError(
                f"Block {number}: write a line starting with Q:, then one starting with A:."
            )
        if "\nQ:" in answer or "\nA:" in answer:  # else the next pair joins this answer
            raise forms.ValidationError(f"Block {number} holds two pairs: leave a blank line between them.")
        return {"question": question[2:].strip(), "answer": " ".join(answer.split())}


class CuratedCodeTextForm(forms.ModelForm):
    synonyms = LinesField(required=False, help_text="One per line: other names people search by.")
    specialties = LinesField(required=False, help_text="One per line, most common first.")
    questions = QuestionsField(
        required=False,
        help_text="Extra questions for the page: 'Q: …' then 'A: …', a blank line between pairs.",
    )

    class Meta:
        model = CuratedCodeText
        fields = ["code", *CURATED_FIELDS]


class CuratedCodeTextRevisionInline(ReadOnlyInline):
    """Every saved version, newest first: who saved it, when, and what it said."""

    model = CuratedCodeTextRevision
    fields = ["saved_at", "saved_by", "content"]


@admin.register(CuratedCodeText)
class CuratedCodeTextAdmin(AuditedAdmin):
    """The text editors write for a code's public page; each save is kept as a revision."""

    form = CuratedCodeTextForm
    list_display = ["code", "plain_language", "updated_at", "updated_by"]
    search_fields = ["code__code", "plain_language"]
    raw_id_fields = ["code"]
    readonly_fields = ["updated_at", "updated_by"]
    inlines = [CuratedCodeTextRevisionInline]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "code"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting the text cascades to its revisions; an editor empties the fields instead,
        # which is saved as one more revision.
        return False

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in CURATED_FIELDS}
        curated_text_save(code=obj.code, changes=changes, editor=request.user)
