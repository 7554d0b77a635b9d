from django.http import HttpResponseRedirect, JsonResponse
from django.views import defaults
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    """Liveness probe for load balancers; also the bare baseline the API benchmark compares against."""
    return JsonResponse({"status": "ok"})


@require_GET
def home(request):
    """The bare address (and the admin's "View site" link) opens the phone app."""
    return HttpResponseRedirect("/app/")


def page_not_found(request, exception):
    """A 404 in JSON under /api/ and /_allauth/, where clients read JSON; the usual page elsewhere."""
    if request.path.startswith(("/api/", "/_allauth/")):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
