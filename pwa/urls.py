from django.urls import path

from . import views

urlpatterns = [
    path("", views.app_shell, name="pwa-shell"),
    path("sw.js", views.service_worker, name="pwa-service-worker"),
    path("manifest.webmanifest", views.web_manifest, name="pwa-manifest"),
]
