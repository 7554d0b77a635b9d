from rest_framework.routers import SimpleRouter

from .views import CodeViewSet, ReleaseViewSet

router = SimpleRouter()
router.register("codes", CodeViewSet, basename="code")
router.register("releases", ReleaseViewSet, basename="release")

urlpatterns = router.urls
