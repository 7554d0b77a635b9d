"""A program director sees the totals of trainees who chose to share them, and nothing
else; a trainee can stop sharing at any time."""

import datetime
import uuid

import pytest
from allauth.account.models import EmailAddress

from accounts.models import AuditEvent, ProgramMembership, User
from codes.models import Code
from logs.services import procedure_log_create
from tests.conftest import client_for


@pytest.fixture
def director(db) -> User:
    return User.objects.create_user(email="director@example.org", password="director-pass-123")


@pytest.fixture
def trainee(owner) -> User:
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    for code in ("27447", "99213"):
        procedure_log_create(
            user=owner, client_id=uuid.uuid4(), performed_on=datetime.date(2026, 8, 3),
            code=Code.objects.get(code=code), modifiers=[], units=1, setting="facility", note="left knee",
        )  # fmt: skip
    return owner


def invite(director_client, email: str) -> dict:
    program = director_client.post("/api/v1/programs/", {"name": "Ortho Residency"}, format="json").json()
    response = director_client.post(f"/api/v1/programs/{program['id']}/invitations/", {"email": email})
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_trainee_who_accepts_shares_totals_but_never_notes(director, trainee, owner_client):
    director_client = client_for(director)
    invitation = invite(director_client, "Owner@Example.org")
    program_id = invitation["program"]["id"]

    pending = owner_client.get("/api/v1/me/invitations/").json()["results"]
    assert [item["id"] for item in pending] == [invitation["id"]]
    assert director_client.get(f"/api/v1/programs/{program_id}/trainees/").json() == []

    accepted = owner_client.post(f"/api/v1/me/invitations/{invitation['id']}/accept/")
    assert accepted.json()["status"] == "active"

    response = director_client.get(f"/api/v1/programs/{program_id}/trainees/?from=2026-01-01&to=2026-12-31")
    assert response.status_code == 200
    assert response.json() == [
        {"membership": invitation["id"], "email": "owner@example.org", "career_stage": "", "pgy": None,
         "work_rvu": "20.41", "count": 2, "units": 2}
    ]  # fmt: skip
    assert "left knee" not in response.content.decode()
    reads = AuditEvent.objects.filter(
        actor=director, action="others_data_read", detail__what="trainee totals"
    )
    assert list(reads.values_list("subject_email", flat=True)) == ["owner@example.org"]  # one per trainee


def test_withdrawing_consent_hides_the_totals_at_once(director, trainee, owner_client):
    director_client = client_for(director)
    invitation = invite(director_client, trainee.email)
    owner_client.post(f"/api/v1/me/invitations/{invitation['id']}/accept/")

    response = owner_client.post(f"/api/v1/me/invitations/{invitation['id']}/withdraw/")

    assert response.json()["status"] == "withdrawn"
    trainees = director_client.get(f"/api/v1/programs/{invitation['program']['id']}/trainees/").json()
    assert trainees == []
    assert AuditEvent.objects.filter(actor=trainee, action="consent_withdrawn").exists()


def test_a_declined_invitation_shares_nothing_and_cannot_be_accepted_later(director, trainee, owner_client):
    invitation = invite(client_for(director), trainee.email)

    owner_client.post(f"/api/v1/me/invitations/{invitation['id']}/decline/")
    late = owner_client.post(f"/api/v1/me/invitations/{invitation['id']}/accept/")

    assert late.status_code == 400
    assert ProgramMembership.objects.get(pk=invitation["id"]).status == "declined"


def test_nobody_else_sees_a_program_or_answers_its_invitations(director, trainee, other_client):
    invitation = invite(client_for(director), trainee.email)
    program_id = invitation["program"]["id"]

    assert other_client.get(f"/api/v1/programs/{program_id}/").status_code == 404
    assert other_client.get(f"/api/v1/programs/{program_id}/trainees/").status_code == 404
    invitation_url = f"/api/v1/programs/{program_id}/invitations/"
    assert other_client.post(invitation_url, {"email": "x@y.org"}).status_code == 404
    assert other_client.post(f"/api/v1/me/invitations/{invitation['id']}/accept/").status_code == 404
    assert other_client.get("/api/v1/me/invitations/").json()["results"] == []


def test_an_invitation_to_an_unverified_address_waits_for_verification(director, owner, owner_client):
    invite(client_for(director), owner.email)  # the owner has not verified this address

    assert owner_client.get("/api/v1/me/invitations/").json()["results"] == []


def test_a_second_open_invitation_to_the_same_trainee_is_refused(director, trainee):
    director_client = client_for(director)
    invitation = invite(director_client, trainee.email)

    again = director_client.post(
        f"/api/v1/programs/{invitation['program']['id']}/invitations/", {"email": trainee.email}
    )

    assert again.status_code == 400
    assert "already has an open invitation" in str(again.json())
