from allauth.account.decorators import secure_admin_login
from allauth.headless import urls as headless_urls
from django.contrib import admin
from django.urls import URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .views import healthz, home

handler404 = "rvuedge.views.page_not_found"

# Staff sign in through allauth's login page, with its rate limits and second factor,
# instead of the admin's own form that has neither.
admin.site.login = secure_admin_login(admin.site.login)

# allauth 65 always routes phone numbers, which our accounts do not have; its views then fail
# on a missing adapter method. The routes go, so those URLs are plain 404s.
PHONE_ROUTES = {"manage_phone", "verify_phone", "resend_phone_verification_code"}


def _without_routes(patterns: list, names: set[str]) -> list:
    """`patterns` without the routes named `names`, however deep allauth nests its includes."""
    kept = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver) and isinstance(pattern.urlconf_name, list):
            pattern.urlconf_name[:] = _without_routes(pattern.urlconf_name, names)
        elif getattr(pattern, "name", None) in names:
            continue
        kept.append(pattern)
    return kept


urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include((_without_routes(headless_urls.urlpatterns, PHONE_ROUTES), "headless"))),
    path("api/v1/", include("codes.urls")),
    path("api/v1/", include("logs.urls")),
    path("api/v1/", include("accounts.urls")),
    path("api/v1/", include("benchmarks.urls")),
    path("app/", include("pwa.urls")),
    path("", include("codes.page_urls")),  # public code pages, their search page and sitemap.xml
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
