"""Many phones syncing at once, on real PostgreSQL connections (one per thread).

These tests commit for real (transactional_db), so they import the one release
they need themselves.
"""

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections
from rest_framework.test import APIClient

from accounts.models import User
from codes.services import release_import
from logs.models import ProcedureLog

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrency is tested on PostgreSQL, as deployed"
)

CLIENTS = 20
LOGS_PER_CLIENT = 50
CODES = ["99213", "99214", "27447", "G2211", "71046"]


@pytest.fixture
def rvu26c(transactional_db):
    release_import(path=Path(settings.DATA_DIR) / "cms" / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv")


def run_all_at_once(jobs: list[Callable]) -> list:
    """Start every job at the same moment, each in its own thread and DB connection."""
    start_line = threading.Barrier(len(jobs))

    def run(job: Callable):
        try:
            start_line.wait()
            return job()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def logged_in(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_twenty_clients_posting_fifty_logs_each_leave_exactly_a_thousand(rvu26c):
    users = [User.objects.create_user(email=f"doctor{n}@example.org") for n in range(CLIENTS)]

    def post_fifty(user: User) -> list[int]:
        client = logged_in(user)
        return [
            client.post(
                "/api/v1/logs/",
                {"code": CODES[n % len(CODES)], "performed_on": "2026-08-03", "client_id": str(uuid.uuid4())},
                format="json",
            ).status_code
            for n in range(LOGS_PER_CLIENT)
        ]

    statuses = run_all_at_once([lambda user=user: post_fifty(user) for user in users])

    assert Counter(status for client_statuses in statuses for status in client_statuses) == {201: 1000}
    assert ProcedureLog.objects.count() == CLIENTS * LOGS_PER_CLIENT
    assert set(Counter(ProcedureLog.objects.values_list("user_id", flat=True)).values()) == {LOGS_PER_CLIENT}


def test_one_client_id_posted_by_ten_clients_at_once_leaves_one_log(rvu26c):
    user = User.objects.create_user(email="surgeon@example.org")
    client_id = str(uuid.uuid4())

    def post_same_log():
        response = logged_in(user).post(
            "/api/v1/logs/",
            {"code": "27447", "performed_on": "2026-08-03", "client_id": client_id},
            format="json",
        )
        return response.status_code, response.json()["id"]

    results = run_all_at_once([post_same_log] * 10)

    assert ProcedureLog.objects.count() == 1
    assert sorted(status for status, _ in results) == [200] * 9 + [201]
    assert {log_id for _, log_id in results} == {ProcedureLog.objects.get().id}


def test_the_same_release_file_imported_twice_at_once_is_imported_once(transactional_db, tmp_path):
    """As when a worker dies and the broker hands the import to another: no false refusal."""
    path = tmp_path / "PPRRVU2026_Jul_nonQPP.csv"
    path.write_bytes((Path(settings.DATA_DIR) / "cms" / "rvu26c" / path.name).read_bytes() + b"\r\n")

    results = run_all_at_once([lambda: release_import(path=path, release_name="RVU28A")] * 2)

    assert sorted(result.created for result in results) == [False, True]
    assert {result.release.pk for result in results} == {results[0].release.pk}
    assert results[0].release.rows.count() == 19_356
