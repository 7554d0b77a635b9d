"""Your account (profile, export, deletion) and residency programs: a director invites
trainees, who choose to share their totals, and may stop sharing at any time."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, Throttled, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from logs.serializers import PeriodQuerySerializer
from rvuedge.api_schema import error_responses

from .audit import Action, audit_record
from .models import Program, ProgramMembership
from .selectors import invitations_for, programs_directed_by, trainee_totals
from .serializers import (
    AccountDeleteSerializer,
    AccountSerializer,
    InvitationCreateSerializer,
    MembershipSerializer,
    ProfileSerializer,
    ProgramSerializer,
    TraineeTotalsSerializer,
)
from .services import (
    TooManyAttempts,
    account_delete,
    account_export,
    account_export_csv,
    membership_accept,
    membership_decline,
    membership_withdraw,
    profile_for,
    profile_update,
    program_create,
    program_invite,
)


class ProfileView(APIView):
    """Your career stage, specialty, targets and pay rates: what puts your wRVUs in context."""

    @extend_schema(responses={200: ProfileSerializer, **error_responses(401)})
    def get(self, request):
        return Response(ProfileSerializer(profile_for(request.user)).data)

    @extend_schema(
        request=ProfileSerializer, responses={200: ProfileSerializer, **error_responses(400, 401, 415)}
    )
    def patch(self, request):
        serializer = ProfileSerializer(profile_for(request.user), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        profile = profile_update(user=request.user, changes=serializer.validated_data)
        return Response(ProfileSerializer(profile).data)


class AccountView(APIView):
    """Your account: who you are signed in as and what staff tools you may use; or delete it with
    everything in it (logs, cases, plans and profile)."""

    @extend_schema(responses={200: AccountSerializer, **error_responses(401)})
    def get(self, request):
        user = request.user
        return Response(
            AccountSerializer(
                {
                    "email": user.email,
                    "can_upload_releases": user.is_staff and user.has_perm("codes.add_releaseupload"),
                }
            ).data
        )

    @extend_schema(
        request=AccountDeleteSerializer,
        responses={
            204: None,
            **error_responses(400, 401, 415),
            403: OpenApiResponse(description="Wrong password."),
        },
    )
    def delete(self, request):
        serializer = AccountDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            account_delete(user=request.user, password=serializer.validated_data["password"], request=request)
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from None
        except TooManyAttempts:
            raise Throttled(detail="Too many password attempts; try again in a minute.") from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExportView(APIView):
    """Everything RVU Edge holds about you, as JSON."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, **error_responses(401)})
    def get(self, request):
        return Response(account_export(user=request.user, request=request))


class ExportCsvView(APIView):
    """Your procedure logs as CSV, one line each."""

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR, **error_responses(401)})
    def get(self, request):
        response = HttpResponse(
            account_export_csv(user=request.user, request=request), content_type="text/csv"
        )
        response["Content-Disposition"] = 'attachment; filename="rvuedge-logs.csv"'
        return response


@extend_schema_view(
    list=extend_schema(responses={200: ProgramSerializer(many=True), **error_responses(400, 401, 404)}),
    create=extend_schema(responses={201: ProgramSerializer, **error_responses(400, 401, 415)}),
    retrieve=extend_schema(responses={200: ProgramSerializer, **error_responses(401, 404)}),
)
class ProgramViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):  # fmt: skip
    """Programs you direct. Creating one makes you its director."""

    serializer_class = ProgramSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Program.objects.none()
        return programs_directed_by(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = program_create(director=self.request.user, **serializer.validated_data)

    @extend_schema(
        request=InvitationCreateSerializer,
        responses={201: MembershipSerializer, **error_responses(400, 401, 404, 415)},
    )
    @action(detail=True, methods=["post"])
    def invitations(self, request, pk=None):
        """Invite a trainee by their sign-in email; they choose whether to share their totals."""
        data = InvitationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            membership = program_invite(
                program=self.get_object(), director=request.user, email=data.validated_data["email"],
                request=request,
            )  # fmt: skip
        except DjangoValidationError as error:
            raise ValidationError({"email": error.messages}) from None
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: MembershipSerializer(many=True), **error_responses(401, 404)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def memberships(self, request, pk=None):
        """Everyone invited, and whether they share their totals."""
        program = self.get_object()
        audit_record(
            action=Action.OTHERS_DATA_READ, request=request, what="program roster", program=program.pk
        )
        return Response(MembershipSerializer(program.memberships.all(), many=True).data)

    @extend_schema(
        parameters=[PeriodQuerySerializer],
        responses={200: TraineeTotalsSerializer(many=True), **error_responses(400, 401, 404)},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def trainees(self, request, pk=None):
        """The wRVU totals of each trainee who shares them with this program (never their notes)."""
        program = self.get_object()
        period = PeriodQuerySerializer(data=request.query_params)
        period.is_valid(raise_exception=True)
        rows = trainee_totals(
            program=program, date_from=period.validated_data["from"], date_to=period.validated_data["to"]
        )
        for row in rows:  # one line per person whose totals were read
            audit_record(
                action=Action.OTHERS_DATA_READ, request=request, subject_email=row["email"],
                what="trainee totals", program=program.pk,
            )  # fmt: skip
        return Response(TraineeTotalsSerializer(rows, many=True).data)


@extend_schema_view(
    list=extend_schema(responses={200: MembershipSerializer(many=True), **error_responses(400, 401, 404)}),
)
class InvitationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Invitations to share your totals with a program, and the programs you share them with."""

    serializer_class = MembershipSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProgramMembership.objects.none()
        return invitations_for(self.request.user)

    @extend_schema(request=None, responses={200: MembershipSerializer, **error_responses(400, 401, 404)})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Share your totals (not your notes) with the program's directors."""
        return self._answer(membership_accept)

    @extend_schema(request=None, responses={200: MembershipSerializer, **error_responses(400, 401, 404)})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._answer(membership_decline)

    @extend_schema(request=None, responses={200: MembershipSerializer, **error_responses(400, 401, 404)})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Stop sharing your totals; the directors lose sight of them at once."""
        return self._answer(membership_withdraw)

    def _answer(self, change) -> Response:
        membership = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        try:
            change(membership=membership, trainee=self.request.user, request=self.request)
        except DjangoValidationError as error:
            raise ValidationError({"detail": error.messages}) from None
        membership.refresh_from_db()
        return Response(MembershipSerializer(membership).data)
