"""Signing in as a bank would have it: verified email, a second factor, and limits on guessing.

Everything goes through allauth's headless API (/_allauth/{client}/v1/), as the phone app and
the PWA do, or through allauth's login page, where the admin sends staff. Each test counts
attempts in a cache of its own, so no limit carries over from another test.
"""

import json
import os
import re
import subprocess
import sys
import time
import types
import uuid
from pathlib import Path
from urllib.parse import unquote

import pytest
import redis
from allauth.account.models import EmailAddress
from allauth.core.internal import ratelimit
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal import auth as totp_auth
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import User
from rvuedge.settings.base import _site_origin, _throttle_rate

APP = "/_allauth/app/v1"
BROWSER = "/_allauth/browser/v1"
ORIGIN = "http://127.0.0.1:8000"
PASSWORD = "a-long-pass-phrase"
WRONG_PASSWORD = "not-the-pass-phrase"
REDIS_TEST_URL = os.environ.get("RVUEDGE_TEST_CACHE_URL", "redis://127.0.0.1:6379/11")
PROJECT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """A cache of the test's own: attempts counted by other tests never reach this one."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"authentication-{uuid.uuid4()}",
        }
    }


@pytest.fixture
def redis_cache(settings):
    """Redis db 11, as deployed: the counts every worker process shares."""
    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis answers at {REDIS_TEST_URL}")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": f"authentication-{uuid.uuid4()}",
        }
    }
    yield
    cache.clear()  # all of db 11, kept for these tests


@pytest.fixture
def totp_clock(monkeypatch) -> float:
    """Stops allauth's TOTP clock, so a code computed here cannot expire before it is checked."""
    now = time.time()
    monkeypatch.setattr(totp_auth, "time", types.SimpleNamespace(time=lambda: now))
    return now


@pytest.fixture
def member(db) -> User:
    """A signed-up person whose address is confirmed (allauth lets only them add a second factor)."""
    return verified_user("member@example.org")


@pytest.fixture
def member_totp_secret(member) -> str:
    secret = totp_auth.generate_totp_secret()
    totp_auth.TOTP.activate(member, secret)
    return secret


def verified_user(email: str, **fields) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, **fields)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


def totp_code(secret: str, now: float) -> str:
    counter = int(now) // mfa_settings.TOTP_PERIOD
    return totp_auth.format_hotp_value(totp_auth.hotp_value(secret, counter))


def app_call(client, method: str, path: str, body: dict | None = None, token: str = "", **extra):
    headers = {"X-Session-Token": token} if token else {}
    headers.update(extra.pop("headers", {}))
    send = getattr(client, method)
    if body is None:
        return send(f"{APP}{path}", headers=headers, **extra)
    return send(f"{APP}{path}", body, content_type="application/json", headers=headers, **extra)


def app_login(client, email: str, password: str = PASSWORD, **extra):
    return app_call(client, "post", "/auth/login", {"email": email, "password": password}, **extra)


def session_token(response) -> str:
    return response.json()["meta"]["session_token"]


def pending_flow(response) -> str:
    return next(flow["id"] for flow in response.json()["data"]["flows"] if flow.get("is_pending"))


def second_factor(client, code: str, token: str):
    return app_call(client, "post", "/auth/2fa/authenticate", {"code": code}, token=token)


def api_status(client, token: str) -> int:
    return client.get("/api/v1/logs/", headers={"X-Session-Token": token}).status_code


def key_in_last_email(link_prefix: str) -> str:
    """The key at the end of the link the last email carries (the PWA unquotes it the same way)."""
    match = re.search(re.escape(link_prefix) + r"(\S+)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return unquote(match.group(1))


# Signup, verification, login and logout


def test_a_signup_is_confirmed_through_a_link_to_the_pwa_then_a_login_opens_the_api(client, db, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"

    signup = app_call(client, "post", "/auth/signup", {"email": "new@example.org", "password": PASSWORD})
    key = key_in_last_email(f"{ORIGIN}/app/#/account/verify-email/")
    unverified_token = session_token(signup)
    verify = app_call(client, "post", "/auth/email/verify", {"key": key}, token=unverified_token)
    login = app_login(client, "new@example.org")

    assert signup.status_code == 401
    assert pending_flow(signup) == "verify_email"
    assert api_status(client, unverified_token) == 401
    # Confirmed, yet not signed in: whoever holds the link still needs the password.
    assert verify.status_code == 401
    assert EmailAddress.objects.get(email="new@example.org").verified
    assert login.status_code == 200
    assert api_status(client, session_token(login)) == 200


def test_an_unconfirmed_account_cannot_log_in_when_confirmation_is_mandatory(client, db, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    User.objects.create_user(email="new@example.org", password=PASSWORD)

    login = app_login(client, "new@example.org")

    assert login.status_code == 401
    assert pending_flow(login) == "verify_email"
    assert api_status(client, session_token(login)) == 401


def test_a_login_gives_a_token_that_logout_ends(client, member):
    login = app_login(client, member.email)
    token = session_token(login)
    authenticated = api_status(client, token)

    logout = app_call(client, "delete", "/auth/session", token=token)

    assert login.status_code == 200
    assert authenticated == 200
    assert logout.status_code == 401
    assert api_status(client, token) == 401


def test_the_browser_client_logs_in_with_a_session_cookie(client, member):
    login = client.post(
        f"{BROWSER}/auth/login",
        {"email": member.email, "password": PASSWORD},
        content_type="application/json",
    )

    assert login.status_code == 200
    assert client.get("/api/v1/logs/").status_code == 200


# Passwords


def test_a_password_change_keeps_this_device_signed_in_and_signs_out_the_others(client, member):
    phone = session_token(app_login(client, member.email))
    tablet = session_token(app_login(client, member.email))

    change = app_call(
        client,
        "post",
        "/account/password/change",
        {"current_password": PASSWORD, "new_password": "another-long-phrase"},
        token=phone,
    )

    assert change.status_code == 200
    assert api_status(client, change.json()["meta"].get("session_token", phone)) == 200
    assert api_status(client, tablet) == 401
    assert app_login(client, member.email, "another-long-phrase").status_code == 200
    assert mail.outbox[-1].to == [member.email]  # told that the password changed


def test_a_password_change_needs_the_current_password(client, member):
    token = session_token(app_login(client, member.email))

    change = app_call(
        client,
        "post",
        "/account/password/change",
        {"current_password": WRONG_PASSWORD, "new_password": "another-long-phrase"},
        token=token,
    )

    assert change.status_code == 400
    assert app_login(client, member.email, "another-long-phrase").status_code == 400


def test_a_password_reset_mails_a_pwa_link_on_the_configured_origin_whose_key_sets_a_new_password(
    client, member
):
    request = app_call(client, "post", "/auth/password/request", {"email": member.email})
    key = key_in_last_email(f"{ORIGIN}/app/#/account/password/reset/key/")  # not the test's Host

    check = client.get(f"{APP}/auth/password/reset", headers={"X-Password-Reset-Key": key})
    reset = app_call(client, "post", "/auth/password/reset", {"key": key, "password": "a-new-pass-phrase"})

    assert request.status_code == 200
    assert check.status_code == 200
    assert reset.status_code in (200, 401)  # 401: reset, but log in again
    assert app_login(client, member.email, PASSWORD).status_code == 400
    assert app_login(client, member.email, "a-new-pass-phrase").status_code == 200


def test_a_password_reset_key_works_once(client, member):
    app_call(client, "post", "/auth/password/request", {"email": member.email})
    key = key_in_last_email(f"{ORIGIN}/app/#/account/password/reset/key/")
    app_call(client, "post", "/auth/password/reset", {"key": key, "password": "a-new-pass-phrase"})

    again = app_call(client, "post", "/auth/password/reset", {"key": key, "password": "yet-another-phrase"})

    assert again.status_code == 400
    assert app_login(client, member.email, "a-new-pass-phrase").status_code == 200


# Two-factor authentication


def test_totp_is_activated_with_the_password_again_and_a_code_from_the_authenticator_app(
    client, member, totp_clock
):
    token = session_token(app_login(client, member.email))
    offer = app_call(client, "get", "/account/authenticators/totp", token=token)
    code = totp_code(offer.json()["meta"]["secret"], totp_clock)

    unconfirmed = app_call(client, "post", "/account/authenticators/totp", {"code": code}, token=token)
    reauthenticate = app_call(client, "post", "/auth/reauthenticate", {"password": PASSWORD}, token=token)
    activate = app_call(client, "post", "/account/authenticators/totp", {"code": code}, token=token)
    authenticators = app_call(client, "get", "/account/authenticators", token=token)

    assert offer.status_code == 404  # none yet: the answer carries a fresh secret to scan
    assert "issuer=RVU%20Edge" in offer.json()["meta"]["totp_url"]
    assert unconfirmed.status_code == 401  # a stolen token alone cannot add a second factor
    assert reauthenticate.status_code == 200
    assert activate.status_code == 200
    assert {item["type"] for item in authenticators.json()["data"]} == {"totp", "recovery_codes"}


def test_a_wrong_code_does_not_activate_totp(client, member, totp_clock):
    token = session_token(app_login(client, member.email))
    secret = app_call(client, "get", "/account/authenticators/totp", token=token).json()["meta"]["secret"]
    wrong = f"{(int(totp_code(secret, totp_clock)) + 1) % 1_000_000:06d}"

    activate = app_call(client, "post", "/account/authenticators/totp", {"code": wrong}, token=token)

    assert activate.status_code == 400
    assert not member.authenticator_set.exists()


def test_with_totp_a_password_alone_opens_nothing_until_the_code_is_given(
    client, member, member_totp_secret, totp_clock
):
    login = app_login(client, member.email)
    half_token = session_token(login)
    half_way = api_status(client, half_token)

    second = second_factor(client, totp_code(member_totp_secret, totp_clock), half_token)

    assert login.status_code == 401
    assert pending_flow(login) == "mfa_authenticate"
    assert half_way == 401
    assert second.status_code == 200
    assert api_status(client, session_token(second)) == 200


def test_a_totp_code_cannot_be_replayed(client, member, member_totp_secret, totp_clock):
    code = totp_code(member_totp_secret, totp_clock)
    first = session_token(app_login(client, member.email))
    second_factor(client, code, first)

    second = session_token(app_login(client, member.email))
    replay = second_factor(client, code, second)

    assert replay.status_code == 400
    assert api_status(client, second) == 401


def test_a_recovery_code_stands_in_for_the_authenticator_once(client, member, member_totp_secret):
    recovery_code = RecoveryCodes.activate(member).get_unused_codes()[0]

    first = session_token(app_login(client, member.email))
    used = second_factor(client, recovery_code, first)
    second = session_token(app_login(client, member.email))
    reused = second_factor(client, recovery_code, second)

    assert used.status_code == 200
    assert api_status(client, session_token(used)) == 200
    assert reused.status_code == 400
    assert api_status(client, second) == 401


# Failed logins: five in five minutes, then refused (per account and per client address)


def fail_logins(client, emails: list[str], **extra) -> list[int]:
    return [app_login(client, email, WRONG_PASSWORD, **extra).status_code for email in emails]


def test_a_sixth_login_to_one_account_is_refused_even_with_the_right_password(client, member):
    """From a new address each time: the account's own count refuses it."""
    failures = [
        app_login(client, member.email, WRONG_PASSWORD, REMOTE_ADDR=f"198.51.100.{n}").status_code
        for n in range(5)
    ]

    sixth = app_login(client, member.email, REMOTE_ADDR="198.51.100.99")

    assert failures == [400] * 5
    assert sixth.status_code == 429
    assert "session_token" not in sixth.json().get("meta", {})


def test_the_account_count_ignores_the_host_header(client, member):
    """allauth would count per Host as sent, and "testserver:1", "TESTSERVER." all pass ALLOWED_HOSTS."""
    hosts = ["testserver:1", "testserver:2", "TESTSERVER", "testserver.", "Testserver:3"]
    failures = [
        app_login(
            client, member.email, WRONG_PASSWORD, REMOTE_ADDR=f"198.51.100.{n}", HTTP_HOST=host
        ).status_code
        for n, host in enumerate(hosts)
    ]

    sixth = app_login(client, member.email, REMOTE_ADDR="198.51.100.99", HTTP_HOST="testserver:4")

    assert failures == [400] * 5
    assert sixth.status_code == 429


def test_the_account_limit_holds_in_redis_as_deployed(client, member, redis_cache):
    failures = [
        app_login(client, member.email, WRONG_PASSWORD, REMOTE_ADDR=f"198.51.100.{n}").status_code
        for n in range(5)
    ]

    assert failures == [400] * 5
    assert app_login(client, member.email, REMOTE_ADDR="198.51.100.99").status_code == 429


def test_a_sixth_login_from_one_address_is_refused_whatever_the_account(client, member):
    failures = fail_logins(client, [f"guess{n}@example.org" for n in range(5)])

    sixth = app_login(client, member.email)

    assert failures == [400] * 5
    assert sixth.status_code == 429


def test_a_forged_x_forwarded_for_does_not_reset_the_address_count(client, member):
    failures = [
        app_login(
            client, f"guess{n}@example.org", WRONG_PASSWORD, headers={"X-Forwarded-For": f"203.0.113.{n}"}
        ).status_code
        for n in range(5)
    ]

    sixth = app_login(client, member.email, headers={"X-Forwarded-For": "203.0.113.99"})

    assert failures == [400] * 5
    assert sixth.status_code == 429


def test_behind_one_trusted_proxy_the_address_the_proxy_saw_is_counted(client, member, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    attacker = [{"X-Forwarded-For": f"10.9.9.{n}, 203.0.113.7"} for n in range(6)]  # forged left part
    for n, headers in enumerate(attacker[:5]):
        app_login(client, f"guess{n}@example.org", WRONG_PASSWORD, headers=headers)

    refused = app_login(client, member.email, headers=attacker[5])
    neighbour = app_login(client, member.email, headers={"X-Forwarded-For": "203.0.113.8"})

    assert refused.status_code == 429
    assert neighbour.status_code == 200


def test_successful_logins_do_not_count_as_failures(client, member):
    statuses = [app_login(client, member.email).status_code for _ in range(8)]

    assert statuses == [200] * 8


def test_the_limit_lifts_five_minutes_after_the_failures(client, member, monkeypatch):
    fail_logins(client, [member.email] * 5)
    later = time.time() + 5 * 60 + 1
    clock = types.SimpleNamespace(time=lambda: later, monotonic=time.monotonic, sleep=time.sleep)
    monkeypatch.setattr(ratelimit, "time", clock)

    assert app_login(client, member.email).status_code == 200


def test_wrong_second_factor_codes_are_limited_too(client, member, member_totp_secret, totp_clock):
    token = session_token(app_login(client, member.email))
    wrong = f"{(int(totp_code(member_totp_secret, totp_clock)) + 1) % 1_000_000:06d}"
    failures = [second_factor(client, wrong, token).status_code for _ in range(5)]

    right = second_factor(client, totp_code(member_totp_secret, totp_clock), token)

    assert failures == [400] * 5
    assert right.status_code == 400
    assert right.json()["errors"][0]["code"] == "too_many_login_attempts"
    assert api_status(client, token) == 401


# The Django admin signs in through allauth


@pytest.fixture
def staff(db) -> User:
    return verified_user("admin@example.org", is_staff=True, is_superuser=True)


def admin_login(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/accounts/login/", {"login": email, "password": password, "next": "/admin/"}, **extra)


def test_the_admin_login_page_sends_staff_to_allauths_login(client, db):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_staff_reach_the_admin_after_signing_in_through_allauth(client, staff):
    login = admin_login(client, staff.email)

    assert login.status_code == 302
    assert login["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_refuses_a_sixth_attempt_even_with_the_right_password(client, staff):
    failures = [admin_login(client, staff.email, WRONG_PASSWORD) for _ in range(5)]

    sixth = admin_login(client, staff.email)

    assert [response.status_code for response in failures] == [200] * 5  # the form, with its error
    assert sixth.status_code == 429
    assert client.get("/admin/").status_code == 302


def test_staff_with_totp_give_the_code_before_the_admin_opens(client, staff, totp_clock):
    secret = totp_auth.generate_totp_secret()
    totp_auth.TOTP.activate(staff, secret)

    login = admin_login(client, staff.email)
    half_way = client.get("/admin/")
    second = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret, totp_clock)})

    assert login["Location"].startswith("/accounts/2fa/authenticate/")
    assert half_way.status_code == 302
    assert second.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_signed_in_member_who_is_not_staff_is_refused_by_the_admin(client, member):
    client.force_login(member)

    assert client.get("/admin/login/").status_code == 403


# The API's own throttles


@pytest.fixture
def small_throttle_rates(monkeypatch):
    # DRF copies its rates onto the throttle class when first imported; settings overrides miss them.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "4/min"})


def test_anonymous_calls_are_throttled_per_address_whatever_x_forwarded_for(client, db, small_throttle_rates):
    statuses = [
        client.get("/api/v1/codes/?q=2744", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
        for n in range(4)
    ]

    assert statuses == [200, 200, 200, 429]


def test_a_signed_in_user_is_throttled_per_account_from_any_address(client, member, small_throttle_rates):
    token = session_token(app_login(client, member.email))

    headers = {"X-Session-Token": token}

    statuses = [
        client.get("/api/v1/logs/", headers=headers, REMOTE_ADDR=f"198.51.100.{n}").status_code
        for n in range(5)
    ]

    assert statuses == [200, 200, 200, 200, 429]


# Settings read from the environment


def settings_seen_with(**env: str) -> dict:
    names = [
        *(
            "EMAIL_BACKEND",
            "EMAIL_HOST",
            "EMAIL_PORT",
            "EMAIL_HOST_USER",
            "EMAIL_HOST_PASSWORD",
            "EMAIL_USE_TLS",
        ),
        *("ALLAUTH_TRUSTED_PROXY_COUNT", "REST_FRAMEWORK", "HEADLESS_FRONTEND_URLS"),
    ]
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}, default=str))"
    )
    ours = {"EMAIL_", "TRUSTED_PROXY_COUNT", "THROTTLE_", "RVUEDGE_SITE_ORIGIN"}
    clean = {key: value for key, value in os.environ.items() if not key.startswith(tuple(ours))}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "rvuedge.settings.dev", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_by_default_mail_goes_to_the_console_and_no_proxy_is_trusted():
    seen = settings_seen_with()

    assert seen["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert seen["ALLAUTH_TRUSTED_PROXY_COUNT"] == 0
    assert seen["REST_FRAMEWORK"]["NUM_PROXIES"] == 0
    assert seen["REST_FRAMEWORK"]["DEFAULT_THROTTLE_RATES"] == {"anon": "60/min", "user": "600/min"}
    assert seen["HEADLESS_FRONTEND_URLS"]["account_signup"] == f"{ORIGIN}/app/#/account/signup"


def test_the_environment_names_the_smtp_server_proxies_rates_and_origin(tmp_path):
    password_file = tmp_path / "smtp-password"
    password_file.write_text("from-a-file\n")

    seen = settings_seen_with(
        EMAIL_HOST="127.0.0.1",  # never contacted: the settings are only read
        EMAIL_PORT="2525",
        EMAIL_HOST_USER="rvuedge",
        EMAIL_HOST_PASSWORD_FILE=str(password_file),
        EMAIL_USE_TLS="false",
        TRUSTED_PROXY_COUNT="1",
        THROTTLE_USER_RATE="1000/min",
        RVUEDGE_SITE_ORIGIN="https://rvuedge.example.org/",
    )

    assert seen["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (seen["EMAIL_HOST"], seen["EMAIL_PORT"], seen["EMAIL_USE_TLS"]) == ("127.0.0.1", 2525, False)
    assert (seen["EMAIL_HOST_USER"], seen["EMAIL_HOST_PASSWORD"]) == ("rvuedge", "from-a-file")
    assert seen["ALLAUTH_TRUSTED_PROXY_COUNT"] == seen["REST_FRAMEWORK"]["NUM_PROXIES"] == 1
    assert seen["REST_FRAMEWORK"]["DEFAULT_THROTTLE_RATES"]["user"] == "1000/min"
    assert seen["HEADLESS_FRONTEND_URLS"]["account_confirm_email"] == (
        "https://rvuedge.example.org/app/#/account/verify-email/{key}"
    )


@pytest.mark.parametrize("origin", ["rvuedge.example.org", "ftp://rvuedge.example.org", "https://x.org/app"])
def test_a_malformed_site_origin_fails_loudly(monkeypatch, origin):
    monkeypatch.setenv("RVUEDGE_SITE_ORIGIN", origin)

    with pytest.raises(ImproperlyConfigured, match="is not an origin"):
        _site_origin("RVUEDGE_SITE_ORIGIN", ORIGIN)


def test_a_malformed_throttle_rate_fails_loudly(monkeypatch):
    monkeypatch.setenv("THROTTLE_ANON_RATE", "sixty a minute")

    with pytest.raises(ImproperlyConfigured, match="is not a rate"):
        _throttle_rate("THROTTLE_ANON_RATE", "60/min")


def test_a_token_from_before_a_password_change_is_refused_as_bad_credentials(client, member):
    token = session_token(app_login(client, member.email))
    member.set_password("another-long-pass-phrase-7")
    member.save()

    response = client.get("/api/v1/logs/", headers={"X-Session-Token": token})

    assert response.status_code == 401
    assert response.json()["detail"] != "Authentication credentials were not provided."
    assert response["WWW-Authenticate"] == "X-Session-Token"
