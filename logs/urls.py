from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ProcedureLogViewSet, TotalsView

router = SimpleRouter()
router.register("logs", ProcedureLogViewSet, basename="log")

urlpatterns = [*router.urls, path("totals/", TotalsView.as_view(), name="totals")]
