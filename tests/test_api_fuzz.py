"""Fuzz every API operation from the OpenAPI schema: no server errors, every answer as documented.

schemathesis reads the schema drf-spectacular serves at /api/schema/ and sends the requests it
generates to the Django app in-process (WSGI), signed in through allauth's app login. Each
operation is one test, inside the `db` fixture's transaction, so the bundled releases are there;
its examples share that transaction, so what one creates or deletes the next may find.

No operation is excluded. The fuzz user is staff with the release-upload permissions, so the
multipart uploads are fuzzed too: their file checks meet random bytes.
DELETE /api/v1/me/ stays in: it needs the account's password, which the generator never
guesses, so it fuzzes the refusals and cannot delete the fuzz user.
"""

import datetime
import uuid

import pytest
import schemathesis
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import ProgramMembership, User
from accounts.services import program_create
from benchmarks.models import BenchmarkSet
from codes.models import Code, ReleaseUpload
from logs.models import Leave
from logs.plans import CreditPlan
from logs.services import case_create, credit_plan_assign, procedure_log_create

schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SERVICE_DAY = datetime.date(2026, 8, 3)

# The fuzz user's object that a path's {id} or {name} names, by the path's first segment after /api/v1/.
PATH_TARGETS = {
    "logs": "log",
    "cases": "case",
    "plans": "plan",
    "plan-assignments": "assignment",
    "leave": "leave",
    "programs": "program",
    "me": "invitation",
    "release-uploads": "upload",
    "releases": "release",
    "codes": "code",
    "benchmarks": "benchmark_set",
}


@pytest.fixture
def session_token(staff_user) -> str:
    """Staff holding the release-upload permissions, so the upload operations are fuzzed too."""
    cache.clear()  # the login rate limits and DRF's throttles count there
    login = APIClient().post(
        "/_allauth/app/v1/auth/login",
        {"email": staff_user.email, "password": "staff-pass-123"},
        format="json",
    )
    assert login.status_code == 200, login.content
    return login.json()["meta"]["session_token"]


@pytest.fixture
def requests_in_test_transaction(session_token):
    """Keep Django from closing the test's database connection when a request ends.

    Requests reach Django's plain WSGI handler, which closes the connection at the end of each
    one; that would end the `db` fixture's transaction. django.test.Client does the same as
    here around each request (and reconnects after it, so this comes after the login above).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def path_targets(staff_user) -> dict[str, object]:
    """One of each thing the fuzz user owns, so an {id} can name something to work on."""
    EmailAddress.objects.create(user=staff_user, email=staff_user.email, verified=True, primary=True)
    code = Code.objects.get(code="99213")
    log, _ = procedure_log_create(
        user=staff_user, client_id=uuid.uuid4(), performed_on=SERVICE_DAY, code=code, modifiers=[],
        units=1, setting="facility", note="",
    )  # fmt: skip
    case, _ = case_create(
        user=staff_user, client_id=uuid.uuid4(), performed_on=SERVICE_DAY, setting="facility", note="",
        lines=[{"code": Code.objects.get(code="27447")}],
    )  # fmt: skip
    plan = CreditPlan.objects.create(owner=staff_user, name="Employer plan")
    assignment = credit_plan_assign(user=staff_user, plan=plan, starts_on=SERVICE_DAY)
    director = User.objects.create_user(email="fuzz-director@example.org")
    invitation = ProgramMembership.objects.create(
        program=program_create(director=director, name="Another residency"),
        invited_email=staff_user.email,
        invited_by=director,
    )
    upload = ReleaseUpload.objects.create(
        file=ContentFile(b"not a release", name="notes.csv"), original_name="notes.csv", size=13,
        uploaded_by=staff_user,
    )  # fmt: skip
    return {
        "log": log.pk,
        "case": case.pk,
        "plan": plan.pk,
        "assignment": assignment.pk,
        "leave": Leave.objects.create(user=staff_user, first_day=SERVICE_DAY, last_day=SERVICE_DAY).pk,
        "program": program_create(director=staff_user, name="Fuzz residency").pk,
        "invitation": invitation.pk,
        "upload": upload.pk,
        "release": "RVU26C",
        "code": code.code,
        "benchmark_set": BenchmarkSet.objects.create(
            name="Fuzz set",
            slug="fuzz-set",
            kind="licensed",
            source="fuzz",
            year=2026,
            method="none",
            licence_note="test only",
        ).pk,
    }


def aim_at_own_objects(case, targets: dict[str, object]) -> None:
    """A generated id would find nothing but a 404: name the fuzz user's own object instead.

    Path parameters generated to be invalid (negative mode) are sent as they are.
    """
    if not case.path_parameters or case.meta is None or case.meta.is_negative_at(ParameterLocation.PATH):
        return
    segment = case.path.split("/")[3]
    for name in case.path_parameters:
        case.path_parameters[name] = targets[PATH_TARGETS[segment]]


@schema.parametrize()
@settings(
    max_examples=25,  # per operation, besides schemathesis's boundary cases: about 30 s in all
    deadline=None,
    derandomize=True,  # the same requests on every run, so CI failures reproduce
    # The fixtures serve all the examples of an operation, on purpose (see above).
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_answers_as_documented(case, session_token, requests_in_test_transaction, path_targets):
    aim_at_own_objects(case, path_targets)
    case.call_and_validate(headers={"X-Session-Token": session_token}, checks=CHECKS)
