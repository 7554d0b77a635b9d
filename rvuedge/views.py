from django.http import JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    """Liveness probe for load balancers; also the bare baseline the API benchmark compares against."""
    return JsonResponse({"status": "ok"})
