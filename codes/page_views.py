"""Server-rendered public pages of the catalog: one per code, a search page, and their sitemap."""

import json

from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .models import Release
from .page_cache import cached_page
from .pages import CPT_NOTICE, CodePage, code_page
from .selectors import code_search, find_code

SEARCH_PAGE_SIZE = 50
# Escapes that keep JSON inside a <script> element from closing it or opening a comment.
SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


@require_GET
def code_page_view(request, code: str):
    if code != code.upper():
        return HttpResponsePermanentRedirect(reverse("code-page", args=[code.upper()]))
    found = find_code(code)
    if found is None:
        raise Http404(f"{code} is not in the code catalog.")
    day = timezone.localdate()
    canonical_url = request.build_absolute_uri(reverse("code-page", args=[found.code]))
    # The page names its own address (canonical link, JSON-LD @id): one copy per origin asked,
    # or the first visitor's host (localhost, or www. beside the bare domain) is served to all.
    origin = f"{request.scheme}://{request.get_host()}"
    html = cached_page(
        f"html:{origin}", found.code, day, lambda: _render_page(code_page(found, day=day), canonical_url)
    )
    return render(request, "codes/cached.html", {"html": html})


def _render_page(page: CodePage, canonical_url: str) -> str:
    context = {
        "page": page,
        "notices": page.notices,
        "canonical_url": canonical_url,
        "structured_data": structured_data(page, canonical_url),
    }
    return render_to_string("codes/code_page.html", context)


def structured_data(page: CodePage, url: str) -> str:
    """schema.org JSON-LD: the page is about a medical code, and answers questions about it."""
    data = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "MedicalWebPage",
                "@id": url,
                "url": url,
                "name": page.title,
                "description": page.meta_description,
                "about": {
                    "@type": "MedicalCode",
                    "codeValue": page.code,
                    "codingSystem": "HCPCS Level II" if page.kind.kind == "hcpcs_level_2" else "CPT",
                    "name": page.short_name,
                },
            },
            {
                "@type": "FAQPage",
                "mainEntity": [
                    {
                        "@type": "Question",
                        "name": item.question,
                        "acceptedAnswer": {"@type": "Answer", "text": item.answer},
                    }
                    for item in page.questions
                ],
            },
        ],
    }
    return json.dumps(data, ensure_ascii=False).translate(SCRIPT_SAFE)


@require_GET
def code_search_page(request):
    query = request.GET.get("q", "")[:100]
    page = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    page = max(page, 1)
    release = Release.objects.in_effect_on(timezone.localdate())
    start = (page - 1) * SEARCH_PAGE_SIZE
    # One row past the page tells whether another page follows, without counting every match.
    found = (
        list(code_search(query=query, release=release)[start : start + SEARCH_PAGE_SIZE + 1])
        if query.strip()
        else []
    )
    context = {
        "query": query,
        "notices": [CPT_NOTICE],
        "results": found[:SEARCH_PAGE_SIZE],
        "first_number": start + 1,
        "previous_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if len(found) > SEARCH_PAGE_SIZE else None,
        "release": release,
    }
    return render(request, "codes/search_page.html", context)
