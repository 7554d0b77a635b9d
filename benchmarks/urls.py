from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import BenchmarkSetViewSet, CompareView

router = SimpleRouter()
router.register("benchmarks/sets", BenchmarkSetViewSet, basename="benchmark-set")

urlpatterns = [
    path("benchmarks/compare/", CompareView.as_view(), name="benchmark-compare"),
    *router.urls,
]
