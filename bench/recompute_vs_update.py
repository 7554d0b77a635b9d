"""A release recompute of a million logs next to one bare UPDATE … FROM of the same rows.

Run from the repository root with the project's Python:

    .venv/bin/python bench/recompute_vs_update.py --database-url postgres://postgres@127.0.0.1:5432/postgres

On a throwaway PostgreSQL database (made and dropped by this script), it imports
the real RVU25D file, writes --logs procedure logs (1,000,000 by default) for
--users users (1,000) dated July to September 2026, credits them under RVU25D
with the app's own recompute (so each log holds the release, row, wRVU and
explanation it would hold in a real database), packs the table, then imports the
real RVU26C file, which governs all of them. It then times:

(a) baseline: one bare `UPDATE … FROM` setting work RVU × units from RVU26C's
    global rows for the same logs (rolled back, so (b) starts from the same state);
(b) recompute: `release_recompute`, the full job: plan the chunks, credit every
    case and lone log under every rule of its plan (ranking, bilateral sides,
    assistants …), write release, row, plan, wRVU and explanation, and record each
    user's repricing summary;
(c) rerun: the same recompute again, which finds nothing to change;
(d) the baseline again, so that a drift of the machine shows.

VACUUM ANALYZE runs (untimed) before each step. With --workers N the chunks of (b)
are shared by N processes, as N Celery workers would share them.

The logs imitate a practice: 20 specialties of 50 users each; a specialty draws
from 40 codes (paid in RVU25D), a few of them most of the time; about a
third of the logs are lines of 2- or 3-line cases; some carry RT, LT, 59 or 80,
some 2 or 3 units; a tenth of the users switch to a plan of their own in August.
"""

import argparse
import datetime
import json
import multiprocessing
import os
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_speed import DATA_DIR, peak_rss_mb, set_up_django, throwaway_postgres  # noqa: E402

OLD_FILE = DATA_DIR / "cms" / "rvu25d" / "PPRRVU2025_Oct.csv"
NEW_FILE = DATA_DIR / "cms" / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv"
FIRST_DAY = datetime.date(2026, 7, 1)
DAYS = 92
SPECIALTIES = 20
REPERTOIRE = 40
MODIFIERS = [[]] * 88 + [["59"]] * 4 + [["RT"]] * 3 + [["LT"]] * 3 + [["80"]] * 2
UNITS = [1] * 93 + [2] * 5 + [3] * 2


def import_quietly(path: Path):
    from codes.services import release_import

    return release_import(path=path).release


def valued_codes(old) -> list[str]:
    """Codes with a paid global row (status A, work RVU above 0) in `old`."""
    from codes.models import FeeScheduleRow

    rows = FeeScheduleRow.objects.filter(release=old, modifier="", status_code="A", work_rvu__gt=0)
    return sorted(rows.values_list("code_id", flat=True))


def credit_under(old) -> None:
    """Credit every log under `old` as the app would have (release, row, wRVU and the full
    explanation), then pack the table as COPY left it: the timed steps start from what a
    real database holds, not from placeholder credits."""
    from django.db import connection

    from logs.recompute import release_recompute

    release_recompute(release=old)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM FULL ANALYZE logs_procedurelog")


def seed(*, users: int, logs: int, old, codes: list[str], rng: random.Random) -> None:
    """Write users, cases and logs credited under `old` with COPY (no engine: the recompute redoes it)."""
    from django.db import connection

    from accounts.models import User
    from codes.models import FeeScheduleRow
    from logs.models import CreditPlan, PlanAssignment

    User.objects.bulk_create(User(email=f"bench{n}@example.org", password="!") for n in range(users))
    user_ids = list(User.objects.order_by("id").values_list("id", flat=True))
    rows = {
        code: (pk, work)
        for pk, code, work in FeeScheduleRow.objects.filter(
            release=old, modifier="", code_id__in=codes
        ).values_list("pk", "code_id", "work_rvu")
    }
    repertoires = [rng.sample(codes, REPERTOIRE) for _ in range(SPECIALTIES)]
    _assign_own_plans(user_ids, rng, CreditPlan, PlanAssignment)
    now = datetime.datetime.now(datetime.UTC)
    per_user = logs // users
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM logs_case")
        case_id = cursor.fetchone()[0]
        cases, lines = [], []
        for index, user_id in enumerate(user_ids):
            repertoire = repertoires[index % SPECIALTIES]
            written = 0
            while written < per_user:
                day = FIRST_DAY + datetime.timedelta(days=rng.randrange(DAYS))
                setting = "facility" if rng.random() < 0.75 else "non_facility"
                size = 1 if rng.random() < 0.8 else rng.choice([2, 3])
                size = min(size, per_user - written)
                case = None
                if size > 1:
                    case_id += 1
                    case = case_id
                    cases.append((case, user_id, uuid.uuid4(), day, setting, "", now))
                for _ in range(size):
                    code = repertoire[min(int(REPERTOIRE * rng.random() ** 2.5), REPERTOIRE - 1)]
                    modifiers = rng.choice(MODIFIERS)
                    units = 1 if modifiers in (["RT"], ["LT"]) else rng.choice(UNITS)
                    row_id, work = rows[code]
                    lines.append(
                        (user_id, uuid.uuid4(), day, code, json.dumps(modifiers), units, setting, "", case,
                         old.pk, row_id, None, work * units, f"seeded under {old.name}", now, now)
                    )  # fmt: skip
                written += size
        with cursor.copy(
            "COPY logs_case (id, user_id, client_id, performed_on, setting, note, created_at) FROM STDIN"
        ) as copy:
            for case_row in cases:
                copy.write_row(case_row)
        cursor.execute("SELECT setval(pg_get_serial_sequence('logs_case', 'id'), %s)", [max(case_id, 1)])
        with cursor.copy(
            "COPY logs_procedurelog (user_id, client_id, performed_on, code, modifiers, units, setting, note,"
            " case_id, release_id, fee_schedule_row_id, credit_plan_id, work_rvu, credit_explanation,"
            " created_at, updated_at) FROM STDIN"
        ) as copy:
            for line in lines:
                copy.write_row(line)


def _assign_own_plans(user_ids, rng, CreditPlan, PlanAssignment) -> None:  # noqa: N803 (model classes)
    for user_id in rng.sample(user_ids, len(user_ids) // 10):
        plan = CreditPlan.objects.create(owner_id=user_id, name="Own", ranking_basis="work_rvu")
        PlanAssignment.objects.create(user_id=user_id, plan=plan, starts_on=datetime.date(2026, 8, 1))


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE logs_procedurelog")


def bare_update(new) -> tuple[float, int]:
    """The baseline: one statement, work RVU × units from the global row, nothing else."""
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE logs_procedurelog l SET work_rvu = r.work_rvu * l.units
            FROM codes_feeschedulerow r
            WHERE r.release_id = %s AND r.code = l.code AND r.modifier = '' AND l.performed_on >= %s
            """,
            [new.pk, new.effective_on],
        )
        updated = cursor.rowcount
        transaction.set_rollback(True)  # leave the logs as they were for the recompute
    return time.perf_counter() - started, updated


def recompute(new, workers: int) -> tuple[float, int]:
    from logs.recompute import recompute_run_here, release_recompute_start

    started = time.perf_counter()
    run = release_recompute_start(release=new)
    if workers > 1:
        _share_chunks(run, workers)
    recompute_run_here(run=run)
    run.refresh_from_db()
    return time.perf_counter() - started, run.logs_changed


def _share_chunks(run, workers: int) -> None:
    """Run the chunks in `workers` processes at once, as that many Celery workers would."""
    from django.db import connections

    chunk_ids = list(run.chunks.values_list("pk", flat=True))
    connections.close_all()  # each forked process opens its own connection
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.map(_do_chunk, chunk_ids, chunksize=1)


def _do_chunk(chunk_id: int) -> None:
    from logs.recompute import recompute_chunk_do

    recompute_chunk_do(chunk_id=chunk_id)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server URL (for CREATE DATABASE)")
    parser.add_argument("--logs", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=1, help="processes sharing the chunks (default 1)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "rvuedge.settings.test"  # DEBUG off, as in production
    with throwaway_postgres(args.database_url) as database_url:
        set_up_django(database_url)
        import logging

        logging.getLogger("logs").setLevel(logging.WARNING)
        old = import_quietly(OLD_FILE)
        started = time.perf_counter()
        seed(users=args.users, logs=args.logs, old=old, codes=valued_codes(old), rng=random.Random(args.seed))
        credit_under(old)
        seeding = time.perf_counter() - started
        new = import_quietly(NEW_FILE)
        vacuum()
        before, updated = bare_update(new)
        vacuum()
        recompute_seconds, changed = recompute(new, args.workers)
        vacuum()
        rerun_seconds, rerun_changed = recompute(new, 1)
        vacuum()
        after, _ = bare_update(new)
        report(
            args,
            seeding,
            updated,
            (before, after),
            (recompute_seconds, changed),
            (rerun_seconds, rerun_changed),
        )


def report(args, seeding, updated, baselines, first, rerun) -> None:
    from logs.models import ProcedureLog, RecomputeRun

    baseline = sum(baselines) / 2
    logs = ProcedureLog.objects.count()
    case_lines = ProcedureLog.objects.filter(case__isnull=False).count()
    chunks = RecomputeRun.objects.filter(release__name="RVU26C").first().chunks_total
    lines = [
        f"RVU Edge recompute vs bare UPDATE  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"machine     {os.cpu_count()} CPUs, load {' '.join(f'{n:.2f}' for n in os.getloadavg())}",
        f"data        {logs:,} logs of {args.users:,} users, {case_lines:,} of them case lines; "
        f"written and credited under RVU25D in {seeding:.1f} s",
        f"chunks      {chunks} per run; {args.workers} worker(s) in the first run",
        f"baseline    UPDATE … FROM of {updated:,} rows: {baselines[0]:.2f} s before, "
        f"{baselines[1]:.2f} s after",
        f"recompute   {first[0]:.2f} s, {first[1]:,} logs changed",
        f"rerun       {rerun[0]:.2f} s, {rerun[1]:,} logs changed",
        f"ratio       recompute / baseline = {first[0] / baseline:.2f}x (target within 2x); "
        f"rerun / baseline = {rerun[0] / baseline:.2f}x",
        f"memory      peak RSS {peak_rss_mb():.0f} MB",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
