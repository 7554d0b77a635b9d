"""The app shell as Django serves it: the page, its service worker and manifest, their version."""

import json
import re
import shutil

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from bench.pwa_first_load import BUDGET_BYTES, first_load
from codes.models import Release
from codes.selectors import code_search
from pwa import shell
from tests.test_security import (
    assert_renders_under_its_policy,
    assert_security_headers,
    probe_production,
    run_in_production,
)


def test_the_page_renders_under_the_site_policy(client, db):
    response = client.get("/app/")

    assert_renders_under_its_policy(response)
    assert_security_headers(response.headers)
    assert response["Cache-Control"] == "no-cache"


def test_the_page_names_its_worker_and_loads_only_its_own_modules(client, db):
    html = client.get("/app/").content.decode()

    assert 'data-service-worker="/app/sw.js"' in html
    assert '<script type="module" src="/static/pwa/js/main.js">' in html
    preloaded = re.findall(r'rel="modulepreload" href="([^"]+)"', html)
    assert sorted(preloaded) == [url for url in shell.module_urls()]
    assert all(url.startswith("/static/pwa/js/") for url in preloaded)


def test_the_worker_caches_every_shell_file_under_the_shells_version(client, db):
    response = client.get("/app/sw.js")

    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    config = json.loads(re.match(r"const SHELL = (.*);\n", response.content.decode())[1])
    assert config["version"] == shell.shell_version()
    assert config["files"][:2] == ["/app/", "/app/manifest.webmanifest"]
    static_files = [url.removeprefix(settings.STATIC_URL) for url in config["files"][2:]]
    assert "pwa/js/main.js" in static_files and "pwa/app.css" in static_files
    assert all(finders.find(name) for name in static_files)


def test_the_manifest_makes_the_app_installable(client, db):
    response = client.get("/app/manifest.webmanifest")

    manifest = response.json()
    assert response["Content-Type"] == "application/manifest+json"
    assert manifest["scope"] == "/app/" and manifest["start_url"].startswith("/app/")
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix(settings.STATIC_URL)), icon["src"]


@pytest.mark.parametrize("url", ["/app/", "/app/sw.js", "/app/manifest.webmanifest"])
def test_the_shell_answers_get_only(client, db, url):
    assert client.post(url).status_code == 405


def test_the_version_changes_with_any_shell_file(tmp_path, monkeypatch):
    copy = tmp_path / "static"
    shutil.copytree(shell.STATIC_DIR, copy)
    monkeypatch.setattr(shell, "APP_DIR", tmp_path)
    monkeypatch.setattr(shell, "STATIC_DIR", copy)
    monkeypatch.setattr(shell, "SHELL_STATIC_DIR", copy / "pwa")
    monkeypatch.setattr(shell, "SHELL_TEMPLATE", copy / "pwa" / "app.css")  # any file under tmp_path
    monkeypatch.setattr(shell, "WORKER_SOURCE", copy / "pwa" / "synonyms.json")
    before = shell._fingerprint()

    with (copy / "pwa" / "js" / "dates.js").open("a") as module:
        module.write("\n// changed\n")

    assert shell._fingerprint() != before


def test_the_first_load_stays_under_its_budget(db):
    now, _ = first_load()

    urls = {transfer.url for transfer in now}
    assert {"/app/", "/app/manifest.webmanifest", "/static/pwa/app.css", "/static/pwa/js/main.js"} <= urls
    assert sum(transfer.gzipped for transfer in now) < BUDGET_BYTES


def test_every_synonym_finds_a_code_in_the_catalog(db):
    synonyms = json.loads((shell.SHELL_STATIC_DIR / "synonyms.json").read_text())
    release = Release.objects.get(name="RVU26C")

    empty = [term for term, words in synonyms.items() if not code_search(query=words, release=release)]

    assert empty == [], "these synonyms find nothing: fix synonyms.json"
    assert all(term == term.lower() and re.fullmatch(r"[0-9a-z ]+", term) for term in synonyms)


def test_the_page_holds_the_form_choices_and_nothing_of_the_user(owner_client):
    html = owner_client.get("/app/").content.decode()
    choices = json.loads(re.search(r'<script id="choices" type="application/json">(.*?)</script>', html)[1])

    assert ["non_facility", "Non-facility"] in choices["settings"]
    assert "Orthopedic Surgery" in choices["specialties"]
    # The worker serves this page to whoever opens the app on the phone: nothing personal in it.
    assert "owner@example.org" not in html and "csrfmiddlewaretoken" not in html


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory) -> str:
    var_dir = str(tmp_path_factory.mktemp("pwa-production-var"))
    result = run_in_production("manage.py", "collectstatic", "--noinput", RVUEDGE_VAR_DIR=var_dir)
    assert result.returncode == 0, result.stderr
    return var_dir


def test_production_serves_the_modules_under_their_own_names(collected_static):
    """The modules import each other by relative path, which the manifest storage leaves alone:
    WhiteNoise must serve each under its own name, as JavaScript, with the site's headers."""
    modules = ["/static/pwa/js/main.js", "/static/pwa/js/screens/log.js"]
    paths = ["/app/", "/app/sw.js", *modules, "/static/pwa/app.css"]

    answers = probe_production([[path, True, {}] for path in paths], collected_static)

    assert [status for status, _ in answers] == [200] * len(paths)
    for _, headers in answers:
        assert_security_headers(headers)
    assert answers[2][1]["Content-Type"].startswith("text/javascript")
