"""GET /api/v1/benchmarks/compare/ under review: edge cases of the arithmetic, the peers' privacy and cost."""

import datetime
import uuid
from decimal import Decimal

from accounts.models import User
from logs.models import Leave, ProcedureLog
from logs.selectors import leave_weekdays
from tests.benchmarks.test_compare import COMPARE, log, make_peer, set_profile
from tests.conftest import client_for

FEBRUARY_2026 = {"from": "2026-02-01", "to": "2026-02-28"}
WHOLE_FEBRUARY = {"first_day": datetime.date(2026, 2, 1), "last_day": datetime.date(2026, 2, 28)}


def a_pgy2_resident(user: User, **fields) -> None:
    set_profile(user, specialty="Internal Medicine", career_stage="resident", pgy=2, **fields)


def test_moving_the_period_by_a_day_cannot_single_out_one_peers_logs(owner, owner_client):
    a_pgy2_resident(owner)
    log(owner_client, "99213", "2026-02-03")
    for number, visits in enumerate([4, 8, 12, 16, 20]):
        make_peer(number, visits=visits)  # all in February
    latecomer = make_peer(5, visits=0)
    log(client_for(latecomer), "99214", "2026-03-10")  # their only log

    before = owner_client.get(COMPARE, {"from": "2026-01-01", "to": "2026-03-09"}).json()["peers"]
    after = owner_client.get(COMPARE, {"from": "2026-01-01", "to": "2026-03-10"}).json()["peers"]

    # Day by day, the peer count went from 5 to 6 and the median moved: the difference was the
    # latecomer alone. Over whole months both periods compare the same peers, January and February.
    assert before == after
    assert (after["peer_count"], after["from"], after["to"]) == (5, "2026-01-01", "2026-02-28")


def test_no_peer_standing_without_a_working_day_of_your_own(owner, owner_client):
    a_pgy2_resident(owner)
    log(owner_client, "99213", "2026-02-03")
    Leave.objects.create(user=owner, **WHOLE_FEBRUARY)
    for number in range(5):
        make_peer(number, visits=5)

    body = owner_client.get(COMPARE, FEBRUARY_2026).json()

    # Your pace is 0.00 only because no day was worked: it is no pace, as the benchmark part says.
    assert body["benchmark"] is None and body["peers"] is None
    assert "no working day" in body["peers_unavailable"].casefold()


def test_a_peer_on_leave_for_the_whole_period_has_no_pace_to_count(owner, owner_client):
    a_pgy2_resident(owner)
    log(owner_client, "99213", "2026-02-03")
    peers = [make_peer(number, visits=5) for number in range(5)]
    Leave.objects.create(user=peers[0], **WHOLE_FEBRUARY)  # logged in February all the same

    body = owner_client.get(COMPARE, FEBRUARY_2026).json()

    # Counted as a pace of 0, that peer made five and dragged the median; four have a pace.
    assert body["peers"] is None and "Fewer than 5 peers" in body["peers_unavailable"]


def test_the_share_of_peers_below_you_rounds_half_up_like_every_other_figure(owner, owner_client):
    a_pgy2_resident(owner)
    for day in range(15):
        log(owner_client, "99213", str(datetime.date(2026, 2, 2) + datetime.timedelta(days=day)))
    for number, visits in enumerate([10, 20, 20, 20, 20, 20, 20, 20]):
        make_peer(number, visits=visits)

    peers = owner_client.get(COMPARE, FEBRUARY_2026).json()["peers"]

    # 1 of 8 peers below you: 12.5%. Python's round() on a float gave 12 (half to even).
    assert (peers["peer_count"], peers["percent_below_you"]) == (8, 13)


def test_with_no_working_day_left_no_weekly_rate_is_offered(owner, owner_client):
    set_profile(owner, annual_wrvu_target=Decimal("1000"))
    log(owner_client, "99213", "2025-12-01")

    target = owner_client.get(COMPARE, {"from": "2025-01-01", "to": "2025-12-31"}).json()["target"]

    # 998.70 short with no week left: "998.70 a week" read as if one more week would do.
    assert (target["working_days_left"], target["needed_per_week"]) == (0, None)
    assert "no working day" in target["method"].casefold() and "998.70" in target["method"]


def test_the_target_method_names_the_pace_its_shortfall_comes_from(owner, owner_client):
    set_profile(owner, annual_wrvu_target=Decimal("1000"))
    for performed_on in ("2026-01-05", "2026-01-06", "2026-08-03"):
        log(owner_client, "99213", performed_on)

    body = owner_client.get(COMPARE, {"from": "2026-07-01", "to": "2026-09-30"}).json()

    # The shortfall comes from the year-to-date pace (3.90 over the 195 working days to September 30:
    # 5.22 a year), not the period's pace shown beside it (1.30 over 66 days: 5.14).
    target = body["target"]
    year_pace = Decimal(target["annual_target"]) - Decimal(target["projected_shortfall"])
    assert (str(year_pace), body["pace"]["annual"]) == ("5.22", "5.14")
    assert "5.22" in target["method"]


def test_a_pace_beyond_twelve_digits_is_shown_not_a_server_error(owner, owner_client):
    set_profile(owner, clinical_fte=Decimal("0.05"))
    first = owner_client.post(
        "/api/v1/logs/",
        {"code": "39503", "performed_on": "2026-03-02", "units": 99, "client_id": str(uuid.uuid4())},
        format="json",
    ).json()
    # 106.19 + 98 × 53.095 (the multiple-procedure rule halves each further unit): near the most
    # that one log of RVU26A credits.
    assert first["work_rvu"] == "5309.50"
    template = ProcedureLog.objects.get(pk=first["id"])
    ProcedureLog.objects.bulk_create(
        ProcedureLog(**{**_fields_of(template), "client_id": uuid.uuid4()}) for _ in range(399)
    )

    response = owner_client.get(COMPARE, {"from": "2026-03-02", "to": "2026-03-02"})

    # 400 such logs on one Monday: 2,123,800.00 × 261 / 1 day / 0.05 FTE.
    assert response.status_code == 200
    assert response.json()["pace"]["full_time_equivalent"] == "11086236000.00"


def _fields_of(log_row: ProcedureLog) -> dict:
    skipped = {"id", "created_at", "updated_at"}
    return {
        field.attname: getattr(log_row, field.attname)
        for field in ProcedureLog._meta.concrete_fields
        if field.name not in skipped
    }


def test_a_peers_pile_of_overlapping_leave_counts_each_weekday_once(owner, owner_client):
    """Anyone may log leave, peers included: 2,000 rows of the same year of leave must still count
    the year's 261 weekdays once. (Walking each row's days cost seconds per comparison; the walk
    now passes each date once. Timings are not asserted here; see the closing note of issue 6.)"""
    a_pgy2_resident(owner)
    peer = make_peer(0, visits=1)
    Leave.objects.bulk_create(
        Leave(user=peer, first_day=datetime.date(2026, 1, 1) + datetime.timedelta(days=n % 7),
              last_day=datetime.date(2026, 12, 31))
        for n in range(2_000)
    )  # fmt: skip

    days = leave_weekdays(
        user_ids=[peer.pk], first=datetime.date(2026, 1, 1), last=datetime.date(2026, 12, 31)
    )

    assert len(days[peer.pk]) == 261
    assert owner_client.get(COMPARE, FEBRUARY_2026).status_code == 200
