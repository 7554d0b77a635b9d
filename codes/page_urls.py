from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, re_path

from .page_views import code_page_view, code_search_page
from .sitemaps import SITEMAPS

urlpatterns = [
    path("codes/", code_search_page, name="code-search-page"),
    re_path(r"^codes/(?P<code>[0-9A-Za-z]{5})/$", code_page_view, name="code-page"),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"}),
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap-section"),
]
