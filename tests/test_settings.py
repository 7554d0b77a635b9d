"""Settings come from the environment and production refuses to start half-configured."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from rvuedge.settings.env import env_bool, env_secret

PROJECT = Path(__file__).resolve().parent.parent
# A production environment with everything it requires.
CONFIGURED = {
    "SECRET_KEY": "k" * 30 + "Q9!z" * 10,
    "ALLOWED_HOSTS": "rvuedge.example.org",
    "RVUEDGE_SITE_ORIGIN": "https://rvuedge.example.org",
    "REDIS_URL": "redis://127.0.0.1:6379/13",
}


def run_production_check(**env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in CONFIGURED}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "rvuedge.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("missing", list(CONFIGURED))
def test_production_refuses_to_start_without_its_secrets_and_services(missing):
    env = {name: value for name, value in CONFIGURED.items() if name != missing}

    result = run_production_check(**env)

    assert result.returncode != 0
    assert f"The environment variable {missing} must be set." in result.stderr


def test_a_secret_can_come_from_a_file(tmp_path, monkeypatch):
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file\n")
    monkeypatch.setenv("SOME_SECRET_FILE", str(secret_file))

    assert env_secret("SOME_SECRET") == "from-a-file"


def test_a_malformed_boolean_fails_loudly(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")

    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG='maybe' is not a boolean"):
        env_bool("SOME_FLAG", default=False)


def test_the_health_check_answers(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_the_api_schema_documents_that_no_patient_data_is_stored(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = response.json()
    assert "No patient data." in schema["info"]["description"]
    assert "/api/v1/logs/" in schema["paths"]
    assert "/api/v1/totals/" in schema["paths"]


@pytest.mark.parametrize("path", ["/api/v1/logs/", "/_allauth/app/v1/auth/signup"])
def test_a_json_body_nested_too_deeply_is_a_400(client, owner, path):
    client.force_login(owner)

    response = client.post(path, "[" * 100_000 + "]" * 100_000, content_type="application/json")

    assert response.status_code == 400
