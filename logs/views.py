import uuid
from contextlib import contextmanager
from decimal import Decimal

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.audit import Action, audit_record
from rvuedge.api_schema import error_responses

from .credit import CreditError, Line
from .models import Case, Leave, ProcedureLog, ReleaseRepricing
from .plans import CreditPlan, PlanAssignment
from .selectors import procedure_logs_for, work_rvu_totals
from .serializers import (
    CaseLineSerializer,
    CaseSerializer,
    CreditPlanSerializer,
    LeaveSerializer,
    LogFilterSerializer,
    PlanAssignmentSerializer,
    PreviewResultSerializer,
    PreviewSerializer,
    ProcedureLogSerializer,
    ReleaseRepricingSerializer,
    TotalsQuerySerializer,
    TotalsSerializer,
)
from .services import (
    case_create,
    case_matches,
    credit_plan_assign,
    credit_plan_changed,
    credit_plan_unassign,
    procedure_log_create,
    procedure_log_delete,
    procedure_log_matches,
    procedure_log_update,
    wrvu_preview,
)

LOG_SAVED_BEFORE = OpenApiResponse(
    ProcedureLogSerializer, description="Already saved: a retry with the same client_id."
)
LOG_CONFLICT = OpenApiResponse(description="Another log already has this client_id.")


@extend_schema_view(
    list=extend_schema(
        parameters=[LogFilterSerializer],
        responses={200: ProcedureLogSerializer(many=True), **error_responses(400, 401, 404)},
    ),
    create=extend_schema(
        responses={
            201: ProcedureLogSerializer,
            200: LOG_SAVED_BEFORE,
            409: LOG_CONFLICT,
            **error_responses(400, 401, 415),
        }
    ),
    retrieve=extend_schema(responses={200: ProcedureLogSerializer, **error_responses(401, 404)}),
    update=extend_schema(responses={200: ProcedureLogSerializer, **error_responses(400, 401, 404, 415)}),
    partial_update=extend_schema(
        responses={200: ProcedureLogSerializer, **error_responses(400, 401, 404, 415)}
    ),
    destroy=extend_schema(responses={204: None, **error_responses(401, 404)}),
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
            return _conflict("log", self.get_serializer(log).data)
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

    @extend_schema(
        parameters=[TotalsQuerySerializer], responses={200: TotalsSerializer, **error_responses(400, 401)}
    )
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


def _conflict(kind: str, existing: dict) -> Response:
    detail = f"A different {kind} already has this client_id; make a new client_id for a new {kind}."
    return Response({"detail": detail, "existing": existing}, status=status.HTTP_409_CONFLICT)


@contextmanager
def credit_errors_as_validation_errors(*, lines_field: str | None = None):
    """Report a procedure we cannot value as a 400 on the field at fault (and its line)."""
    try:
        yield
    except CreditError as error:
        if lines_field and error.line is not None:
            raise ValidationError({lines_field: {error.line: {error.field: [error.message]}}}) from error
        raise ValidationError({error.field: [error.message]}) from error


@extend_schema_view(
    list=extend_schema(responses={200: CaseSerializer(many=True), **error_responses(401, 404)}),
    create=extend_schema(
        responses={
            201: CaseSerializer,
            200: OpenApiResponse(CaseSerializer, description="Already saved."),
            409: OpenApiResponse(description="Another case already has this client_id."),
            **error_responses(400, 401, 415),
        }
    ),
    retrieve=extend_schema(responses={200: CaseSerializer, **error_responses(401, 404)}),
    destroy=extend_schema(responses={204: None, **error_responses(401, 404)}),
    add_line=extend_schema(
        request=CaseLineSerializer,
        responses={
            201: ProcedureLogSerializer,
            200: LOG_SAVED_BEFORE,
            409: LOG_CONFLICT,
            **error_responses(400, 401, 404, 415),
        },
    ),
)
class CaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your cases: the procedures of one session, credited together (the multiple-procedure
    rule ranks a case's lines against each other). Create a case with its lines in one
    request; add a line with POST .../lines/; move a line by PATCHing its `case`."""

    serializer_class = CaseSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        lines = Prefetch("lines", queryset=ProcedureLog.objects.select_related("code", "release"))
        return Case.objects.filter(user=self.request.user).prefetch_related(lines)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.setdefault("client_id", uuid.uuid4())
        with credit_errors_as_validation_errors(lines_field="lines"):
            case, created = case_create(user=request.user, **fields)
        case = self.get_queryset().get(pk=case.pk)
        if not created and not case_matches(case, fields):
            return _conflict("case", self.get_serializer(case).data)
        status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(case).data, status=status_code)

    @action(detail=True, methods=["post"], url_path="lines")
    def add_line(self, request, pk=None):
        case = self.get_object()
        line = CaseLineSerializer(data=request.data, context=self.get_serializer_context())
        line.is_valid(raise_exception=True)
        fields = {
            **line.validated_data,
            "client_id": line.validated_data.get("client_id") or uuid.uuid4(),
            "performed_on": case.performed_on,
            "setting": case.setting,
            "case": case,
        }
        with credit_errors_as_validation_errors():
            log, created = procedure_log_create(user=request.user, **fields)
        data = ProcedureLogSerializer(log, context=self.get_serializer_context()).data
        if not created and not procedure_log_matches(log, fields):
            return _conflict("log", data)
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class PreviewView(APIView):
    """What a case would earn, line by line with the explanation of each, without saving
    anything. Uses the same engine as stored logs, so a saved case earns exactly this."""

    @extend_schema(
        request=PreviewSerializer, responses={200: PreviewResultSerializer, **error_responses(400, 401, 415)}
    )
    def post(self, request):
        params = PreviewSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        data = params.validated_data
        setting = data["setting"]
        lines = [
            Line(code=line["code"], modifiers=tuple(line["modifiers"]), units=line["units"], setting=setting)
            for line in data["lines"]
        ]
        with credit_errors_as_validation_errors(lines_field="lines"):
            plan, credits = wrvu_preview(
                user=request.user, performed_on=data["performed_on"], lines=lines, plan=data.get("plan")
            )
        result = {
            "performed_on": data["performed_on"],
            "plan": plan.name,
            "lines": [
                {
                    "code": line.code.code,
                    "modifiers": list(line.modifiers),
                    "units": line.units,
                    "release": credit.release.name,
                    "work_rvu": credit.work_rvu,
                    "explanation": credit.explanation,
                }
                for line, credit in zip(lines, credits, strict=True)
            ],
            "work_rvu": sum((credit.work_rvu for credit in credits), Decimal("0.00")),
        }
        return Response(PreviewResultSerializer(result).data)


@extend_schema_view(
    list=extend_schema(responses={200: CreditPlanSerializer(many=True), **error_responses(401, 404)}),
    create=extend_schema(responses={201: CreditPlanSerializer, **error_responses(400, 401, 415)}),
    retrieve=extend_schema(responses={200: CreditPlanSerializer, **error_responses(401, 404)}),
    update=extend_schema(responses={200: CreditPlanSerializer, **error_responses(400, 401, 404, 415)}),
    partial_update=extend_schema(
        responses={200: CreditPlanSerializer, **error_responses(400, 401, 404, 415)}
    ),
    destroy=extend_schema(responses={204: None, **error_responses(400, 401, 404)}),
)
class CreditPlanViewSet(viewsets.ModelViewSet):
    """Your credit plans: which CMS reductions your employer applies to wRVUs. Editing a
    plan re-credits every log it covers."""

    serializer_class = CreditPlanSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CreditPlan.objects.none()
        return CreditPlan.objects.filter(owner=self.request.user)

    def perform_create(self, serializer):
        plan = serializer.save(owner=self.request.user)
        _audit_plan_change(self.request, "created", plan=plan.pk)

    def perform_update(self, serializer):
        with credit_errors_as_validation_errors():
            credit_plan_changed(plan=serializer.save())
        _audit_plan_change(self.request, "edited", plan=serializer.instance.pk)

    def perform_destroy(self, instance):
        if instance.assignments.exists():
            raise ValidationError(
                {"detail": "This plan is in force for some dates; assign another plan first."}
            )
        _audit_plan_change(self.request, "deleted", plan=instance.pk)
        instance.delete()


@extend_schema_view(
    list=extend_schema(responses={200: PlanAssignmentSerializer(many=True), **error_responses(401, 404)}),
    create=extend_schema(responses={201: PlanAssignmentSerializer, **error_responses(400, 401, 415)}),
    retrieve=extend_schema(responses={200: PlanAssignmentSerializer, **error_responses(401, 404)}),
    destroy=extend_schema(responses={204: None, **error_responses(400, 401, 404)}),
)
class PlanAssignmentViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Which plan credits your logs from which date. Creating or deleting one re-credits
    the logs of the dates it covers, and only those."""

    serializer_class = PlanAssignmentSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PlanAssignment.objects.none()
        return PlanAssignment.objects.filter(user=self.request.user).select_related("plan")

    def perform_create(self, serializer):
        data = serializer.validated_data
        with credit_errors_as_validation_errors():
            serializer.instance = credit_plan_assign(
                user=self.request.user, plan=data["plan"], starts_on=data["starts_on"]
            )
        _audit_plan_change(self.request, "assigned", plan=data["plan"].pk, starts_on=str(data["starts_on"]))

    def perform_destroy(self, instance):
        with credit_errors_as_validation_errors():
            credit_plan_unassign(assignment=instance)
        _audit_plan_change(
            self.request, "unassigned", plan=instance.plan_id, starts_on=str(instance.starts_on)
        )


def _audit_plan_change(request, change: str, **detail) -> None:
    audit_record(action=Action.PLAN_CHANGED, request=request, change=change, **detail)


@extend_schema_view(
    list=extend_schema(responses={200: ReleaseRepricingSerializer(many=True), **error_responses(401, 404)})
)
class ReleaseRepricingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """What each new release did to your logs, e.g. "Your logs from 2026-07-01 were
    re-priced under RVU26C: +1.24 wRVU on 3 codes"."""

    serializer_class = ReleaseRepricingSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReleaseRepricing.objects.none()
        return ReleaseRepricing.objects.filter(user=self.request.user).select_related(
            "release", "previous_release"
        )


@extend_schema_view(
    list=extend_schema(responses={200: LeaveSerializer(many=True), **error_responses(401, 404)}),
    create=extend_schema(responses={201: LeaveSerializer, **error_responses(400, 401, 415)}),
    retrieve=extend_schema(responses={200: LeaveSerializer, **error_responses(401, 404)}),
    update=extend_schema(responses={200: LeaveSerializer, **error_responses(400, 401, 404, 415)}),
    partial_update=extend_schema(responses={200: LeaveSerializer, **error_responses(400, 401, 404, 415)}),
    destroy=extend_schema(responses={204: None, **error_responses(401, 404)}),
)
class LeaveViewSet(viewsets.ModelViewSet):
    """Your leave (vacation, conference, sick, parental, other): working days on leave are left
    out of your benchmark pace, and planned leave out of the weeks left to reach your target.
    Only the kind is kept, never a reason."""

    serializer_class = LeaveSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Leave.objects.none()
        return Leave.objects.filter(user=self.request.user)

    def perform_create(self, serializer):
        serializer.save(user=self.request.user)
