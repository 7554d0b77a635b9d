"""The audit trail records sign-ins, failures and plan changes with the client's address,
and never a password."""

import json

from accounts.models import AuditEvent, User
from accounts.services import profile_for


def test_a_login_and_a_failed_login_are_recorded_without_the_password(client, db):
    User.objects.create_user(email="audited@example.org", password="right-pass-123")
    login = "/_allauth/browser/v1/auth/login"

    client.post(login, {"email": "audited@example.org", "password": "wrong-pass-456"}, "application/json")
    client.post(login, {"email": "audited@example.org", "password": "right-pass-123"}, "application/json")

    columns = ("action", "actor_email", "subject_email", "ip_address")
    events = AuditEvent.objects.order_by("id").values_list(*columns)
    assert list(events) == [
        ("login_failed", "", "audited@example.org", "127.0.0.1"),
        ("login", "audited@example.org", "", "127.0.0.1"),
    ]
    stored = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert "wrong-pass-456" not in stored and "right-pass-123" not in stored


def test_plan_changes_are_recorded(owner, owner_client):
    plan = owner_client.post("/api/v1/plans/", {"name": "Employer rules"}, format="json").json()
    owner_client.patch(f"/api/v1/plans/{plan['id']}/", {"apply_bilateral": False}, format="json")
    owner_client.delete(f"/api/v1/plans/{plan['id']}/")

    changes = AuditEvent.objects.filter(actor=owner, action="plan_changed").values_list("detail", flat=True)
    assert [change["change"] for change in changes] == ["deleted", "edited", "created"]


def test_the_trail_cannot_be_edited_in_the_admin(admin_client, db):
    AuditEvent.objects.create(action="login", actor_email="someone@example.org")
    event = AuditEvent.objects.get(actor_email="someone@example.org")

    assert admin_client.get("/admin/accounts/auditevent/").status_code == 200
    deletion = admin_client.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert deletion.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_staff_changes_in_the_admin_are_recorded_with_whose_record_it_was(admin_client, owner):
    profile = profile_for(owner)
    page = f"/admin/accounts/profile/{profile.pk}/change/"

    admin_client.get(page)
    admin_client.post(
        page,
        {"user": owner.pk, "career_stage": "attending", "specialty": "", "clinical_fte": "1.00",
         "conversion_factor_variant": "non_qp", "default_setting": "facility", "time_zone": "UTC"},
    )  # fmt: skip

    actions = list(AuditEvent.objects.filter(subject_email=owner.email).values_list("action", "detail"))
    assert ("others_data_read", {"what": f"admin profile {profile.pk}"}) in actions
    assert ("staff_change", {"what": f"admin profile {profile.pk}", "change": "changed"}) in actions
