"""Staff upload a release through the API; it imports (in-process in tests, where no
broker is set) and re-prices logs; a bad file fails with the reason and changes nothing."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from codes.models import FeeScheduleRow, Release, ReleaseUpload

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
