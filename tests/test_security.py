"""Security headers on every response, a CSP the admin and the API docs can live with, and
production settings that pass Django's deploy checks."""

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import path

from accounts.models import User
from codes.models import Release

PROJECT = Path(__file__).resolve().parent.parent

SITE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI's page only: its fixed <style> block, by hash. Its start-up script is a file.
DOCS_CSP = SITE_CSP.replace(
    "style-src 'self'", "style-src 'self' 'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"
)
HEADERS = {
    "Content-Security-Policy": SITE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains; preload"


def assert_security_headers(headers, csp: str = SITE_CSP) -> None:
    expected = {**HEADERS, "Content-Security-Policy": csp}
    assert {name: headers.get(name) for name in expected} == expected


def _broken_view(request):
    raise RuntimeError("a bug")


# The URLconf of the server error test (pytest.mark.urls below).
urlpatterns = [path("broken", _broken_view)]


# --- production settings, in a process of their own ---

# Left out of the subprocess's environment: a developer's own values could loosen production.
PRODUCTION_VARIABLES = {
    "SECRET_KEY", "SECRET_KEY_FILE", "ALLOWED_HOSTS", "BEHIND_TLS_PROXY", "RVUEDGE_SITE_ORIGIN", "REDIS_URL",
}  # fmt: skip
PRODUCTION_PREFIXES = ("SECURE_", "DJANGO_", "ACCOUNT_")


def production_env(**overrides: str) -> dict[str, str]:
    """This environment (DATABASE_URL included) with a realistic production setup instead of its own."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if name not in PRODUCTION_VARIABLES and not name.startswith(PRODUCTION_PREFIXES)
    }
    return {
        **kept,
        "DJANGO_SETTINGS_MODULE": "rvuedge.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "rvuedge.example",
        "RVUEDGE_SITE_ORIGIN": "https://rvuedge.example",
        "REDIS_URL": "redis://127.0.0.1:6379/13",
        **overrides,
    }


def run_in_production(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_passes_the_deploy_checks_without_a_warning():
    result = run_in_production("manage.py", "check", "--deploy", "--fail-level", "WARNING")

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "?: (security." not in output
    assert "System check identified no issues" in result.stdout


def test_production_requires_email_verification_by_default():
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.ACCOUNT_EMAIL_VERIFICATION)"
    )

    assert run_in_production("-c", script).stdout.strip() == "mandatory"
    assert run_in_production("-c", script, ACCOUNT_EMAIL_VERIFICATION="optional").stdout.strip() == "optional"
    refused = run_in_production("-c", script, ACCOUNT_EMAIL_VERIFICATION="mandatroy")
    assert "ACCOUNT_EMAIL_VERIFICATION='mandatroy' is not one of" in refused.stderr


# Sends each request of argv[1] ([path, https?, headers]) through the production stack, WhiteNoise
# included, and prints [status, headers] for each. Nothing here touches the database.
PROBE = """
import json, sys
import django
django.setup()
from django.test import Client

client = Client(HTTP_HOST="rvuedge.example")
answers = []
for path, secure, headers in json.loads(sys.argv[1]):
    response = client.get(path, secure=secure, headers=headers)
    answers.append([response.status_code, dict(response.headers)])
    response.close()
print(json.dumps(answers))
"""


@pytest.fixture(scope="module")
def production_var_dir(tmp_path_factory) -> str:
    """Static files collected as the Docker image does, for WhiteNoise to serve."""
    var_dir = str(tmp_path_factory.mktemp("production-var"))
    result = run_in_production("manage.py", "collectstatic", "--noinput", RVUEDGE_VAR_DIR=var_dir)
    assert result.returncode == 0, result.stderr
    return var_dir


def probe_production(requests: list, var_dir: str, **env: str) -> list:
    result = run_in_production("-c", PROBE, json.dumps(requests), RVUEDGE_VAR_DIR=var_dir, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_production_sends_every_header_over_https_static_files_included(production_var_dir):
    paths = ["/healthz", "/no-such-page", "/api/docs/", "/static/admin/css/base.css"]

    answers = probe_production([[path, True, {}] for path in paths], production_var_dir)

    assert [status for status, _ in answers] == [200, 404, 200, 200]
    for url, (_, headers) in zip(paths, answers, strict=True):
        assert headers["Strict-Transport-Security"] == HSTS
        assert_security_headers(headers, DOCS_CSP if url == "/api/docs/" else SITE_CSP)


def test_production_redirects_plain_http_except_the_health_check(production_var_dir):
    requests = [["/api/docs/", False, {}], ["/healthz", False, {}]]

    (redirect_status, redirect), (health_status, health) = probe_production(requests, production_var_dir)

    assert redirect_status == 301
    assert redirect["Location"] == "https://rvuedge.example/api/docs/"
    assert_security_headers(redirect)
    assert health_status == 200
    assert "Strict-Transport-Security" not in health


@pytest.mark.parametrize(("behind_proxy", "status"), [("0", 301), ("1", 200)])
def test_x_forwarded_proto_is_believed_only_behind_a_tls_proxy(production_var_dir, behind_proxy, status):
    request = ["/api/docs/", False, {"X-Forwarded-Proto": "https"}]

    [(answer_status, _)] = probe_production([request], production_var_dir, BEHIND_TLS_PROXY=behind_proxy)

    assert answer_status == status


# --- headers on every kind of response, with the test settings ---


@pytest.mark.parametrize(
    ("who", "method", "url", "status"),
    [
        ("anonymous_client", "get", "/", 302),  # to the app
        ("anonymous_client", "get", "/no-such-page/", 404),
        ("anonymous_client", "get", "/healthz", 200),
        ("anonymous_client", "post", "/healthz", 405),
        ("anonymous_client", "get", "/admin/login/", 302),  # to allauth's login page, with its second factor
        ("anonymous_client", "get", "/accounts/login/", 200),
        ("anonymous_client", "get", "/api/schema/", 200),
        ("anonymous_client", "get", "/api/v1/logs/", 401),
        ("owner_client", "get", "/api/v1/logs/", 200),
        ("owner_client", "delete", "/api/v1/totals/", 405),
    ],
)
def test_every_response_carries_the_security_headers(request, who, method, url, status):
    response = getattr(request.getfixturevalue(who), method)(url)

    assert response.status_code == status
    assert_security_headers(response.headers)


def test_only_the_api_docs_get_their_relaxed_policy(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    # drf-spectacular asks for "unsafe-none" here, for an OAuth2 popup the page does not offer.
    assert_security_headers(response.headers, DOCS_CSP)


@pytest.mark.urls(__name__)
def test_a_server_error_page_carries_the_security_headers(client):
    client.raise_request_exception = False

    response = client.get("/broken")

    assert response.status_code == 500
    assert_security_headers(response.headers)


def test_with_debug_on_the_policy_is_only_reported(client, db, settings):
    settings.DEBUG = True  # Django's debug pages rely on inline styles and scripts

    response = client.get("/healthz")

    assert response.headers["Content-Security-Policy-Report-Only"] == SITE_CSP
    assert "Content-Security-Policy" not in response.headers


# --- pages render under their policy ---


class InlineCode(HTMLParser):
    """What a CSP calls inline: <script> without src, <style>, style= and on...= attributes."""

    EXECUTABLE_TYPES = {"", "text/javascript", "application/javascript", "module"}

    def __init__(self):
        super().__init__()
        self.scripts: list[tuple[str, str | None]] = []  # (text, nonce)
        self.styles: list[tuple[str, str | None]] = []
        self.attributes: list[str] = []
        self.asset_urls: list[str] = []
        self._open: tuple[str, dict, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.attributes += [f"<{tag} {name}>" for name in attrs if name == "style" or name.startswith("on")]
        if tag in {"script", "img"} and attrs.get("src"):
            self.asset_urls.append(attrs["src"])
        elif tag == "link" and attrs.get("href"):
            self.asset_urls.append(attrs["href"])
        elif tag in {"script", "style"}:
            self._open = (tag, attrs, [])

    def handle_data(self, data):
        if self._open:
            self._open[2].append(data)

    def handle_endtag(self, tag):
        if not self._open or tag != self._open[0]:
            return
        _, attrs, text = self._open
        self._open = None
        if tag == "style":
            self.styles.append(("".join(text), attrs.get("nonce")))
        elif (attrs.get("type") or "").lower() in self.EXECUTABLE_TYPES:  # not a JSON data block
            self.scripts.append(("".join(text), attrs.get("nonce")))


def parse_policy(header: str) -> dict[str, list[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def allows_inline(sources: list[str], text: str, nonce: str | None) -> bool:
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    if f"'sha256-{digest}'" in sources or (nonce and f"'nonce-{nonce}'" in sources):
        return True
    # Browsers ignore 'unsafe-inline' as soon as a hash or a nonce stands beside it.
    return "'unsafe-inline'" in sources and not any(
        source.startswith(("'sha", "'nonce-")) for source in sources
    )


def assert_renders_under_its_policy(response) -> None:
    assert response.status_code == 200
    policy = parse_policy(response.headers["Content-Security-Policy"])
    page = InlineCode()
    page.feed(response.content.decode())

    for text, nonce in page.scripts:
        assert allows_inline(policy["script-src"], text, nonce), f"inline script refused: {text[:80]!r}"
    for text, nonce in page.styles:
        assert allows_inline(policy["style-src"], text, nonce), f"inline style refused: {text[:80]!r}"
    assert page.attributes == []
    # 'self' and data: images are all the policy allows.
    assert [url for url in page.asset_urls if not url.startswith("/") or url.startswith("//")] == []


@pytest.fixture
def superuser_client(client, db):
    client.force_login(User.objects.create_superuser(email="admin@example.org", password="admin-pass-123"))
    return client


def test_the_login_page_renders_under_the_policy(client, db):
    assert_renders_under_its_policy(client.get("/admin/login/", follow=True))


def test_the_api_docs_render_under_their_policy(client, db):
    response = client.get("/api/docs/")

    assert_renders_under_its_policy(response)
    assert b"<style>" in response.content  # the hash in DOCS_CSP is this block's


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/codes/release/",
        "/admin/codes/release/upload/",
        "/admin/codes/release/{release}/change/",
        "/admin/codes/code/",
    ],
)
def test_admin_pages_render_under_the_policy(superuser_client, url):
    release = Release.objects.order_by("pk").first()

    assert_renders_under_its_policy(superuser_client.get(url.format(release=release.pk)))
