from rest_framework.routers import SimpleRouter

from .views import BenchmarkSetViewSet

router = SimpleRouter()
router.register("benchmarks/sets", BenchmarkSetViewSet, basename="benchmark-set")

urlpatterns = router.urls
