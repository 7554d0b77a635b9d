"""What the URL configuration answers outside the routes: JSON for API clients, no phone routes."""

import pytest


@pytest.mark.parametrize("path", ["/api/v1/logs/0.5/", "/api/v1/nothing-here/", "/_allauth/app/v1/nowhere"])
def test_an_unknown_api_address_answers_json(client, db, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_unknown_page_answers_html(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "path", ["/_allauth/app/v1/account/phone", "/_allauth/browser/v1/auth/phone/verify/resend"]
)
def test_accounts_have_no_phone_routes(owner_client, path):
    assert owner_client.post(path, {"phone": "+15555550100"}, format="json").status_code == 404


def test_the_bare_address_opens_the_phone_app(anonymous_client):
    response = anonymous_client.get("/")

    assert (response.status_code, response["Location"]) == (302, "/app/")
