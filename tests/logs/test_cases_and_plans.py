"""Cases, credit plans and the preview, through the API a phone uses."""

import uuid
from decimal import Decimal

import pytest

from logs.models import Case, ProcedureLog

DAY = "2026-08-03"  # RVU26C


def create_case(client, *lines: dict, day: str = DAY, **fields):
    body = {"performed_on": day, "lines": list(lines), **fields}
    return client.post("/api/v1/cases/", body, format="json")


def preview(client, *lines: dict, day: str = DAY, **fields) -> dict:
    response = client.post(
        "/api/v1/wrvu/preview", {"performed_on": day, "lines": list(lines), **fields}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_a_case_is_created_with_its_lines_and_credited_together(owner_client):
    response = create_case(owner_client, {"code": "27447"}, {"code": "27486"})

    body = response.json()
    assert response.status_code == 201
    assert [(line["code"], line["work_rvu"]) for line in body["lines"]] == [
        ("27447", "9.56"),
        ("27486", "20.59"),
    ]
    assert body["work_rvu"] == "30.15"
    assert "rank 2 of 2 → 50%" in body["lines"][0]["credit_explanation"]


def test_posting_a_case_twice_with_one_client_id_makes_one_case(owner_client):
    client_id = str(uuid.uuid4())

    first = create_case(owner_client, {"code": "27447"}, client_id=client_id)
    second = create_case(owner_client, {"code": "27447"}, client_id=client_id)

    assert (first.status_code, second.status_code) == (201, 200)
    assert Case.objects.count() == 1
    assert ProcedureLog.objects.count() == 1


def test_adding_a_line_re_ranks_the_case(owner_client):
    case = create_case(owner_client, {"code": "27447"}).json()

    added = owner_client.post(f"/api/v1/cases/{case['id']}/lines/", {"code": "27486"}, format="json")

    lines = owner_client.get(f"/api/v1/cases/{case['id']}/").json()["lines"]
    assert added.status_code == 201
    assert [line["work_rvu"] for line in lines] == ["9.56", "20.59"]


def test_moving_a_line_between_cases_re_credits_both(owner_client):
    first = create_case(owner_client, {"code": "27447"}, {"code": "27486"}).json()
    second = create_case(owner_client, {"code": "99213"}).json()
    knee = first["lines"][0]

    moved = owner_client.patch(f"/api/v1/logs/{knee['id']}/", {"case": second["id"]}, format="json").json()

    remaining = owner_client.get(f"/api/v1/cases/{first['id']}/").json()["lines"]
    assert moved["case"] == second["id"]
    assert moved["work_rvu"] == "19.11"  # no longer second to 27486
    assert [line["work_rvu"] for line in remaining] == ["20.59"]


def test_deleting_a_line_re_credits_what_is_left(owner_client):
    case = create_case(owner_client, {"code": "27447"}, {"code": "27486"}).json()

    owner_client.delete(f"/api/v1/logs/{case['lines'][1]['id']}/")

    assert owner_client.get(f"/api/v1/cases/{case['id']}/").json()["lines"][0]["work_rvu"] == "19.11"


def test_a_refused_line_is_named_by_its_position(owner_client):
    response = create_case(owner_client, {"code": "27447"}, {"code": "99213", "modifiers": ["26"]})

    assert response.status_code == 400
    assert "99213 cannot take modifier 26" in response.json()["lines"]["1"]["modifiers"][0]
    assert not Case.objects.exists()


def test_another_users_case_is_invisible_and_cannot_take_lines(owner_client, other_client):
    case = create_case(owner_client, {"code": "27447"}).json()

    assert other_client.get(f"/api/v1/cases/{case['id']}/").status_code == 404
    assert (
        other_client.post(f"/api/v1/cases/{case['id']}/lines/", {"code": "99213"}, format="json").status_code
        == 404
    )
    mine = other_client.post("/api/v1/logs/", {"code": "99213", "performed_on": DAY}, format="json").json()
    moved = other_client.patch(f"/api/v1/logs/{mine['id']}/", {"case": case["id"]}, format="json")
    assert moved.status_code == 400


@pytest.mark.parametrize(
    "lines",
    [
        [{"code": "27447", "modifiers": ["50"]}, {"code": "27486"}],
        [{"code": "43239"}, {"code": "43249"}, {"code": "45380"}, {"code": "45385"}],
        [{"code": "22612", "modifiers": ["62"]}, {"code": "22614", "modifiers": ["62"]}, {"code": "63030"}],
        [{"code": "70450", "modifiers": ["26"]}, {"code": "71250", "modifiers": ["26"]}],
    ],
)
def test_the_preview_and_the_saved_case_always_agree(owner_client, lines):
    previewed = preview(owner_client, *lines)

    saved = create_case(owner_client, *lines).json()

    assert [line["work_rvu"] for line in previewed["lines"]] == [line["work_rvu"] for line in saved["lines"]]
    assert [line["explanation"] for line in previewed["lines"]] == [
        line["credit_explanation"] for line in saved["lines"]
    ]
    assert previewed["work_rvu"] == saved["work_rvu"]


def test_the_preview_saves_nothing(owner_client):
    body = preview(owner_client, {"code": "27447", "modifiers": ["50"]})

    assert body["lines"][0]["work_rvu"] == "28.67"
    assert body["plan"] == "CMS rules (default)"
    assert not ProcedureLog.objects.exists()


def test_a_plan_changes_the_totals_of_the_dates_it_covers_only(owner_client):
    for day in ["2026-05-04", "2026-08-03"]:
        create_case(owner_client, {"code": "27447", "modifiers": ["80"]}, day=day)
    plan = owner_client.post(
        "/api/v1/plans/", {"name": "Full assistant credit", "apply_assistant": False}
    ).json()

    assigned = owner_client.post("/api/v1/plan-assignments/", {"plan": plan["id"], "starts_on": "2026-07-01"})

    totals = owner_client.get(
        "/api/v1/totals/", {"from": "2026-01-01", "to": "2026-12-31", "group": "month"}
    ).json()
    assert assigned.status_code == 201
    assert {group["key"]: group["work_rvu"] for group in totals["groups"]} == {
        "2026-05-01": "3.06",  # before the plan: CMS 16% of 19.11
        "2026-08-01": "19.11",  # from 2026-07-01: the plan credits assistants in full
    }


def test_editing_a_plan_re_credits_the_logs_it_covers(owner_client, django_capture_on_commit_callbacks):
    plan = owner_client.post(
        "/api/v1/plans/", {"name": "Employer", "assistant_share": "0.20"}, format="json"
    ).json()
    owner_client.post("/api/v1/plan-assignments/", {"plan": plan["id"], "starts_on": "2026-01-01"})
    case = create_case(owner_client, {"code": "27447", "modifiers": ["80"]}).json()

    with django_capture_on_commit_callbacks(execute=True) as queued:  # the recompute waits for the commit
        owner_client.patch(f"/api/v1/plans/{plan['id']}/", {"assistant_share": "0.25"}, format="json")

    line = owner_client.get(f"/api/v1/cases/{case['id']}/").json()["lines"][0]
    assert case["lines"][0]["work_rvu"] == "3.82"  # 19.11 x 20% = 3.822
    assert line["work_rvu"] == "4.78"  # 19.11 x 25% = 4.7775
    assert line["credit_plan"] == plan["id"]
    assert len(queued) == 1


def test_plans_are_private(owner_client, other_client):
    plan = owner_client.post("/api/v1/plans/", {"name": "Mine"}, format="json").json()

    assert other_client.get(f"/api/v1/plans/{plan['id']}/").status_code == 404
    refused = other_client.post("/api/v1/plan-assignments/", {"plan": plan["id"], "starts_on": "2026-01-01"})
    assert refused.status_code == 400
    assert preview_with_plan_of_someone_else(other_client, plan["id"]).status_code == 400


def preview_with_plan_of_someone_else(client, plan_id):
    body = {"performed_on": DAY, "lines": [{"code": "27447"}], "plan": plan_id}
    return client.post("/api/v1/wrvu/preview", body, format="json")


def test_a_case_total_is_the_sum_of_its_stored_lines(owner_client):
    case = create_case(owner_client, {"code": "45380"}, {"code": "45385"}, {"code": "43239"}).json()

    assert Decimal(case["work_rvu"]) == sum(Decimal(line["work_rvu"]) for line in case["lines"])


def test_listing_cases_costs_a_fixed_number_of_queries(owner_client, django_assert_max_num_queries):
    for _ in range(3):
        create_case(owner_client, {"code": "27447"}, {"code": "27486"}, {"code": "G2211"})

    with django_assert_max_num_queries(5):  # session, user, count, cases, their lines
        assert len(owner_client.get("/api/v1/cases/").json()["results"]) == 3


def test_withdrawing_a_plan_puts_the_earlier_rules_back(owner_client):
    case = create_case(owner_client, {"code": "27447", "modifiers": ["80"]}).json()
    plan = owner_client.post(
        "/api/v1/plans/", {"name": "Full", "apply_assistant": False}, format="json"
    ).json()
    assignment = owner_client.post(
        "/api/v1/plan-assignments/", {"plan": plan["id"], "starts_on": "2026-01-01"}
    ).json()
    during = owner_client.get(f"/api/v1/cases/{case['id']}/").json()["lines"][0]["work_rvu"]

    owner_client.delete(f"/api/v1/plan-assignments/{assignment['id']}/")

    after = owner_client.get(f"/api/v1/cases/{case['id']}/").json()["lines"][0]
    assert (case["lines"][0]["work_rvu"], during, after["work_rvu"]) == ("3.06", "19.11", "3.06")
    assert after["credit_plan"] is None


@pytest.mark.parametrize("field", ["reduced_service_share", "assistant_share", "team_surgery_share"])
@pytest.mark.parametrize("value", ["-0.5", "1.01", "9.9999"])
def test_plan_shares_must_lie_between_0_and_1(owner_client, field, value):
    response = owner_client.post("/api/v1/plans/", {"name": "bad", field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_retrying_a_line_posted_into_a_case_is_not_a_conflict(owner_client):
    case = create_case(owner_client, {"code": "27447"}).json()
    body = {"code": "20610", "performed_on": "2026-08-01", "case": case["id"], "client_id": str(uuid.uuid4())}

    first = owner_client.post("/api/v1/logs/", body, format="json")
    again = owner_client.post("/api/v1/logs/", body, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["performed_on"] == DAY  # a case's lines share its date


def test_adding_a_line_with_another_logs_client_id_is_a_conflict(owner_client):
    other = owner_client.post("/api/v1/logs/", {"code": "20610", "performed_on": DAY}, format="json").json()
    case = create_case(owner_client, {"code": "27447"}).json()

    response = owner_client.post(
        f"/api/v1/cases/{case['id']}/lines/",
        {"code": "43235", "client_id": other["client_id"]},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["existing"]["id"] == other["id"]


def test_reusing_a_case_client_id_for_other_lines_is_a_conflict(owner_client):
    client_id = str(uuid.uuid4())
    create_case(owner_client, {"code": "27447"}, client_id=client_id)

    response = create_case(owner_client, {"code": "99213"}, client_id=client_id)

    assert response.status_code == 409
    assert Case.objects.count() == 1
