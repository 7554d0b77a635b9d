from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import AccountView, ExportCsvView, ExportView, InvitationViewSet, ProfileView, ProgramViewSet

router = SimpleRouter()
router.register("programs", ProgramViewSet, basename="program")
router.register("me/invitations", InvitationViewSet, basename="invitation")

urlpatterns = [
    path("me/", AccountView.as_view(), name="account"),
    path("me/profile/", ProfileView.as_view(), name="profile"),
    path("me/export/", ExportView.as_view(), name="export"),
    path("me/export/csv/", ExportCsvView.as_view(), name="export-csv"),
    *router.urls,
]
