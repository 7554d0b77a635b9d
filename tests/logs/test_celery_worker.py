"""The release recompute on a real Celery worker, over the Redis on 127.0.0.1:6379
and this test's PostgreSQL database, including a worker killed with SIGKILL.

These tests commit for real (the worker is another process), so they start from
an empty catalog and import the releases they need.
"""

import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from codes.models import Code
from codes.services import release_import
from logs.models import ProcedureLog, RecomputeRun
from logs.services import procedure_log_create
from logs.tasks import recompute_release
from rvuedge.celery import app as celery_app

BROKER = os.environ.get("RVUEDGE_TEST_BROKER_URL", "redis://127.0.0.1:6379/14")
VISIBILITY_TIMEOUT = 6  # seconds before Redis hands an unacknowledged task to another worker
CMS = Path(settings.DATA_DIR) / "cms"


def _redis_is_up() -> bool:
    try:
        return redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker needs a database it can share"),
    pytest.mark.skipif(not _redis_is_up(), reason=f"no Redis at {BROKER}"),
]


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def start_worker(*, chunk_logs: int = 120, pause_ms: int = 0) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rvuedge.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_TIME_LIMIT": "5",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "RVUEDGE_RECOMPUTE_CHUNK_LOGS": str(chunk_logs),
        "RVUEDGE_RECOMPUTE_CHUNK_PAUSE_MS": str(pause_ms),
    }
    command = [sys.executable, "-m", "celery", "-A", "rvuedge", "worker", "--pool=solo", "--loglevel=INFO"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"test-{os.getpid()}@%h"]
    # RVUEDGE_WORKER_LOG=/tmp/worker.log keeps the worker's output for a failing run.
    log = open(os.environ.get("RVUEDGE_WORKER_LOG", os.devnull), "a")  # noqa: SIM115
    return subprocess.Popen(command, env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT)


@pytest.fixture
def broker(transactional_db):
    """Send tasks to the real Redis instead of running them in-process."""
    redis.Redis.from_url(BROKER).flushdb()
    previous = dict(celery_app.conf)
    celery_app.conf.update(
        task_always_eager=False,
        broker_url=BROKER,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
    )
    call_command("flush", interactive=False)  # start from an empty catalog
    yield
    celery_app.conf.update(
        task_always_eager=previous["task_always_eager"],
        broker_url=previous["broker_url"],
        broker_transport_options=previous["broker_transport_options"],
    )


def enqueue_recompute(release_id: int) -> None:
    """Send the task over an explicit connection to the test broker: the app's cached
    producer pool may have been made before this test pointed the app at Redis."""
    with celery_app.connection_for_write(BROKER) as connection_to_broker:
        recompute_release.apply_async(args=[release_id], connection=connection_to_broker)


def wait_until(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def log_month_by_month(user: User, code: str, first: datetime.date, months: int, per_month: int = 1) -> None:
    code_row = Code.objects.get(code=code)
    for month in range(months):
        day = datetime.date(
            first.year + (first.month - 1 + month) // 12, (first.month - 1 + month) % 12 + 1, 3
        )
        for _ in range(per_month):
            procedure_log_create(
                user=user,
                client_id=uuid.uuid4(),
                performed_on=day,
                code=code_row,
                modifiers=[],
                units=1,
                setting="facility",
                note="",
            )


def totals_by_release() -> dict[str, tuple[int, Decimal]]:
    totals: dict[str, tuple[int, Decimal]] = {}
    for name, work in ProcedureLog.objects.values_list("release__name", "work_rvu"):
        count, total = totals.get(name, (0, Decimal(0)))
        totals[name] = (count + 1, total + work)
    return totals


def test_a_worker_moves_logs_from_the_new_release_date_on_and_no_earlier(broker):
    release_import(path=CMS / "rvu25d" / "PPRRVU2025_Oct.csv")
    surgeon = User.objects.create_user(email="surgeon@example.org")
    log_month_by_month(surgeon, "27447", datetime.date(2025, 10, 1), months=12)  # Oct 2025 .. Sep 2026
    rvu26c = release_import(path=CMS / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv").release
    workers = [start_worker(chunk_logs=1), start_worker(chunk_logs=1)]  # a chunk per log, shared out
    try:
        enqueue_recompute(rvu26c.pk)
        wait_until(
            lambda: RecomputeRun.objects.filter(release=rvu26c, finished_at__isnull=False).exists(),
            seconds=60,
            what="the recompute",
        )
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)

    assert totals_by_release() == {"RVU25D": (9, Decimal("176.40")), "RVU26C": (3, Decimal("57.33"))}
    assert set(ProcedureLog.objects.filter(release=rvu26c).values_list("performed_on__month", flat=True)) == {
        7,
        8,
        9,
    }
    assert RecomputeRun.objects.get(release=rvu26c).chunks_done == 3


def test_a_worker_killed_mid_recompute_converges_once_restarted(broker):
    release_import(path=CMS / "rvu25d" / "PPRRVU2025_Oct.csv")
    surgeons = [User.objects.create_user(email=f"surgeon{n}@example.org") for n in range(4)]
    for surgeon in surgeons:
        log_month_by_month(surgeon, "27447", datetime.date(2026, 7, 1), months=3, per_month=120)
    rvu26c = release_import(path=CMS / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv").release
    total_logs = ProcedureLog.objects.count()  # 1,440 logs, all under RVU26C from July 2026

    worker = start_worker(pause_ms=300)  # 12 chunks of 120 logs, a rest after each: time to kill it
    enqueue_recompute(rvu26c.pk)
    wait_until(lambda: ProcedureLog.objects.filter(release=rvu26c).exists(), seconds=60, what="a first chunk")
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    moved_before_the_kill = ProcedureLog.objects.filter(release=rvu26c).count()

    worker = start_worker()  # Redis hands the unacknowledged task to it after the visibility timeout
    try:
        wait_until(
            lambda: RecomputeRun.objects.filter(release=rvu26c, finished_at__isnull=False).exists(),
            seconds=120,
            what="the redelivered recompute",
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    assert 0 < moved_before_the_kill < total_logs
    assert totals_by_release() == {"RVU26C": (total_logs, Decimal("19.11") * total_logs)}
