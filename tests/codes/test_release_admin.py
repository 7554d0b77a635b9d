"""The Django admin: upload a release from the release list, and see what changed between two."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from codes.models import Release, ReleaseUpload
from logs.models import RecomputeRun
from logs.recompute import release_recompute

from .test_release_uploads import rvu26c_with_99213_at_1_40


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser(email="admin@example.org", password="admin-pass-123"))
    return client


def test_the_release_list_offers_the_upload(admin_client):
    page = admin_client.get("/admin/codes/release/")

    assert page.status_code == 200
    assert b"Upload a CMS release" in page.content


def test_an_admin_upload_imports_the_release_and_re_prices(admin_client, django_capture_on_commit_callbacks):
    content = rvu26c_with_99213_at_1_40()
    form = {"file": SimpleUploadedFile("PPRRVU2026_Jul_nonQPP.csv", content), "release_name": "RVU26CR"}

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/codes/release/upload/", form)

    upload = ReleaseUpload.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/releaseupload/{upload.pk}/change/"
    )
    assert (upload.state, upload.release.name) == ("ready", "RVU26CR")
    assert Release.objects.get(name="RVU26CR").replaces.name == "RVU26C"
    assert admin_client.get(response["Location"]).status_code == 200


def test_an_admin_upload_of_a_bad_file_says_why_and_stores_nothing(admin_client):
    form = {"file": SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")}

    response = admin_client.post("/admin/codes/release/upload/", form)

    assert response.status_code == 200
    assert b"neither a ZIP" in response.content
    assert not ReleaseUpload.objects.exists()


def test_the_admin_diff_shows_the_real_changes_from_rvu25d_to_rvu26c(admin_client):
    release = Release.objects.get(name="RVU26C")

    whole = admin_client.get(f"/admin/codes/release/{release.pk}/diff/", {"against": "RVU25D"})
    page = admin_client.get(f"/admin/codes/release/{release.pk}/diff/", {"against": "RVU25D", "code": "2744"})

    whole_text = " ".join(whole.content.decode().split())
    assert "496 rows added, 230 removed, 7477 work RVU changes, 334 status changes" in whole_text
    text = " ".join(page.content.decode().split())
    assert "0 rows added, 1 removed, 7 work RVU changes, 0 status changes" in text  # codes 2744x only
    assert (
        "<td>27447</td><td></td><td>Total knee arthroplasty</td> <td>19.60</td><td>19.11</td><td>-0.49</td>"
        in text
    )


def test_staff_without_the_upload_permission_cannot_upload(client, db):
    client.force_login(
        User.objects.create_user(email="clerk@example.org", password="x-pass-123", is_staff=True)
    )

    response = client.post("/admin/codes/release/upload/", {"file": SimpleUploadedFile("a.csv", b"HCPCS")})

    assert response.status_code == 302
    assert not ReleaseUpload.objects.exists()


def test_the_admin_shows_a_release_recompute_and_its_chunks(admin_client):
    release_recompute(release=Release.objects.get(name="RVU26C"))  # a second run: no logs, no chunks
    run = RecomputeRun.objects.filter(release__name="RVU26C").first()

    assert admin_client.get("/admin/logs/recomputerun/").status_code == 200
    page = admin_client.get(f"/admin/logs/recomputerun/{run.pk}/change/")
    assert page.status_code == 200 and b"RVU26C" in page.content
