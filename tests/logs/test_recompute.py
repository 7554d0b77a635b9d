"""A new release re-prices the logs it governs, and only those; a recompute converges.

The new release here is a corrected re-issue of RVU26C (RVU26CR) made from the real
file with one change: 99213's work RVU 1.30 → 1.50 (totals adjusted to match).
"""

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from codes.models import Release
from codes.services import release_import
from logs.models import ProcedureLog, ReleaseRepricing
from logs.recompute import release_recompute
from logs.tasks import queue_release_recompute

CSV_2026C = Path(settings.DATA_DIR) / "cms" / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv"


def corrected_rvu26c(tmp_path: Path) -> Release:
    lines = CSV_2026C.read_text().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if line.startswith("99213,"))
    fields = lines[number].split(",")
    fields[5] = "1.50"  # WORK RVU
    fields[11] = "3.05"  # NON-FACILITY TOTAL: 2.85 + 0.20
    fields[12] = "1.92"  # FACILITY TOTAL: 1.72 + 0.20
    lines[number] = ",".join(fields)
    path = tmp_path / "PPRRVU2026_Jul_nonQPP_corrected.csv"
    path.write_text("".join(lines))
    return release_import(
        path=path, release_name="RVU26CR", effective_on=Release.objects.get(name="RVU26C").effective_on
    ).release


def log(client, code: str, day: str) -> dict:
    response = client.post("/api/v1/logs/", {"code": code, "performed_on": day}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def logged(owner_client):
    return {
        "august_visit": log(owner_client, "99213", "2026-08-03"),
        "june_visit": log(owner_client, "99213", "2026-06-01"),
        "august_knee": log(owner_client, "27447", "2026-08-03"),
    }


def test_a_new_release_re_prices_the_logs_it_governs_and_only_those(owner, owner_client, logged, tmp_path):
    release = corrected_rvu26c(tmp_path)

    message = queue_release_recompute(release)

    august, june, knee = (ProcedureLog.objects.get(pk=logged[key]["id"]) for key in logged)
    assert message == "Re-priced 2 logs under RVU26CR."
    assert (august.work_rvu, august.release.name) == (Decimal("1.50"), "RVU26CR")
    assert "work 1.50 from RVU26CR" in august.credit_explanation
    assert (june.work_rvu, june.release.name) == (Decimal("1.30"), "RVU26B")
    assert knee.release.name == "RVU26CR" and str(knee.work_rvu) == "19.11"
    repricing = owner_client.get("/api/v1/repricings/").json()["results"][0]
    assert (
        repricing["message"]
        == "Your logs from 2026-07-01 were re-priced under RVU26CR: +0.20 wRVU on 1 code."
    )


def test_a_recompute_run_twice_ends_where_one_run_does(owner, logged, tmp_path):
    release = corrected_rvu26c(tmp_path)

    release_recompute(release=release)
    first = list(
        ProcedureLog.objects.order_by("id").values_list("work_rvu", "release__name", "credit_explanation")
    )
    release_recompute(release=release)

    assert (
        list(
            ProcedureLog.objects.order_by("id").values_list("work_rvu", "release__name", "credit_explanation")
        )
        == first
    )
    assert (
        ReleaseRepricing.objects.get().work_rvu_after - ReleaseRepricing.objects.get().work_rvu_before
        == Decimal("0.20")
    )


def test_a_recompute_killed_halfway_and_run_again_converges(owner, logged, tmp_path, settings):
    release = corrected_rvu26c(tmp_path)
    settings.RVUEDGE_RECOMPUTE_CHUNK_LOGS = 1

    def crash_after_first_chunk(done: int, total: int) -> None:
        raise KeyboardInterrupt  # as a SIGKILL would stop it: the first chunk committed, the rest not

    with pytest.raises(KeyboardInterrupt):
        release_recompute(release=release, progress=crash_after_first_chunk)
    halfway = set(ProcedureLog.objects.values_list("release__name", flat=True))
    release_recompute(release=release)

    assert halfway == {"RVU26C", "RVU26CR", "RVU26B"}
    assert set(
        ProcedureLog.objects.filter(performed_on="2026-08-03").values_list("release__name", flat=True)
    ) == {"RVU26CR"}
    assert (
        ReleaseRepricing.objects.get().work_rvu_after - ReleaseRepricing.objects.get().work_rvu_before
        == Decimal("0.20")
    )
