"""Staff upload a release through the API; it imports (in-process in tests, where no
broker is set) and re-prices logs; a bad file fails with the reason and changes nothing."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from codes.models import FeeScheduleRow, Release, ReleaseUpload
from codes.services import release_import

CMS = Path(settings.DATA_DIR) / "cms"


def rvu26c_with_99213_at_1_40() -> bytes:
    """The real RVU26C file with one change, as a corrected re-issue might bring: 99213's
    work RVU 1.30 → 1.40, its totals raised to match."""
    return (
        (CMS / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv")
        .read_bytes()
        .replace(
            b"99213,,Office o/p est low 20 min,A,,1.30,1.46,,0.33,,0.09,2.85,1.72,",
            b"99213,,Office o/p est low 20 min,A,,1.40,1.46,,0.33,,0.09,2.95,1.82,",
        )
    )


def upload(client, name: str, content: bytes, **fields):
    return client.post(
        "/api/v1/releases/", {"file": SimpleUploadedFile(name, content), **fields}, format="multipart"
    )


def test_staff_upload_a_corrected_release_and_watch_it_become_ready(
    staff_client, owner_client, django_capture_on_commit_callbacks
):
    visit = owner_client.post(
        "/api/v1/logs/", {"code": "99213", "performed_on": "2026-08-03"}, format="json"
    ).json()
    content = rvu26c_with_99213_at_1_40()

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client, "PPRRVU2026_Jul_nonQPP.csv", content, release_name="RVU26CR")

    body = staff_client.get(response["Location"]).json()
    assert response.status_code == 202
    assert response["Location"].endswith(f"/api/v1/releases/{response.json()['id']}/")
    assert response.json()["state"] == "queued"  # as it stood when the request answered
    assert (body["state"], body["release"], body["error"]) == ("ready", "RVU26CR", "")
    assert (body["progress_stage"], body["progress_done"], body["progress_total"]) == ("recomputing", 1, 1)
    relogged = owner_client.get(f"/api/v1/logs/{visit['id']}/").json()
    assert (visit["work_rvu"], relogged["work_rvu"], relogged["release"]) == ("1.30", "1.40", "RVU26CR")
    corrected, original = (
        owner_client.get(f"/api/v1/releases/{name}/").json() for name in ("RVU26CR", "RVU26C")
    )
    assert (corrected["state"], corrected["replaces"], corrected["effective_on"]) == (
        "ready",
        "RVU26C",
        "2026-07-01",
    )
    assert (original["state"], original["replaced_by"]) == ("replaced", "RVU26CR")


def test_a_bad_file_fails_with_its_reason_and_changes_nothing(
    staff_client, django_capture_on_commit_callbacks
):
    before = (Release.objects.count(), FeeScheduleRow.objects.count())
    content = (
        (CMS / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv").read_bytes().replace(b",2.85,1.72,", b",9.85,1.72,", 1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client, "PPRRVU2026_Jul_nonQPP.csv", content, release_name="RVU26CR")

    stored = ReleaseUpload.objects.get(pk=response.json()["id"])
    assert stored.state == "failed"
    assert stored.error.startswith("PPRRVU2026_Jul_nonQPP.csv, line ")
    assert "column NON-FACILITY TOTAL: 9.85 does not equal" in stored.error
    assert (Release.objects.count(), FeeScheduleRow.objects.count()) == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("empty.csv", b"", "is empty"), ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "neither a ZIP")],
)
def test_files_that_cannot_be_releases_are_refused_before_they_are_stored(
    staff_client, name, content, message
):
    response = upload(staff_client, name, content)

    assert response.status_code == 400
    assert message in response.json()["file"][0]
    assert not ReleaseUpload.objects.exists()


def test_a_zip_with_too_many_members_is_refused_before_it_is_stored(staff_client):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(201):
            archive.writestr(f"file{number}.txt", b"x")

    response = upload(staff_client, "RVU26D.zip", buffer.getvalue())

    assert response.status_code == 400
    assert "holds 201 files" in response.json()["file"][0]


def test_only_staff_may_upload_or_see_uploads(owner_client, anonymous_client, staff_client):
    stored = upload(staff_client, "empty.csv", b"")  # refused: nothing stored, but the route answers
    assert stored.status_code == 400
    assert upload(owner_client, "x.csv", b"HCPCS").status_code == 403
    assert owner_client.get("/api/v1/release-uploads/").status_code == 403
    assert anonymous_client.get("/api/v1/release-uploads/").status_code == 401
    assert owner_client.get("/api/v1/releases/1/").status_code == 403
    assert anonymous_client.get("/api/v1/releases/1/").status_code == 401
    assert staff_client.get("/api/v1/releases/999999/").status_code == 404
    assert anonymous_client.get("/api/v1/releases/RVU26C/").json()["state"] == "ready"


def test_staff_without_the_upload_permission_cannot_upload_through_the_api(client, db):
    clerk = User.objects.create_user(email="clerk@example.org", password="clerk-pass-123", is_staff=True)
    client.force_login(clerk)

    response = upload(client, "PPRRVU2026_Jul_nonQPP.csv", rvu26c_with_99213_at_1_40())

    assert response.status_code == 403
    assert "permission to add release uploads" in response.json()["detail"]
    assert not ReleaseUpload.objects.exists()


def test_a_release_name_override_must_be_a_release_name(staff_client):
    response = upload(
        staff_client, "PPRRVU2026_Jul_nonQPP.csv", rvu26c_with_99213_at_1_40(), release_name="RVU26CRX"
    )

    assert response.status_code == 400
    assert "release_name" in response.json()


def test_release_names_are_found_in_any_case(anonymous_client):
    assert anonymous_client.get("/api/v1/releases/rvu26c/").json()["name"] == "RVU26C"


def test_a_correction_is_measured_against_the_release_it_corrects(
    staff_client, owner_client, django_capture_on_commit_callbacks
):
    for code, day in (("27447", "2026-08-03"), ("99213", "2026-08-04")):
        owner_client.post("/api/v1/logs/", {"code": code, "performed_on": day}, format="json")

    with django_capture_on_commit_callbacks(execute=True):
        upload(staff_client, "PPRRVU2026_Jul_nonQPP.csv", rvu26c_with_99213_at_1_40(), release_name="RVU26CR")

    repricing = owner_client.get("/api/v1/repricings/").json()["results"][0]
    assert repricing["previous_release"] == "RVU26C"
    assert repricing["message"].endswith("re-priced under RVU26CR: +0.10 wRVU on 1 code.")


def test_a_release_imported_after_its_correction_is_replaced_by_it(staff_client, tmp_path):
    correction = tmp_path / "PPRRVU2026_Jul_nonQPP.csv"
    correction.write_bytes(rvu26c_with_99213_at_1_40())
    Release.objects.filter(name="RVU26C").delete()  # as if RVU26C had never been imported
    release_import(path=correction, release_name="RVU26CR")

    release_import(path=CMS / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv")

    original = staff_client.get("/api/v1/releases/RVU26C/").json()
    assert (original["state"], original["replaced_by"]) == ("replaced", "RVU26CR")


def test_a_refused_upload_names_the_file_as_it_was_sent(staff_client, django_capture_on_commit_callbacks):
    long_name = "PPRRVU2026_Jul_nonQPP_" + "x" * 120 + ".csv"  # longer than storage keeps
    content = rvu26c_with_99213_at_1_40().replace(b",2.95,1.82,", b",9.95,1.82,", 1)

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client, long_name, content, release_name="RVU26CR")

    stored = ReleaseUpload.objects.get(pk=response.json()["id"])
    assert Path(stored.file.name).name != long_name  # storage shortened it
    assert stored.state == "failed"
    assert stored.error.startswith(f"{long_name}, line ")
