import logging

from django.conf import settings
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


class SecurityHeadersMiddleware:
    """Send the Content-Security-Policy of settings.SECURE_CSP, and COOP, on every response.

    Django 5.2 has no CSP support. SECURE_CSP has the shape Django 6.0 reads (directive: list of
    sources), so this class can give way to django.middleware.csp.ContentSecurityPolicyMiddleware
    after an upgrade. RVUEDGE_CSP_VIEW_ADDITIONS adds sources for one view, by URL name, and never
    loosens any other page. With DEBUG on, the policy is only reported in the browser console, so
    Django's debug pages, full of inline styles and scripts, stay readable.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.csp_header = "Content-Security-Policy" + ("-Report-Only" if settings.DEBUG else "")
        self.site_policy = _policy_header(settings.SECURE_CSP)
        self.view_policies = {
            view_name: _policy_header(_with_additions(settings.SECURE_CSP, additions))
            for view_name, additions in settings.RVUEDGE_CSP_VIEW_ADDITIONS.items()
        }
        self.opener_policy = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault(self.csp_header, self._policy_for(request))
        # drf-spectacular's Swagger view loosens COOP to "unsafe-none" for an OAuth2 login popup;
        # we offer no OAuth2 there, so the site's policy holds for it too.
        if self.opener_policy:
            response.headers["Cross-Origin-Opener-Policy"] = self.opener_policy
        return response

    def _policy_for(self, request) -> str:
        match = request.resolver_match  # None for a 404 and for static files
        return self.view_policies.get(match.view_name if match else None, self.site_policy)


def _with_additions(policy: dict[str, list[str]], additions: dict[str, list[str]]) -> dict[str, list[str]]:
    # A directive the site leaves to default-src starts from default-src's sources.
    merged = dict(policy)
    for directive, sources in additions.items():
        merged[directive] = [*policy.get(directive, policy.get("default-src", [])), *sources]
    return merged


def _policy_header(policy: dict[str, list[str]]) -> str:
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())
