from rest_framework.routers import SimpleRouter

from .views import CodeViewSet, ReleaseUploadViewSet, ReleaseViewSet

router = SimpleRouter()
router.register("codes", CodeViewSet, basename="code")
router.register("releases", ReleaseViewSet, basename="release")
router.register("release-uploads", ReleaseUploadViewSet, basename="release-upload")

urlpatterns = router.urls
