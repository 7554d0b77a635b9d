"""A user's profile, the export of everything they own, and the deletion of their account."""

import csv
import datetime
import io
import uuid
from decimal import Decimal

import pytest

from accounts.models import AuditEvent, Profile
from benchmarks.models import BenchmarkSet
from codes.models import Code
from logs.models import Case, Leave, ProcedureLog
from logs.services import procedure_log_create

DAY = datetime.date(2026, 8, 3)


def log(user, code: str, note: str = "") -> ProcedureLog:
    created, _ = procedure_log_create(
        user=user, client_id=uuid.uuid4(), performed_on=DAY, code=Code.objects.get(code=code),
        modifiers=[], units=1, setting="facility", note=note,
    )  # fmt: skip
    return created


def test_a_new_account_has_an_empty_profile_with_sensible_defaults(owner_client):
    response = owner_client.get("/api/v1/me/profile/")

    assert response.status_code == 200
    assert response.json() | {"updated_at": None} == {
        "career_stage": "", "specialty": "", "pgy": None, "program": None, "clinical_fte": "1.00",
        "annual_wrvu_target": None, "dollars_per_wrvu": None, "tier_threshold_wrvu": None,
        "dollars_per_wrvu_above_threshold": None, "conversion_factor_variant": "non_qp",
        "default_setting": "facility", "time_zone": "UTC", "benchmark_set": None, "updated_at": None,
    }  # fmt: skip


def test_a_resident_fills_in_their_profile_with_a_tiered_rate(owner, owner_client):
    changes = {
        "career_stage": "resident", "specialty": "Orthopedic Surgery", "pgy": 3, "clinical_fte": "0.80",
        "annual_wrvu_target": "6500", "dollars_per_wrvu": "52.00", "tier_threshold_wrvu": "6000",
        "dollars_per_wrvu_above_threshold": "58.50", "conversion_factor_variant": "qp",
        "default_setting": "non_facility", "time_zone": "America/Chicago",
    }  # fmt: skip

    response = owner_client.patch("/api/v1/me/profile/", changes, format="json")

    assert response.status_code == 200, response.json()
    profile = Profile.objects.get(user=owner)
    assert (profile.pgy, profile.clinical_fte, profile.dollars_per_wrvu_above_threshold) == (
        3, Decimal("0.80"), Decimal("58.50"),
    )  # fmt: skip


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"specialty": "Wizardry"}, "specialty"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"clinical_fte": "1.50"}, "clinical_fte"),
        ({"career_stage": "attending", "pgy": 2}, "pgy"),
        ({"tier_threshold_wrvu": "6000"}, "non_field_errors"),
        ({"dollars_per_wrvu": "-1"}, "dollars_per_wrvu"),
    ],
)
def test_a_profile_refuses_values_that_make_no_sense(owner_client, changes, field):
    response = owner_client.patch("/api/v1/me/profile/", changes, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_a_resident_who_becomes_an_attending_leaves_their_pgy_behind(owner_client):
    owner_client.patch("/api/v1/me/profile/", {"career_stage": "resident", "pgy": 4}, format="json")

    response = owner_client.patch("/api/v1/me/profile/", {"career_stage": "attending"}, format="json")

    assert response.status_code == 200
    assert response.json()["pgy"] is None


def test_the_export_holds_the_users_logs_and_nobody_elses(owner, other_user, owner_client):
    log(owner, "27447", note="left knee")
    log(other_user, "99213", note="not yours")

    data = owner_client.get("/api/v1/me/export/").json()

    assert data["account"]["email"] == "owner@example.org"
    assert [(entry["code_id"], entry["note"], entry["work_rvu"]) for entry in data["procedure_logs"]] == [
        ("27447", "left knee", "19.11")
    ]
    assert AuditEvent.objects.filter(actor=owner, action="data_exported", detail__format="json").exists()


def test_the_export_holds_the_users_leave_and_chosen_benchmark_set(owner, owner_client):
    chosen = BenchmarkSet.objects.create(
        name="Survey",
        slug="survey",
        kind="licensed",
        source="A survey",
        year=2025,
        method="-",
        licence_note="-",
    )
    Profile.objects.create(user=owner, benchmark_set=chosen)
    Leave.objects.create(user=owner, first_day=DAY, last_day=DAY, kind=Leave.Kind.CONFERENCE)

    data = owner_client.get("/api/v1/me/export/").json()

    assert data["profile"]["benchmark_set"] == chosen.pk
    assert data["leave"] == [{"first_day": "2026-08-03", "last_day": "2026-08-03", "kind": "conference"}]


def test_the_csv_export_has_a_line_per_log_and_defuses_spreadsheet_formulas(owner, owner_client):
    log(owner, "27447", note="=HYPERLINK(1)")
    log(owner, "99213")

    response = owner_client.get("/api/v1/me/export/csv/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(row["code_id"], row["work_rvu"], row["release__name"]) for row in rows] == [
        ("27447", "19.11", "RVU26C"), ("99213", "1.30", "RVU26C"),
    ]  # fmt: skip
    assert rows[0]["note"] == "'=HYPERLINK(1)"


def test_deleting_the_account_needs_the_password_and_then_removes_everything(owner, other_user, owner_client):
    log(owner, "27447")
    Case.objects.create(user=owner, performed_on=DAY, setting="facility")
    kept = log(other_user, "99213")

    refused = owner_client.delete("/api/v1/me/", {"password": "wrong"}, format="json")
    assert refused.status_code == 403
    assert ProcedureLog.objects.filter(user=owner).count() == 1

    response = owner_client.delete("/api/v1/me/", {"password": "owner-pass-123"}, format="json")

    assert response.status_code == 204
    assert not ProcedureLog.objects.filter(user_id=owner.pk).exists()
    assert not Case.objects.filter(user_id=owner.pk).exists()
    assert ProcedureLog.objects.filter(pk=kept.pk).exists()
    event = AuditEvent.objects.get(action="account_deleted")
    assert (event.actor, event.actor_email, event.detail) == (
        None, "owner@example.org", {"procedure_logs": 1, "cases": 1},
    )  # fmt: skip
    assert owner_client.get("/api/v1/me/profile/").status_code in (401, 403)


def test_an_account_with_a_plan_in_force_is_deleted_whole(owner, owner_client):
    plan = owner_client.post("/api/v1/plans/", {"name": "Employer rules"}, format="json").json()
    owner_client.post(
        "/api/v1/plan-assignments/", {"plan": plan["id"], "starts_on": "2026-01-01"}, format="json"
    )
    log(owner, "27447")  # credited under the plan

    response = owner_client.delete("/api/v1/me/", {"password": "owner-pass-123"}, format="json")

    assert response.status_code == 204
    assert not ProcedureLog.objects.filter(user_id=owner.pk).exists()


def test_guessing_the_password_to_delete_the_account_is_limited_and_audited(owner, owner_client):
    statuses = [
        owner_client.delete("/api/v1/me/", {"password": f"guess-{n}"}, format="json").status_code
        for n in range(11)
    ]

    assert statuses == [403] * 10 + [429]
    assert AuditEvent.objects.filter(actor=owner, action="password_failed").count() == 10


def test_deleting_the_only_director_of_a_program_ends_its_sharing(owner, other_user, owner_client):
    from accounts.models import Program, ProgramMembership

    program = Program.objects.create(name="Ortho Residency")
    program.directors.add(owner)
    ProgramMembership.objects.create(
        program=program, invited_email=other_user.email, trainee=other_user, status="active"
    )

    owner_client.delete("/api/v1/me/", {"password": "owner-pass-123"}, format="json")

    assert not Program.objects.filter(pk=program.pk).exists()
    assert not ProgramMembership.objects.filter(trainee=other_user).exists()


def test_the_account_says_who_is_signed_in_and_whether_they_may_upload_releases(owner_client, staff_client):
    assert owner_client.get("/api/v1/me/").json() == {
        "email": "owner@example.org",
        "can_upload_releases": False,
    }
    assert staff_client.get("/api/v1/me/").json() == {
        "email": "staff@example.org",
        "can_upload_releases": True,
    }
