"""Lists skip their COUNT query when the first page holds every row, and count right either way."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from codes.models import Code


def count_queries(context: CaptureQueriesContext) -> int:
    """Read before the next request: each request empties the query log as it starts."""
    assert context.captured_queries, "no query captured: the capture is not working"
    return sum(1 for query in context.captured_queries if "COUNT(" in query["sql"].upper())


def test_a_first_page_holding_every_row_is_answered_without_a_count(anonymous_client):
    with CaptureQueriesContext(connection) as context:
        body = anonymous_client.get("/api/v1/codes/", {"q": "knee arthroplasty"}).json()

    assert 0 < body["count"] == len(body["results"]) < 25
    assert body["next"] is None
    assert count_queries(context) == 0


def test_a_longer_list_is_counted_and_paged(anonymous_client):
    expected = Code.objects.filter(code__startswith="992").count()

    with CaptureQueriesContext(connection) as context:
        first = anonymous_client.get("/api/v1/codes/", {"q": "992"}).json()
    counts = count_queries(context)
    second = anonymous_client.get("/api/v1/codes/", {"q": "992", "page": 2}).json()

    assert first["count"] == second["count"] == expected > 25
    assert len(first["results"]) == 25 and first["next"] and second["previous"]
    assert {row["code"] for row in first["results"]}.isdisjoint(row["code"] for row in second["results"])
    assert counts == 1
