import dataclasses

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import (
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse

from logs.releases import release_upload_create
from logs.tasks import import_release_upload
from rvuedge.api_schema import error_responses
from rvuedge.celery import run_or_queue

from .diff import release_diff
from .importing.errors import ReleaseFileError
from .kinds import code_kind
from .models import Code, Release, ReleaseUpload
from .page_cache import cached_page
from .pages import code_page
from .permissions import CanImportReleases
from .selectors import code_rows_on, code_search, find_code, hcpcs_details
from .serializers import (
    CodeDateQuerySerializer,
    CodeDetailSerializer,
    CodePageSerializer,
    CodeQuerySerializer,
    CodeSearchResultSerializer,
    ReleaseDiffQuerySerializer,
    ReleaseDiffSerializer,
    ReleaseSerializer,
    ReleaseUploadSerializer,
)


class CodeViewSet(viewsets.GenericViewSet):
    """The public code catalog: CMS fee schedule values need no account."""

    queryset = Code.objects.all()
    serializer_class = CodeSearchResultSerializer
    permission_classes = [AllowAny]
    lookup_field = "code"
    lookup_value_regex = "[0-9A-Za-z]{1,10}"

    @extend_schema(
        parameters=[CodeQuerySerializer],
        responses={200: CodeSearchResultSerializer(many=True), **error_responses(400, 404)},
    )
    def list(self, request):
        params = CodeQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        release = Release.objects.in_effect_on(params.validated_data.get("date") or timezone.localdate())
        codes = code_search(query=params.validated_data.get("q", ""), release=release)
        page = self.paginate_queryset(codes)
        return self.get_paginated_response(CodeSearchResultSerializer(page, many=True).data)

    @extend_schema(
        parameters=[CodeDateQuerySerializer],
        responses={200: CodeDetailSerializer, **error_responses(400, 404)},
    )
    def retrieve(self, request, code: str):
        params = CodeDateQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        day = params.validated_data.get("date") or timezone.localdate()
        found = find_code(code)
        if found is None:
            raise NotFound(f"{code.upper()} is not in the code catalog.")
        release, rows = code_rows_on(code=found, day=day)
        detail = {
            "code": found.code,
            "description": found.description,
            **dataclasses.asdict(code_kind(found.code)),
            "hcpcs": hcpcs_details(found),
            "date": day,
            "release": release,
            "rows": rows,
            "message": _missing_rows_message(found.code, day, release) if not rows else _gap(release, day),
        }
        return Response(CodeDetailSerializer(detail).data)

    @extend_schema(responses={200: CodePageSerializer, **error_responses(404)})
    @action(detail=True, methods=["get"])
    def page(self, request, code: str):
        """The public page of a code, as data (the HTML is at /codes/{code}/): its kind, names,
        descriptions, curated text, RVUs and national payment in the release in effect today (or
        why it has none), billing indicators in plain words, questions and answers, and its work
        RVU over the releases held, with sources."""
        found = find_code(code)
        if found is None:
            raise NotFound(f"{code.upper()} is not in the code catalog.")
        day = timezone.localdate()
        data = cached_page(
            "json", found.code, day, lambda: CodePageSerializer(code_page(found, day=day)).data
        )
        return Response(data)


def _missing_rows_message(code: str, day, release: Release | None) -> str:
    if release is None:
        return f"No fee schedule release loaded covers {day.isoformat()}."
    return f"{code} is not in {release.name}, the fee schedule in effect on {day.isoformat()}."


def _gap(release: Release, day) -> str:
    note = release.missing_release_note(day)
    return f"{note[0].upper()}{note[1:]}." if note else ""


UPLOAD_STATUS = PolymorphicProxySerializer(
    component_name="ReleaseOrUpload",
    serializers=[ReleaseSerializer, ReleaseUploadSerializer],
    resource_type_field_name=None,
)


@extend_schema_view(
    list=extend_schema(responses={200: ReleaseSerializer(many=True), **error_responses(404)}),
    create=extend_schema(
        request={"multipart/form-data": ReleaseUploadSerializer},
        responses={202: ReleaseUploadSerializer, **error_responses(400, 401, 403, 415)},
        description="Staff only: upload a CMS release. Answers 202 with the upload's id; "
        "GET /api/v1/releases/{id}/ then shows its state and progress.",
    ),
    retrieve=extend_schema(
        responses={200: UPLOAD_STATUS, **error_responses(401, 403, 404)},
        description="A release by name (RVU26C), public; or, for staff, an upload by the id "
        "POST returned: state (queued, importing, recomputing, ready, failed with the reason) "
        "and progress (rows or logs done of total).",
    ),
)
class ReleaseViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The CMS fee schedule releases loaded, newest first, what changed between two,
    and (staff) the upload of a new one."""

    queryset = Release.objects.select_related("replaces").prefetch_related("corrections")
    serializer_class = ReleaseSerializer
    lookup_field = "name"
    lookup_value_regex = "[Rr][Vv][Uu][0-9]{2}[A-Da-d][Rr]?|[0-9]+"
    parser_classes = [MultiPartParser, FormParser]

    def get_permissions(self):
        if self.action == "create" or self.kwargs.get("name", "").isdigit():
            return [CanImportReleases()]
        return [AllowAny()]

    def get_object(self):
        self.kwargs["name"] = self.kwargs["name"].upper()  # rvu26c is RVU26C
        return super().get_object()

    def get_serializer_class(self):
        return ReleaseUploadSerializer if self.action == "create" else ReleaseSerializer

    def retrieve(self, request, name: str):
        if name.isdigit():
            upload = ReleaseUpload.objects.select_related("release").filter(pk=name).first()
            if upload is None:
                raise NotFound(f"No release upload {name}.")
            return Response(ReleaseUploadSerializer(upload).data)
        return super().retrieve(request, name=name)

    def create(self, request):
        serializer = ReleaseUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = _store_and_queue_upload(serializer.validated_data, request.user)
        location = reverse("release-detail", kwargs={"name": upload.pk}, request=request)
        return Response(ReleaseUploadSerializer(upload).data, status=202, headers={"Location": location})

    @extend_schema(
        parameters=[ReleaseDiffQuerySerializer],
        responses={200: ReleaseDiffSerializer, **error_responses(400, 404)},
    )
    @action(detail=True)
    def diff(self, request, name: str):
        params = ReleaseDiffQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        release = self.get_object()
        against = Release.objects.filter(name=params.validated_data["against"].strip().upper()).first()
        if against is None:
            raise NotFound(f"No release {params.validated_data['against']!r} is loaded.")
        diff = release_diff(release=release, against=against, limit=params.validated_data["limit"])
        return Response(ReleaseDiffSerializer(diff).data)


def _store_and_queue_upload(data: dict, user) -> ReleaseUpload:
    """Check and store the file, then import it in a worker once this request commits."""
    try:
        upload = release_upload_create(
            file=data["file"],
            uploaded_by=user,
            release_name=data.get("release_name", ""),
            effective_on=data.get("effective_on"),
        )
    except ReleaseFileError as error:
        raise ValidationError({"file": [str(error)]}) from None
    transaction.on_commit(lambda: run_or_queue(import_release_upload, upload.pk))
    return upload


@extend_schema_view(
    list=extend_schema(responses={200: ReleaseUploadSerializer(many=True), **error_responses(401, 403, 404)}),
    create=extend_schema(
        request={"multipart/form-data": ReleaseUploadSerializer},
        responses={201: ReleaseUploadSerializer, **error_responses(400, 401, 403, 415)},
    ),
    retrieve=extend_schema(responses={200: ReleaseUploadSerializer, **error_responses(401, 403, 404)}),
)
class ReleaseUploadViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Staff only: upload a CMS release and watch it import (state queued, importing,
    recomputing, ready or failed with the reason; progress as rows done of rows total).
    The file is checked before it is stored (size, kind by content, ZIP members)."""

    queryset = ReleaseUpload.objects.select_related("release")
    serializer_class = ReleaseUploadSerializer
    permission_classes = [CanImportReleases]
    parser_classes = [MultiPartParser, FormParser]

    def perform_create(self, serializer):
        serializer.instance = _store_and_queue_upload(serializer.validated_data, self.request.user)
