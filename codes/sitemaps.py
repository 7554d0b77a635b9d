"""sitemap.xml over every code page, split into files of 5,000 under one index."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Code


class CodePageSitemap(Sitemap):
    limit = 5000
    changefreq = "monthly"  # CMS releases come quarterly, HCPCS files quarterly too

    def items(self):
        return Code.objects.order_by("code").values_list("code", flat=True)

    def location(self, code: str) -> str:
        return reverse("code-page", args=[code])


SITEMAPS = {"codes": CodePageSitemap}
