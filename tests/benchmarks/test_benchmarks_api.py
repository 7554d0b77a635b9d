"""The public read API of benchmark sets, and the admin's view of them."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent, User
from benchmarks.models import BenchmarkPoint, BenchmarkSet
from benchmarks.selectors import benchmark_set_default
from benchmarks.services import benchmark_set_build_bundled, benchmark_set_make_default


def licensed_set(slug: str = "survey-2025", kind: str = BenchmarkSet.Kind.LICENSED) -> BenchmarkSet:
    survey = BenchmarkSet.objects.create(
        name="Survey 2025", slug=slug, kind=kind, source="A survey", year=2025, method="As published.",
        licence_note="Licensed to us only",
    )  # fmt: skip
    BenchmarkPoint.objects.create(
        benchmark_set=survey, specialty="Cardiology", p10=1, p25=2, p50=3, p75=4, p90=5, provider_count=40
    )
    return survey


@pytest.fixture
def sample_set(db) -> BenchmarkSet:
    return benchmark_set_build_bundled().benchmark_set


def test_anyone_lists_the_public_sets_with_their_provenance(anonymous_client, sample_set):
    licensed_set()

    body = anonymous_client.get("/api/v1/benchmarks/sets/").json()

    assert body["count"] == 1  # the licensed table stays behind the sign-in
    listed = body["results"][0]
    assert listed["slug"] == "medicare-2012-sample-rvu26c" and listed["is_default"]
    assert (listed["kind"], listed["year"], listed["release"], listed["point_count"]) == (
        "public_data",
        2012,
        "RVU26C",
        46,
    )
    assert "three small states" in listed["method"] and "CMS" in listed["licence_note"]
    assert "Dallas Morning News" in listed["citation"] or "DallasMorningNews" in listed["citation"]


def test_a_signed_in_user_also_sees_licensed_tables_default_first(owner_client, sample_set):
    survey = licensed_set()
    benchmark_set_make_default(benchmark_set=survey)

    body = owner_client.get("/api/v1/benchmarks/sets/").json()

    assert [(row["slug"], row["is_default"]) for row in body["results"]] == [
        ("survey-2025", True),
        ("medicare-2012-sample-rvu26c", False),
    ]


def test_listing_sets_takes_the_same_queries_however_many_there_are(anonymous_client, sample_set):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert anonymous_client.get("/api/v1/benchmarks/sets/").status_code == 200
        return len(captured)

    few = queries()
    for number in range(3):
        licensed_set(slug=f"public-{number}", kind=BenchmarkSet.Kind.PUBLIC_DATA)

    assert queries() == few == 1  # the sets with their releases and point counts; no COUNT for one page


def test_a_set_shows_its_points(anonymous_client, sample_set):
    body = anonymous_client.get(f"/api/v1/benchmarks/sets/{sample_set.pk}/").json()

    cardiology = next(point for point in body["points"] if point["specialty"] == "Cardiology")
    stored = sample_set.points.get(specialty="Cardiology")
    assert cardiology == {
        "specialty": "Cardiology",
        "career_stage": "",
        "region": "",
        **{name: str(getattr(stored, name)) for name in ("p10", "p25", "p50", "p75", "p90")},
        "provider_count": stored.provider_count,
    }
    assert len(body["points"]) == 46
    assert body["build_report"]["rows_read"] == 61_523


def test_a_licensed_set_is_not_found_for_anonymous_callers(anonymous_client, owner_client, db):
    survey = licensed_set()

    assert anonymous_client.get(f"/api/v1/benchmarks/sets/{survey.pk}/").status_code == 404
    assert owner_client.get(f"/api/v1/benchmarks/sets/{survey.pk}/").json()["points"][0]["p50"] == "3.00"


@pytest.mark.parametrize("path", ["/api/v1/benchmarks/sets/999999/", "/api/v1/benchmarks/sets/x/"])
def test_an_unknown_set_is_not_found(anonymous_client, db, path):
    assert anonymous_client.get(path).status_code == 404


def test_the_default_falls_back_to_the_newest_set_when_none_is_marked(sample_set):
    newer = licensed_set()
    sample_set.delete()

    assert benchmark_set_default() == newer


def test_a_superuser_reads_a_set_and_its_points_in_the_admin_and_makes_it_the_default(client, sample_set):
    client.force_login(User.objects.create_superuser(email="admin@example.org", password="admin-pass-123"))
    survey = licensed_set()

    page = client.get(f"/admin/benchmarks/benchmarkset/{survey.pk}/change/")
    chosen = client.post(
        "/admin/benchmarks/benchmarkset/", {"action": "make_default", "_selected_action": [survey.pk]}
    )

    assert page.status_code == 200 and b"Cardiology" in page.content
    assert b'name="points-0-p50"' not in page.content  # read-only
    assert chosen.status_code == 302
    assert BenchmarkSet.objects.get(is_default=True) == survey


def test_staff_without_the_benchmark_permissions_cannot_change_the_default(client, sample_set):
    staff = User.objects.create_user(email="staff@example.org", password="staff-pass-123", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_benchmarkset"))
    client.force_login(staff)
    survey = licensed_set()

    client.post(
        "/admin/benchmarks/benchmarkset/", {"action": "make_default", "_selected_action": [survey.pk]}
    )

    assert BenchmarkSet.objects.get(is_default=True) == sample_set


def test_adding_a_set_and_changing_the_default_leave_an_audit_trail(sample_set, staff_client):
    survey = licensed_set()
    benchmark_set_make_default(benchmark_set=survey)

    added = AuditEvent.objects.get(action=AuditEvent.Action.BENCHMARK_SET_ADDED)
    made_default = AuditEvent.objects.get(action=AuditEvent.Action.BENCHMARK_DEFAULT)
    assert added.detail | {"files": None} == {
        "slug": "medicare-2012-sample-rvu26c", "kind": "public_data", "files": None, "specialties": 46,
        "is_default": True,
    }  # fmt: skip
    assert made_default.detail == {"slug": "survey-2025"}
