from rest_framework.routers import SimpleRouter

from .views import CodeViewSet

router = SimpleRouter()
router.register("codes", CodeViewSet, basename="code")

urlpatterns = router.urls
