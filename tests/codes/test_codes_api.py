import datetime

import pytest
from django.utils import timezone

from codes.models import FeeScheduleRow, Release


def search(client, query: str, **params) -> list[dict]:
    response = client.get("/api/v1/codes/", {"q": query, **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_words_find_the_code_best_match_first(anonymous_client):
    results = search(anonymous_client, "knee arthroplasty")

    assert results[0]["code"] == "27447"
    assert results[0]["description"] == "Total knee arthroplasty"
    assert all(
        "knee" in r["description"].lower() and "arthroplasty" in r["description"].lower() for r in results
    )


def test_a_code_prefix_lists_the_codes_in_order(anonymous_client):
    results = search(anonymous_client, "2744")

    codes = [result["code"] for result in results]
    assert "27447" in codes
    assert codes == sorted(codes)
    assert all(code.startswith("2744") for code in codes)


@pytest.mark.parametrize(("query", "expected"), [("99213", "99213"), ("g2211", "G2211"), ("0591t", "0591T")])
def test_an_exact_code_comes_first_whatever_its_case(anonymous_client, query, expected):
    assert search(anonymous_client, query)[0]["code"] == expected


def test_results_carry_the_work_rvu_in_effect_today(anonymous_client):
    today_release = Release.objects.in_effect_on(timezone.localdate())
    expected = FeeScheduleRow.objects.get(release=today_release, code="27447", modifier="").work_rvu

    result = search(anonymous_client, "27447")[0]

    assert result["work_rvu"] == str(expected)
    assert result["status_code"] == "A"
    assert result["release"] == today_release.name


def test_results_can_show_the_work_rvu_of_another_date(anonymous_client):
    result = search(anonymous_client, "27447", date="2025-03-01")[0]

    assert (result["work_rvu"], result["release"]) == ("19.60", "RVU25A")


def test_codes_medicare_pays_come_before_unpaid_ones_of_equal_match(anonymous_client):
    results = search(anonymous_client, "knee", page_size=200)
    starting_with_knee = [r for r in results if r["description"].lower().startswith("knee")]

    paid = [result["status_code"] in {"A", "R", "T"} for result in starting_with_knee]
    assert results[0]["status_code"] in {"A", "R", "T"}
    assert True in paid and False in paid
    assert paid == sorted(paid, reverse=True)


def test_an_empty_query_finds_nothing(anonymous_client):
    assert search(anonymous_client, "  ") == []


def test_search_pages_its_results(anonymous_client):
    response = anonymous_client.get("/api/v1/codes/", {"q": "knee", "page_size": 5})

    body = response.json()
    assert len(body["results"]) == 5
    assert body["count"] > 5
    assert body["next"]


def test_search_costs_a_fixed_number_of_queries(anonymous_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        search(anonymous_client, "knee", page_size=50)


def test_a_code_shows_each_modifier_row_of_the_release_in_effect(anonymous_client):
    response = anonymous_client.get("/api/v1/codes/71046/", {"date": "2026-08-01"})

    body = response.json()
    assert body["release"]["name"] == "RVU26C"
    assert body["release"]["conversion_factor"] == "33.4009"
    assert [row["modifier"] for row in body["rows"]] == ["", "26", "TC"]
    professional = body["rows"][1]
    assert professional["work_rvu"] == "0.21"
    assert professional["status_code"] == "A"
    assert professional["pctc_indicator"] == "1"
    assert professional["global_days"] == "XXX"
    assert professional["is_paid_by_medicare"] is True


@pytest.mark.parametrize(
    ("day", "release", "work_rvu"),
    [("2025-03-01", "RVU25A", "19.60"), ("2025-10-01", "RVU25D", "19.60"), ("2026-07-01", "RVU26C", "19.11")],
)
def test_a_date_picks_the_release_in_effect_then(anonymous_client, day, release, work_rvu):
    body = anonymous_client.get("/api/v1/codes/27447/", {"date": day}).json()

    assert body["release"]["name"] == release
    assert body["rows"][0]["work_rvu"] == work_rvu


def test_a_code_missing_from_the_release_in_effect_says_so(anonymous_client):
    body = anonymous_client.get("/api/v1/codes/1026T/", {"date": "2026-02-01"}).json()

    assert body["rows"] == []
    assert body["message"] == "1026T is not in RVU26A, the fee schedule in effect on 2026-02-01."


def test_an_unknown_code_is_a_404_that_says_why(anonymous_client):
    response = anonymous_client.get("/api/v1/codes/99999/")

    assert response.status_code == 404
    assert response.json()["detail"] == "99999 is not in the code catalog."


def test_a_bad_date_is_a_400(anonymous_client):
    response = anonymous_client.get("/api/v1/codes/27447/", {"date": "2026-13-01"})

    assert response.status_code == 400
    assert "date" in response.json()


def test_a_date_before_every_release_says_none_covers_it(anonymous_client):
    body = anonymous_client.get(
        "/api/v1/codes/27447/", {"date": (datetime.date(2020, 1, 1)).isoformat()}
    ).json()

    assert body["release"] is None
    assert body["message"] == "No fee schedule release loaded covers 2020-01-01."


def test_a_date_whose_release_is_not_loaded_says_which_values_stand_in(anonymous_client):
    body = anonymous_client.get("/api/v1/codes/27447/", {"date": "2025-07-15"}).json()

    assert body["release"]["name"] == "RVU25A"
    assert body["message"] == (
        "RVU25C, the release for July–September 2025, is not loaded; "
        "values are from RVU25A, the latest loaded before it."
    )


def test_search_matches_the_start_of_words_only(anonymous_client):
    results = search(anonymous_client, "office est")

    assert results[0]["code"] in {"99211", "99212", "99213", "99214", "99215"}
    assert all(
        " est" in r["description"].lower() or r["description"].lower().startswith("est") for r in results
    )
