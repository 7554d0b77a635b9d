from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from rvuedge.api_schema import error_responses

from .compare import ComparisonError, compare_user
from .models import BenchmarkSet
from .selectors import benchmark_sets_visible_to
from .serializers import (
    BenchmarkSetDetailSerializer,
    BenchmarkSetSerializer,
    CompareQuerySerializer,
    ComparisonSerializer,
)

LICENSED_CSV = (
    "Staff import licensed tables (MGMA, AMGA, SullivanCotter …) with `manage.py import_benchmarks`, from a "
    "CSV whose header names the columns, in any order: `specialty` (a CMS provider type as profiles name "
    "it, e.g. Cardiology), `p10`, `p25`, `p50`, `p75`, `p90` (annual wRVUs, plain decimals with at most "
    "two places, ascending), `n` (providers, a whole number above 0) and optionally `career_stage` and "
    "`region` (blank: all). One line per specialty, stage and region."
)


@extend_schema_view(
    list=extend_schema(
        responses={200: BenchmarkSetSerializer(many=True), **error_responses(404)},
        description="The benchmark sets, the default first, each with its provenance: source, year, the "
        "release that valued it, method, citation and licence. Sets built from public CMS data are "
        "public; licensed tables are listed to signed-in users only. " + LICENSED_CSV,
    ),
    retrieve=extend_schema(
        responses={200: BenchmarkSetDetailSerializer, **error_responses(404)},
        description="A set with its points: per specialty (and career stage or region where the source "
        "has them) the p10 to p90 of annual wRVUs and the number of providers behind them.",
    ),
)
class BenchmarkSetViewSet(viewsets.ReadOnlyModelViewSet):
    """National benchmarks: specialty percentiles of annual work RVUs, one versioned set per source."""

    permission_classes = [AllowAny]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no caller
            return BenchmarkSet.objects.none()
        sets = benchmark_sets_visible_to(self.request.user)
        return sets.prefetch_related("points") if self.action == "retrieve" else sets

    def get_serializer_class(self):
        return BenchmarkSetDetailSerializer if self.action == "retrieve" else BenchmarkSetSerializer


class CompareView(APIView):
    """Where your production stands: your credited wRVUs for a period (this year to date by default),
    your pace annualised over working days and prorated by clinical FTE and logged leave, the
    percentile that pace reaches in your specialty, the gap to your annual target and the wRVUs a
    week still needed, and for trainees the standing among at least 5 peers of the same specialty
    and PGY (totals only, never who). Each part names what it rests on (`based_on`) and how it
    was worked out (`method`); a part that cannot be worked out is null, with the reason beside it."""

    @extend_schema(
        parameters=[CompareQuerySerializer],
        responses={200: ComparisonSerializer, **error_responses(400, 401)},
    )
    def get(self, request):
        params = CompareQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        try:
            comparison = compare_user(
                user=request.user,
                first=params.validated_data.get("from"),
                last=params.validated_data.get("to"),
                benchmark_set=params.validated_data.get("set"),
            )
        except ComparisonError as error:
            raise ValidationError({"from": [str(error)]}) from error
        return Response(ComparisonSerializer(comparison).data)
