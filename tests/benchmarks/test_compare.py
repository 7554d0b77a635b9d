"""GET /api/v1/benchmarks/compare/: a seeded user's standing, checked against arithmetic done by hand."""

import datetime
import uuid
import zoneinfo
from decimal import ROUND_HALF_UP, Decimal

import pytest
from allauth.account.models import EmailAddress

from accounts.models import Profile, User
from benchmarks.models import BenchmarkPoint, BenchmarkSet
from benchmarks.services import benchmark_set_build_bundled
from logs.models import Leave, ProcedureLog
from tests.conftest import client_for

COMPARE = "/api/v1/benchmarks/compare/"
Q1_2026 = {"from": "2026-01-01", "to": "2026-03-31"}
# Worked out with a calendar: January 2026 starts on a Thursday (22 weekdays), February and
# March on a Sunday (20 and 22). The year has 261 weekdays.
WEEKDAYS_Q1_2026, WEEKDAYS_2026 = 64, 261


def small_set(slug="hand-made", specialty="Cardiology", **percentiles) -> BenchmarkSet:
    benchmark_set = BenchmarkSet.objects.create(
        name=f"Hand-made {slug}", slug=slug, kind=BenchmarkSet.Kind.LICENSED, source="Test figures",
        year=2025, method="Made up for a test.", licence_note="Tests only",
    )  # fmt: skip
    values = {"p10": 100, "p25": 400, "p50": 800, "p75": 1200, "p90": 2000, **percentiles}
    BenchmarkPoint.objects.create(
        benchmark_set=benchmark_set, specialty=specialty, provider_count=120, **values
    )
    return benchmark_set


def log(client, code: str, performed_on: str) -> dict:
    response = client.post(
        "/api/v1/logs/",
        {"code": code, "performed_on": performed_on, "client_id": str(uuid.uuid4())},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def set_profile(user: User, **fields) -> Profile:
    Profile.objects.update_or_create(user=user, defaults=fields)
    return Profile.objects.get(user=user)


@pytest.fixture
def seeded(owner, owner_client):
    """A cardiologist at 0.80 FTE with 60 office visits (99213) in Q1 2026, a week of leave in it,
    a week planned in August, and a target of 1,000 wRVUs."""
    set_profile(
        owner, specialty="Cardiology", career_stage="attending", clinical_fte=Decimal("0.80"),
        annual_wrvu_target=Decimal("1000"),
    )  # fmt: skip
    for day in range(60):
        credited = log(owner_client, "99213", str(datetime.date(2026, 1, 5) + datetime.timedelta(days=day)))
        assert credited["work_rvu"] == "1.30"  # RVU26A, line of 99213
    Leave.objects.create(
        user=owner, first_day=datetime.date(2026, 2, 16), last_day=datetime.date(2026, 2, 20)
    )
    Leave.objects.create(
        user=owner, first_day=datetime.date(2026, 2, 18), last_day=datetime.date(2026, 2, 19)
    )
    Leave.objects.create(user=owner, first_day=datetime.date(2026, 8, 3), last_day=datetime.date(2026, 8, 7))
    return owner


def test_a_seeded_users_percentile_is_the_one_worked_out_by_hand(seeded, owner_client):
    chosen = small_set()

    body = owner_client.get(COMPARE, {**Q1_2026, "set": chosen.pk}).json()

    # By hand: 60 × 1.30 = 78.00 wRVUs over 64 - 5 = 59 days worked (the overlapping leave counts once);
    # the year has 261 - 10 = 251 working days left after leave; 78 × 251 / 59 = 331.83 a year;
    # / 0.80 FTE = 414.79, between p25 (400) and p50 (800): 25 + 25 × 14.79 / 400 = 25.92.
    assert body["work_rvu"] == "78.00"
    assert body["period"] | {"method": None} == {
        "from": "2026-01-01", "to": "2026-03-31", "working_days": 64, "leave_days": 5,
        "based_on": "your logs, your logged leave and your profile", "method": None,
    }  # fmt: skip
    assert (body["pace"]["days_worked"], body["pace"]["days_in_year"]) == (59, 251)
    assert (body["pace"]["annual"], body["pace"]["full_time_equivalent"]) == ("331.83", "414.79")
    standing = body["benchmark"]
    assert (standing["percentile"], standing["position"]) == ("25.9", "between p25 and p50")
    assert standing["summary"] == "the 26th percentile of Cardiology in Hand-made hand-made"
    assert standing["based_on"] == "Hand-made hand-made (hand-made)"
    assert "414.79" in standing["method"] and "120 providers" in standing["method"]
    assert body["benchmark_set"]["slug"] == "hand-made"


def test_the_target_gap_and_the_weekly_wrvus_still_needed(seeded, owner_client):
    small_set()

    target = owner_client.get(COMPARE, Q1_2026).json()["target"]

    # By hand: 261 - 64 = 197 working days after March 31, less the August week: 192, i.e. 38.4
    # weeks; (1000 - 78) / 38.4 = 24.01 a week. Shortfall at this pace: 1000 - 331.83.
    assert target["annual_target"] == "1000.00"
    assert target["projected_shortfall"] == "668.17"
    assert (target["working_days_left"], target["needed_per_week"]) == (192, "24.01")
    assert "78.00" in target["method"]


def test_every_number_names_its_basis_and_method(seeded, owner_client):
    small_set()

    body = owner_client.get(COMPARE, Q1_2026).json()

    for part in ("period", "pace", "benchmark", "target"):
        assert body[part]["based_on"] and body[part]["method"], part
    assert body["peers"] is None and "students, residents and fellows" in body["peers_unavailable"]


def test_a_pace_outside_the_published_points_is_stated_not_extrapolated(seeded, owner_client):
    low, high = small_set("low", p10=500, p25=600, p50=700, p75=800, p90=900), small_set("high")
    BenchmarkPoint.objects.filter(benchmark_set=high).update(p10=1, p25=2, p50=3, p75=4, p90=5)

    below = owner_client.get(COMPARE, {**Q1_2026, "set": low.pk}).json()["benchmark"]
    above = owner_client.get(COMPARE, {**Q1_2026, "set": high.pk}).json()["benchmark"]

    assert (below["percentile"], below["position"]) == (None, "below p10")
    assert (above["percentile"], above["position"]) == (None, "above p90")
    assert below["summary"].startswith("below p10 of Cardiology")


def test_the_demo_set_gives_the_percentile_worked_out_from_its_points(owner, owner_client):
    demo = benchmark_set_build_bundled().benchmark_set
    point = demo.points.get(specialty="Internal Medicine")
    set_profile(owner, specialty="Internal Medicine", clinical_fte=Decimal("1.00"))
    # Enough 99214 visits (1.92 wRVUs in RVU26A) in Q1 for a pace just above the median.
    visits = int(point.p50 * WEEKDAYS_Q1_2026 / WEEKDAYS_2026 / Decimal("1.92")) + 1
    for number in range(visits):
        log(owner_client, "99214", str(datetime.date(2026, 1, 5) + datetime.timedelta(days=number % 80)))
    earned = sum(row.work_rvu for row in ProcedureLog.objects.filter(user=owner))

    body = owner_client.get(COMPARE, Q1_2026).json()

    pace = (earned * WEEKDAYS_2026 / WEEKDAYS_Q1_2026).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert body["pace"]["full_time_equivalent"] == str(pace)
    published = [(10, point.p10), (25, point.p25), (50, point.p50), (75, point.p75), (90, point.p90)]
    assert published[0][1] <= pace <= published[-1][1], "seed a pace within the published points"
    (low_rank, low), (high_rank, high) = next(
        (pair, following)
        for pair, following in zip(published, published[1:], strict=False)
        if pair[1] <= pace <= following[1]
    )
    by_hand = low_rank + (pace - low) / (high - low) * (high_rank - low_rank)
    assert body["benchmark"]["percentile"] == str(by_hand.quantize(Decimal("0.1"), ROUND_HALF_UP))
    assert body["benchmark_set"]["slug"] == "medicare-2012-sample-rvu26c"  # the default
    assert body["benchmark"]["point"]["provider_count"] == point.provider_count


def test_the_profiles_chosen_set_is_used_unless_the_request_names_one(seeded, owner_client):
    default, chosen = small_set("default-one"), small_set("chosen-one")
    BenchmarkSet.objects.filter(pk=default.pk).update(is_default=True)

    assert owner_client.get(COMPARE, Q1_2026).json()["benchmark_set"]["slug"] == "default-one"
    assert (
        owner_client.patch("/api/v1/me/profile/", {"benchmark_set": chosen.pk}, format="json").status_code
        == 200
    )
    assert owner_client.get(COMPARE, Q1_2026).json()["benchmark_set"]["slug"] == "chosen-one"
    named = owner_client.get(COMPARE, {**Q1_2026, "set": default.pk}).json()
    assert named["benchmark_set"]["slug"] == "default-one"


def test_the_default_period_is_this_year_to_date_in_the_users_time_zone(owner, owner_client):
    set_profile(owner, time_zone="Pacific/Kiritimati")  # UTC+14: often a day ahead of the server
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Pacific/Kiritimati")).date()

    period = owner_client.get(COMPARE).json()["period"]
    future = owner_client.get(COMPARE, {"to": f"{today.year}-12-31"}).json()["period"]

    assert (period["from"], period["to"]) == (f"{today.year}-01-01", today.isoformat())
    assert future["to"] == today.isoformat()  # days to come have earned nothing yet


@pytest.mark.parametrize(
    "params, field",
    [
        ({"from": "2025-12-01", "to": "2026-01-31"}, "from"),
        ({"from": "2026-03-01", "to": "2026-02-01"}, "from"),
        ({"from": "2999-01-01"}, "from"),
        ({"set": "999999"}, "set"),
        ({"to": "2026-02-30"}, "to"),
    ],
)
def test_a_period_or_set_that_cannot_be_compared_is_refused_by_field(owner_client, params, field):
    response = owner_client.get(COMPARE, params)

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "profile, expected",
    [
        ({}, "Set your specialty"),
        ({"specialty": "Dermatology"}, "publishes no figures for Dermatology"),
    ],
)
def test_without_a_matching_point_the_benchmark_says_why(owner, owner_client, profile, expected):
    small_set()
    set_profile(owner, **profile)

    body = owner_client.get(COMPARE, Q1_2026).json()

    assert body["benchmark"] is None and expected in body["benchmark_unavailable"]
    assert body["target"] is None and "annual wRVU target" in body["target_unavailable"]


def test_with_no_set_at_all_the_comparison_still_gives_the_pace(owner, owner_client):
    body = owner_client.get(COMPARE, Q1_2026).json()

    assert body["benchmark_set"] is None and body["benchmark"] is None
    assert "No benchmark set" in body["benchmark_unavailable"]
    assert body["pace"]["annual"] == "0.00"


def make_peer(
    number: int, *, pgy=2, specialty="Internal Medicine", active=True, visits=10, verified=True
) -> User:
    peer = User.objects.create_user(email=f"peer{number}@example.org", password="peer-pass-123")
    EmailAddress.objects.create(user=peer, email=peer.email, verified=verified, primary=True)
    set_profile(peer, specialty=specialty, career_stage="resident", pgy=pgy)
    client = client_for(peer)
    for day in range(visits):
        log(client, "99213", str(datetime.date(2026, 2, 2) + datetime.timedelta(days=day)))
    User.objects.filter(pk=peer.pk).update(is_active=active)
    return peer


def test_trainees_see_peers_only_when_five_contribute_and_never_who(owner, owner_client):
    set_profile(owner, specialty="Internal Medicine", career_stage="resident", pgy=2)
    for day in range(30):
        log(owner_client, "99213", str(datetime.date(2026, 1, 5) + datetime.timedelta(days=day)))
    for number, visits in enumerate([10, 20, 40, 50]):
        make_peer(number, visits=visits)
    make_peer(10, pgy=3, visits=5)  # another year
    make_peer(11, specialty="Cardiology", visits=5)  # another specialty
    make_peer(12, active=False, visits=5)  # a closed account
    make_peer(13, visits=0)  # has not logged in the period
    make_peer(14, visits=5, verified=False)  # a sign-up that never confirmed its address

    four = owner_client.get(COMPARE, Q1_2026).json()
    make_peer(4, visits=60)
    five = owner_client.get(COMPARE, Q1_2026)

    assert four["peers"] is None and "Fewer than 5 peers" in four["peers_unavailable"]
    peers = five.json()["peers"]
    # Paces scale with visits (same days, same FTE): 10, 20, [you: 30], 40, 50, 60 visits.
    per_visit = Decimal("1.30") * WEEKDAYS_2026 / WEEKDAYS_Q1_2026
    assert peers["peer_count"] == 5
    assert peers["percent_below_you"] == 40
    assert peers["median_pace"] == str((40 * per_visit).quantize(Decimal("1"), ROUND_HALF_UP))
    assert peers["based_on"] == "other Internal Medicine PGY-2 residents on RVU Edge"
    assert b"example.org" not in five.content  # no address of anyone


def test_leave_is_the_users_own(owner_client, other_client):
    created = owner_client.post(
        "/api/v1/leave/",
        {"first_day": "2026-02-16", "last_day": "2026-02-20", "kind": "conference"},
        format="json",
    )
    leave_id = created.json()["id"]

    assert created.status_code == 201
    assert other_client.get(f"/api/v1/leave/{leave_id}/").status_code == 404
    assert other_client.get("/api/v1/leave/").json()["count"] == 0
    backwards = owner_client.post(
        "/api/v1/leave/", {"first_day": "2026-02-16", "last_day": "2026-02-01"}, format="json"
    )
    assert backwards.status_code == 400 and "last_day" in backwards.json()
    assert owner_client.delete(f"/api/v1/leave/{leave_id}/").status_code == 204
