"""Once the HCPCS file is imported, every HCPCS code can be found, read and logged,
whether or not the fee schedule values it."""

import pytest
from django.db import transaction

from codes.importing.hcpcs_import import hcpcs_file_import
from codes.models import Code, FeeScheduleRow
from tests.codes.test_hcpcs_file import ZIP_2026

HCPCS_ONLY = "E0100"  # a cane: in the HCPCS file, in no fee schedule release


@pytest.fixture(scope="module")
def hcpcs(django_db_setup, django_db_blocker):
    """The January 2026 ZIP imported once for the module, rolled back when it is done."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield hcpcs_file_import(path=ZIP_2026)
        transaction.set_rollback(True)


def search(client, query: str) -> list[str]:
    response = client.get("/api/v1/codes/", {"q": query, "page_size": 100})
    assert response.status_code == 200, response.content
    return [result["code"] for result in response.json()["results"]]


def detail(client, code: str, **params) -> dict:
    response = client.get(f"/api/v1/codes/{code}/", params)
    assert response.status_code == 200, response.content
    return response.json()


def log(client, code: str, performed_on: str = "2026-02-02") -> dict:
    response = client.post("/api/v1/logs/", {"code": code, "performed_on": performed_on}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_the_example_code_is_in_no_release(hcpcs, db):
    assert not FeeScheduleRow.objects.filter(code=HCPCS_ONLY).exists()


def test_a_hcpcs_only_code_is_found_by_its_code_and_a_prefix(hcpcs, anonymous_client):
    assert search(anonymous_client, "e0100")[0] == HCPCS_ONLY
    assert HCPCS_ONLY in search(anonymous_client, "E010")


def test_a_hcpcs_only_code_is_found_by_words_of_its_short_description(hcpcs, anonymous_client):
    assert HCPCS_ONLY in search(anonymous_client, "cane adjust")


def test_a_hcpcs_code_is_found_by_words_only_its_long_description_holds(hcpcs, anonymous_client):
    s9381 = Code.objects.get(code="S9381")

    assert "protection" not in s9381.search_text  # "Hit high risk/escort"
    assert "S9381" in search(anonymous_client, "escort protection")
    assert HCPCS_ONLY in search(anonymous_client, "canes of all materials")


def test_long_description_words_match_by_their_start_like_short_ones(hcpcs, anonymous_client):
    assert "S9381" in search(anonymous_client, "escort protect")
    assert "S9381" not in search(anonymous_client, "escort rotection")


def test_a_phrase_of_the_long_description_ranks_before_scattered_words(hcpcs, anonymous_client):
    codes = search(anonymous_client, "extra protection")

    assert codes[0] == "S9381"


def test_search_stays_one_query_with_hcpcs_descriptions(
    hcpcs, anonymous_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):  # the release in effect, the count, the page
        search(anonymous_client, "wheelchair")


def test_the_detail_of_a_hcpcs_only_code_says_its_kind_and_what_the_file_says(hcpcs, anonymous_client):
    body = detail(anonymous_client, HCPCS_ONLY, date="2026-08-03")

    assert (body["kind"], body["section"]) == ("hcpcs_level_2", "E")
    assert (body["kind_name"], body["section_name"]) == ("HCPCS Level II", "Durable medical equipment")
    assert body["rows"] == []
    assert body["message"] == "E0100 is not in RVU26C, the fee schedule in effect on 2026-08-03."
    assert body["hcpcs"]["long_description"] == (
        "Cane, includes canes of all materials, adjustable or fixed, with tip"
    )
    assert body["hcpcs"]["coverage_code"] == "D"
    assert body["hcpcs"]["coverage_meaning"] == "Special coverage instructions apply"
    assert body["hcpcs"]["terminated_on"] is None
    assert body["hcpcs"]["is_terminated"] is False
    assert body["hcpcs"]["file"] == f"{ZIP_2026.name}/HCPC2026_JAN_ANWEB_01122026.txt"
    assert body["hcpcs"]["file_effective_on"] == "2026-01-01"


def test_the_detail_of_a_terminated_code_says_so(hcpcs, anonymous_client):
    body = detail(anonymous_client, "C5271")

    assert body["hcpcs"]["terminated_on"] == "2025-12-31"
    assert body["hcpcs"]["is_terminated"] is True


def test_the_detail_of_a_cpt_code_has_its_section_and_no_hcpcs_details(hcpcs, anonymous_client):
    body = detail(anonymous_client, "99213")

    assert (body["kind"], body["section"], body["section_name"]) == (
        "cpt_category_1",
        "em",
        "Evaluation and management",
    )
    assert body["hcpcs"] is None
    assert body["rows"]


def test_a_hcpcs_only_code_is_logged_and_earns_nothing_with_the_reason(hcpcs, owner_client):
    body = log(owner_client, HCPCS_ONLY)

    assert body["work_rvu"] == "0.00"
    assert body["credit_explanation"] == "E0100: no CMS work RVU in RVU26A; no CMS work RVU → 0.00"


def test_s9381_is_logged_and_earns_nothing_as_the_release_lists_it_invalid_for_medicare(hcpcs, owner_client):
    """S9381 is no HCPCS-only code: every bundled release lists it, status I, work 0.00."""
    body = log(owner_client, "S9381")

    assert body["work_rvu"] == "0.00"
    assert body["credit_explanation"].startswith("S9381: work 0.00 from RVU26A")
    assert "status I" in body["credit_explanation"]
