"""The phone app in a real browser: logging online and offline, refusals, totals, history, staff.

Each test drives the app at 360 × 740 against a live server on PostgreSQL, checks the database
behind it, and saves screenshots of the screens it passes through (tests/artifacts/pwa/).
"""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core import mail
from django.utils import timezone

from accounts.models import Profile, User
from benchmarks.models import BenchmarkPoint, BenchmarkSet
from codes.models import Code
from logs.models import Case, ProcedureLog
from logs.services import procedure_log_create
from tests.conftest import RELEASE_UPLOAD_PERMISSIONS

from .conftest import PASSWORD, create_member, new_client_id

TODAY = timezone.localdate()


def log_for(user: User, code: str, performed_on: datetime.date = TODAY, **fields) -> ProcedureLog:
    log, _ = procedure_log_create(
        user=user, client_id=new_client_id(), performed_on=performed_on, code=Code.objects.get(code=code),
        modifiers=fields.get("modifiers", []), units=1, setting="facility", note=fields.get("note", ""),
    )  # fmt: skip
    return log


def add_code(phone, text: str, code: str) -> None:
    """Search as the user types, then tap the result."""
    page = phone.page
    page.get_by_label("Find a code").fill(text)
    page.locator(".results .pick", has_text=code).first.click()
    page.wait_for_selector(f".line:has-text('{code}')")


def test_a_case_logged_online_saves_what_its_preview_credited(rvu26c, member, phone):
    phone.open()
    phone.check_screen("00-sign-in")
    phone.sign_in(member.email)

    add_code(phone, "knee arthroplasty", "27447")
    add_code(phone, "29881", "29881")
    phone.page.get_by_role("button", name="Modifier 51 for 29881").click()
    preview = phone.page.get_by_test_id("preview-total")
    preview.wait_for()
    previewed = preview.inner_text()
    preview.scroll_into_view_if_needed()
    phone.check_screen("01-log-case-preview")
    phone.page.get_by_role("button", name="Save case (2 lines)").click()
    phone.page.get_by_test_id("saved").wait_for()
    phone.check_screen("02-log-saved")

    case = Case.objects.get(user=member)
    lines = {line.code_id: line for line in case.lines.all()}
    assert set(lines) == {"27447", "29881"}
    assert lines["29881"].modifiers == ["51"]
    credited = sum(line.work_rvu for line in lines.values())
    assert previewed == f"{credited:.2f} wRVU"
    assert "rank 2 of 2" in lines["29881"].credit_explanation  # credited together, as a case
    assert phone.errors == []


def test_three_logs_made_offline_reach_the_server_once_after_a_reload(rvu26c, member, phone):
    log_for(member, "99213")  # logged before: one of the most used codes, searchable offline
    phone.sign_in(member.email)
    phone.page.get_by_label("Find a code").fill("99214")
    phone.page.get_by_role("button", name="Favorite 99214").click()  # a favorite, searchable offline
    phone.page.get_by_label("Find a code").fill("")
    phone.wait_for_service_worker()
    phone.page.wait_for_load_state("networkidle")  # the offline lists (recents, most used) are in
    before = ProcedureLog.objects.filter(user=member).count()

    phone.page.context.set_offline(True)
    phone.page.wait_for_selector("#connection:text-matches('^Offline')")
    phone.page.get_by_label("Find a code").fill("office est")
    phone.page.get_by_text("Offline: searching your favorites, recent and most used codes.").wait_for()
    assert set(phone.page.locator(".results .code").all_inner_texts()) == {"99213", "99214"}
    for code in ("99213", "99214", "99213"):
        add_code(phone, code, code)
        phone.page.get_by_role("button", name="Save log").click()
        phone.page.get_by_test_id("queued").wait_for()
    phone.page.wait_for_selector("#connection:text('Offline · 3 to send')")
    phone.check_screen("03-log-offline-queued")

    phone.page.reload()  # the worker serves the app; the queue is in IndexedDB
    phone.page.wait_for_selector("main h1:text('Log a procedure')")
    phone.page.wait_for_selector("#connection:text('Offline · 3 to send')")
    phone.go("#/sync", "Sync")
    assert phone.page.get_by_test_id("waiting").locator("li").count() == 3
    phone.check_screen("04-sync-waiting-offline")
    assert ProcedureLog.objects.filter(user=member).count() == before

    phone.page.context.set_offline(False)
    phone.page.wait_for_selector("#connection:text('Online')")
    phone.page.get_by_test_id("synced").locator("li").nth(2).wait_for()
    phone.check_screen("05-sync-sent")

    new_logs = ProcedureLog.objects.filter(user=member).order_by("id")[before:]
    assert ProcedureLog.objects.filter(user=member).count() == before + 3
    assert len({log.client_id for log in new_logs}) == 3
    assert sorted(log.code_id for log in new_logs) == ["99213", "99213", "99214"]
    assert phone.errors == []


def test_a_log_sent_again_after_a_lost_answer_counts_once(rvu26c, member, phone):
    """The answer to a sync is lost (the Wi-Fi dropped), so the phone sends the log again."""
    phone.sign_in(member.email)
    add_code(phone, "99214", "99214")
    phone.page.get_by_role("button", name="Save log").click()
    phone.page.get_by_test_id("saved").wait_for()
    saved = ProcedureLog.objects.get(user=member)

    # Put the sent item back in the outbox as if its answer had never come, and sync again.
    sent_again = phone.page.evaluate(
        """async ({ clientId, day }) => {
            const { queueStore } = await import("/static/pwa/js/store.js");
            const { syncNow } = await import("/static/pwa/js/sync.js");
            const { state } = await import("/static/pwa/js/state.js");
            const body = { client_id: clientId, code: "99214", modifiers: [], units: 1, setting: "facility",
                           note: "", performed_on: day };
            const summary = { codes: ["99214"], performed_on: day };
            await queueStore.put({ client_id: clientId, user: state.user.id, kind: "log", status: "pending",
                                   reason: "", queued_at: Date.now(), summary, body });
            const report = await syncNow(state.user);
            return report.synced.map((item) => item.saved.id);
        }""",
        {"clientId": str(saved.client_id), "day": saved.performed_on.isoformat()},
    )

    assert sent_again == [saved.id]  # the server answered with the log it already had
    assert list(ProcedureLog.objects.filter(user=member)) == [saved]


def test_a_refused_log_shows_the_servers_reason_and_can_be_fixed(rvu26c, member, phone):
    phone.sign_in(member.email)
    add_code(phone, "99213", "99213")
    phone.page.get_by_label("Note (optional)").fill("pt John Smith, follow-up")
    phone.page.get_by_role("button", name="Save log").click()

    refusal = phone.page.get_by_test_id("refused")
    refusal.wait_for()
    assert "Notes must not hold patient identifiers" in refusal.inner_text()
    phone.check_screen("06-log-refused")
    phone.go("#/sync", "Sync")
    refused = phone.page.get_by_test_id("refused-list")
    assert "Reason: Note: Notes must not hold patient identifiers" in refused.inner_text()
    phone.page.wait_for_selector("#connection:text('Online · 1 refused')")
    phone.check_screen("07-sync-refused")
    assert not ProcedureLog.objects.filter(user=member).exists()

    refused.get_by_role("button", name="Fix it").click()
    phone.page.wait_for_selector("main h1:text('Log a procedure')")
    assert phone.page.get_by_label("Note (optional)").input_value() == "pt John Smith, follow-up"
    phone.page.get_by_label("Note (optional)").fill("follow-up")
    phone.page.get_by_role("button", name="Save log").click()
    phone.page.get_by_test_id("saved").wait_for()

    assert ProcedureLog.objects.get(user=member).note == "follow-up"
    phone.page.wait_for_selector("#connection:text('Online')")  # the refused item was replaced


def test_totals_chart_the_weeks_against_the_target_with_the_benchmark(rvu26c, member, phone):
    Profile.objects.create(user=member, annual_wrvu_target=Decimal("5200"), specialty="Orthopedic Surgery")
    benchmark = BenchmarkSet.objects.create(
        name="Test national set", slug="test-set", kind=BenchmarkSet.Kind.PUBLIC_DATA, source="CMS test file",
        year=2024, method="By hand.", licence_note="Public data.", is_default=True,
    )  # fmt: skip
    BenchmarkPoint.objects.create(
        benchmark_set=benchmark, specialty="Orthopedic Surgery", provider_count=40,
        p10=1, p25=10, p50=100, p75=1000, p90=100000,  # wide: any pace of the test falls inside
    )  # fmt: skip
    for days_ago in (0, 8, 15, 40):
        log_for(member, "27447", TODAY - datetime.timedelta(days=days_ago))
    phone.sign_in(member.email)

    phone.go("#/totals", "Totals")
    chart = phone.page.locator("svg.chart")
    chart.wait_for()
    weeks = int(chart.get_attribute("data-weeks"))
    assert chart.locator("rect.bar").count() == weeks >= 1
    assert chart.locator("line.target").count() == 1
    assert "Target 100.0/wk" in chart.text_content()
    assert phone.page.locator(".tile").first.inner_text().startswith("Today\n19.11")
    assert "27447" in phone.page.inner_text("#top-heading + table")
    benchmark_card = phone.page.get_by_test_id("benchmark")
    assert re.search(r"\d+(st|nd|rd|th) percentile\n", benchmark_card.inner_text())
    assert "Test national set · CMS test file · 2024" in benchmark_card.inner_text()
    phone.check_screen("08-totals")
    benchmark_card.scroll_into_view_if_needed()
    phone.check_screen("08-totals-benchmark")
    assert phone.errors == []


def test_history_edits_a_log_and_deletes_another_with_undo(rvu26c, member, phone):
    kept = log_for(member, "99213")
    doomed = log_for(member, "99214")
    phone.page.clock.install()
    phone.sign_in(member.email)
    phone.go("#/history", "History")
    phone.check_screen("09-history")

    entry = phone.page.locator(f"[data-log='{kept.id}']")
    entry.get_by_text("Details").click()
    entry.get_by_role("button", name="Edit").click()
    phone.page.get_by_label("Units").fill("2")
    phone.check_screen("10-history-edit")
    phone.page.get_by_role("button", name="Save changes").click()
    phone.page.locator(f"[data-log='{kept.id}']:has-text('2 units')").wait_for()
    kept.refresh_from_db()
    assert kept.units == 2

    other = phone.page.locator(f"[data-log='{doomed.id}']")
    other.get_by_text("Details").click()
    other.get_by_role("button", name="Delete").click()
    phone.page.get_by_role("button", name="Undo").click()
    phone.page.clock.run_for(10_000)
    assert other.is_visible() and ProcedureLog.objects.filter(pk=doomed.pk).exists()

    other.get_by_role("button", name="Delete").click()
    phone.page.clock.run_for(10_000)
    other.wait_for(state="detached")
    assert not ProcedureLog.objects.filter(pk=doomed.pk).exists()
    assert ProcedureLog.objects.filter(pk=kept.pk).exists()


def test_sign_up_confirm_the_email_then_sign_in_with_two_factor(transactional_db, phone, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    phone.open("#/account/signup")
    phone.page.get_by_label("Email").fill("new.doctor@example.org")
    phone.page.get_by_label("Password").fill(PASSWORD)
    phone.check_screen("11-sign-up")
    phone.page.get_by_role("button", name="Create account").click()
    phone.page.get_by_text("we sent a confirmation link").wait_for()

    link = re.search(r"https?://\S+/app/#/account/verify-email/\S+", mail.outbox[-1].body)[0]
    phone.open(link[link.index("/app/") + len("/app/") :])
    phone.page.get_by_test_id("email-confirmed").wait_for()
    phone.check_screen("12-email-confirmed")
    assert User.objects.get(email="new.doctor@example.org").emailaddress_set.get().verified

    from allauth.mfa.totp.internal import auth as totp

    user = User.objects.get(email="new.doctor@example.org")
    secret = totp.generate_totp_secret()
    totp.TOTP.activate(user, secret)
    phone.page.context.clear_cookies()
    phone.open("#/account/login")
    phone.page.get_by_label("Email").fill(user.email)
    phone.page.get_by_label("Password").fill(PASSWORD)
    phone.page.get_by_role("button", name="Sign in").click()
    phone.page.wait_for_selector("main h1:text('Two-factor sign-in')")
    phone.check_screen("13-two-factor")
    counter = int(datetime.datetime.now().timestamp()) // 30
    phone.page.get_by_label("Code").fill(totp.format_hotp_value(totp.hotp_value(secret, counter)))
    phone.page.get_by_role("button", name="Continue").click()
    phone.page.wait_for_selector("main h1:text('Log a procedure')")
    phone.go("#/account", "Account")
    phone.check_screen("14-account")
    assert phone.errors == []


def test_staff_upload_a_release_and_watch_it_import(transactional_db, phone):
    staff = create_member("staff@example.org", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="codes", codename__in=RELEASE_UPLOAD_PERMISSIONS)
    )
    phone.sign_in(staff.email)
    phone.page.locator("#tabs a", has_text="Releases").click()
    phone.page.wait_for_selector("main h1:text('Releases')")
    phone.check_screen("15-releases")

    release_file = Path(settings.DATA_DIR) / "cms" / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv"
    phone.page.get_by_label("Release file").set_input_files(release_file)
    phone.page.get_by_role("button", name="Upload").click()
    phone.page.wait_for_selector("[data-testid=upload][data-state=ready]", timeout=60000)
    assert "RVU26C" in phone.page.get_by_test_id("upload").inner_text()
    phone.check_screen("16-release-ready")


def test_profile_and_target_are_saved_from_the_app(transactional_db, member, phone):
    phone.sign_in(member.email)
    phone.go("#/settings", "Profile and target")
    phone.page.get_by_label("Annual wRVU target").fill("7500")
    phone.page.get_by_label("Specialty").select_option("Cardiology")
    phone.check_screen("17-profile")
    phone.page.get_by_role("button", name="Save profile").click()
    phone.page.wait_for_selector("main h1:text('Totals')")

    profile = Profile.objects.get(user=member)
    assert (profile.annual_wrvu_target, profile.specialty) == (Decimal("7500"), "Cardiology")


def test_a_forgotten_password_is_reset_from_the_emailed_link(member, phone):
    phone.open("#/account/password/reset")
    phone.page.get_by_label("Email").fill(member.email)
    phone.check_screen("18-password-reset")
    phone.page.get_by_role("button", name="Send me a link").click()
    phone.page.get_by_text("a reset link is on its way").wait_for()

    link = re.search(r"https?://\S+/app/#/account/password/reset/key/\S+", mail.outbox[-1].body)[0]
    phone.open(link[link.index("/app/") + len("/app/") :])
    phone.page.get_by_label("New password", exact=True).fill("another-long-pass-phrase-7")
    phone.check_screen("19-new-password")
    phone.page.get_by_role("button", name="Save password").click()
    phone.page.wait_for_selector("main h1:text-matches('Sign in|Log a procedure')")

    member.refresh_from_db()
    assert member.check_password("another-long-pass-phrase-7")


@pytest.mark.parametrize("route", ["#/log", "#/totals", "#/history", "#/account"])
def test_signed_out_screens_send_to_sign_in(transactional_db, phone, route):
    phone.open(route)

    assert phone.heading() == "Sign in"
