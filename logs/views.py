import uuid
from contextlib import contextmanager

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .credit import CreditError
from .models import ProcedureLog
from .selectors import procedure_logs_for, work_rvu_totals
from .serializers import LogFilterSerializer, ProcedureLogSerializer, TotalsQuerySerializer, TotalsSerializer
from .services import procedure_log_create, procedure_log_delete, procedure_log_matches, procedure_log_update


@extend_schema_view(
    list=extend_schema(parameters=[LogFilterSerializer]),
    create=extend_schema(
        responses={
            201: ProcedureLogSerializer,
            200: OpenApiResponse(
                ProcedureLogSerializer, description="Already saved: a retry with the same client_id."
            ),
            409: OpenApiResponse(description="Another log already has this client_id."),
        }
    ),
)
class ProcedureLogViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your procedure logs. Each holds a code, a date of service, modifiers, units, the
    setting and an optional note, never patient identifiers. The server computes the
    work RVU from the CMS release in effect on the date of service."""

    serializer_class = ProcedureLogSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return ProcedureLog.objects.none()
        if self.action != "list":
            return procedure_logs_for(user=self.request.user)
        params = LogFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return procedure_logs_for(
            user=self.request.user,
            date_from=params.validated_data.get("from"),
            date_to=params.validated_data.get("to"),
            code=params.validated_data.get("code"),
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.setdefault("client_id", uuid.uuid4())
        with credit_errors_as_validation_errors():
            log, created = procedure_log_create(user=request.user, **fields)
        if created:
            return Response(self.get_serializer(log).data, status=status.HTTP_201_CREATED)
        if not procedure_log_matches(log, fields):
            detail = "A different log already has this client_id; make a new client_id for a new log."
            return Response(
                {"detail": detail, "existing": self.get_serializer(log).data}, status=status.HTTP_409_CONFLICT
            )
        return Response(self.get_serializer(log).data, status=status.HTTP_200_OK)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        log = self.get_object()
        serializer = self.get_serializer(log, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        try:
            with credit_errors_as_validation_errors():
                log = procedure_log_update(log=log, changes=dict(serializer.validated_data))
        except ProcedureLog.DoesNotExist:
            raise NotFound("This log was deleted.") from None
        return Response(self.get_serializer(log).data)

    def perform_destroy(self, instance):
        procedure_log_delete(log=instance)


class TotalsView(APIView):
    """Your credited work RVUs, log counts and units, overall and per day, week,
    month, year or code. Defaults: this year to date, grouped by month."""

    @extend_schema(parameters=[TotalsQuerySerializer], responses=TotalsSerializer)
    def get(self, request):
        params = TotalsQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        totals = work_rvu_totals(
            user=request.user,
            date_from=params.validated_data["from"],
            date_to=params.validated_data["to"],
            group=params.validated_data["group"],
        )
        return Response(TotalsSerializer(totals).data)


@contextmanager
def credit_errors_as_validation_errors():
    """Report a procedure we cannot value as a 400 on the field at fault."""
    try:
        yield
    except CreditError as error:
        raise ValidationError({error.field: [error.message]}) from error
