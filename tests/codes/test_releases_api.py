"""Releases and what changed between them, on the real files (figures counted in SOURCES.md)."""

import pytest


def test_releases_are_listed_newest_first(anonymous_client):
    body = anonymous_client.get("/api/v1/releases/").json()

    assert [release["name"] for release in body["results"]] == [
        "RVU26C",
        "RVU26B",
        "RVU26A",
        "RVU25D",
        "RVU25A",
    ]
    assert body["results"][0]["effective_on"] == "2026-07-01"


def test_rvu25d_to_rvu26c_changes_thousands_of_work_rvus(anonymous_client):
    body = anonymous_client.get("/api/v1/releases/RVU26C/diff/", {"against": "RVU25D", "limit": 20000}).json()

    assert body["counts"] == {"added": 496, "removed": 230, "work_rvu_changed": 7477, "status_changed": 334}
    knee = next(change for change in body["work_rvu_changed"] if change["code"] == "27447")
    assert (knee["old"], knee["new"], knee["delta"]) == ("19.60", "19.11", "-0.49")
    chest = next(c for c in body["work_rvu_changed"] if (c["code"], c["modifier"]) == ("71046", "26"))
    assert (chest["old"], chest["new"]) == ("0.22", "0.21")
    assert not any(change["code"] == "99213" for change in body["work_rvu_changed"])  # 1.30 in both


def test_rvu26b_to_rvu26c_adds_codes_and_changes_statuses_only(anonymous_client):
    body = anonymous_client.get("/api/v1/releases/RVU26C/diff/", {"against": "RVU26B"}).json()

    assert body["counts"] == {"added": 79, "removed": 0, "work_rvu_changed": 0, "status_changed": 30}
    assert "1026T" in {row["code"] for row in body["added"]}


@pytest.mark.parametrize(("params", "status"), [({"against": "RVU24A"}, 404), ({}, 400)])
def test_a_diff_against_an_unknown_release_says_so(anonymous_client, params, status):
    assert anonymous_client.get("/api/v1/releases/RVU26C/diff/", params).status_code == status
