"""The phone app: one page, its service worker and its web app manifest, all under /app/.

The page holds no user data (the app reads everything through the API), so the service
worker can keep it and open the app offline. The worker is served from /app/ so that its
scope covers the app without a Service-Worker-Allowed header.
"""

import json

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .shell import (
    ENTRY_MODULE,
    THEME_COLOR,
    WORKER_SOURCE,
    manifest_data,
    module_urls,
    shell_choices,
    shell_urls,
    shell_version,
    static_url,
)

# The browser must ask each time (a 304 when unchanged): the worker, not the HTTP cache,
# keeps these for offline use, and a stale sw.js would hold phones on an old version.
REVALIDATE = "no-cache"


@require_GET
def app_shell(request):
    context = {
        "version": shell_version(),
        "theme_color": THEME_COLOR,
        "stylesheet": static_url("pwa/app.css"),
        "entry_module": static_url(ENTRY_MODULE),
        "modules": module_urls(),
        "icon": static_url("pwa/icons/icon.svg"),
        "touch_icon": static_url("pwa/icons/icon-192.png"),
        "choices": shell_choices(),
    }
    response = render(request, "pwa/index.html", context)
    response["Cache-Control"] = REVALIDATE
    return response


@require_GET
def service_worker(request):
    config = {"version": shell_version(), "files": shell_urls()}
    body = f"const SHELL = {json.dumps(config)};\n{WORKER_SOURCE.read_text()}"
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = REVALIDATE
    return response


@require_GET
def web_manifest(request):
    response = JsonResponse(manifest_data(), content_type="application/manifest+json")
    response["Cache-Control"] = REVALIDATE
    return response
