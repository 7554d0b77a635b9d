from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    CaseViewSet,
    CreditPlanViewSet,
    LeaveViewSet,
    PlanAssignmentViewSet,
    PreviewView,
    ProcedureLogViewSet,
    ReleaseRepricingViewSet,
    TotalsView,
)

router = SimpleRouter()
router.register("logs", ProcedureLogViewSet, basename="log")
router.register("cases", CaseViewSet, basename="case")
router.register("plans", CreditPlanViewSet, basename="plan")
router.register("plan-assignments", PlanAssignmentViewSet, basename="plan-assignment")
router.register("leave", LeaveViewSet, basename="leave")
router.register("repricings", ReleaseRepricingViewSet, basename="repricing")

urlpatterns = [
    *router.urls,
    path("totals/", TotalsView.as_view(), name="totals"),
    path("wrvu/preview", PreviewView.as_view(), name="wrvu-preview"),
]
