"""The phone app's path: log in through allauth headless, then call the API with the token."""

from decimal import Decimal

from accounts.models import User


def test_an_app_logs_in_and_uses_its_session_token(client, db):
    User.objects.create_user(email="resident@example.org", password="a-long-pass-phrase")

    login = client.post(
        "/_allauth/app/v1/auth/login",
        {"email": "resident@example.org", "password": "a-long-pass-phrase"},
        content_type="application/json",
    )
    token = login.json()["meta"]["session_token"]
    created = client.post(
        "/api/v1/logs/",
        {"code": "27447", "performed_on": "2026-08-01"},
        content_type="application/json",
        headers={"X-Session-Token": token},
    )

    assert login.status_code == 200
    assert created.status_code == 201
    assert Decimal(created.json()["work_rvu"]) == Decimal("19.11")


def test_an_unknown_token_is_told_to_log_in_again(client, db):
    response = client.get("/api/v1/logs/", headers={"X-Session-Token": "no-such-token"})

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "X-Session-Token"
    assert response.json()["detail"] != "Authentication credentials were not provided."


def test_a_wrong_password_gets_no_token(client, db):
    User.objects.create_user(email="resident@example.org", password="a-long-pass-phrase")

    login = client.post(
        "/_allauth/app/v1/auth/login",
        {"email": "resident@example.org", "password": "not-it"},
        content_type="application/json",
    )

    assert login.status_code == 400
    assert "session_token" not in login.json().get("meta", {})
