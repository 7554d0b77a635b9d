import logging

from django.http import JsonResponse

logger = logging.getLogger(__name__)


class RejectDeeplyNestedJsonMiddleware:
    """Answer 400, not 500, when a request body nests too deeply to parse.

    Python's json module recurses once per nesting level, so a 200 KB body of
    brackets raises RecursionError in any view that parses JSON (ours, DRF's,
    allauth's). Nothing legitimate nests that deep.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RecursionError) and request.content_type == "application/json":
            logger.warning("Refused a JSON body nested too deeply: %s %s", request.method, request.path)
            return JsonResponse({"detail": "The JSON body is nested too deeply."}, status=400)
        return None
