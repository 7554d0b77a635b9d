"""Re-crediting many logs at once, set-based on PostgreSQL.

A line's credit depends on its code, modifiers, units and setting, the plan in
force and the release in effect on its date ("context": the release, and the
quarter when that quarter's own release is missing), and, in a case, on the
other lines. A million logs hold a few thousand distinct lines, so:

1. the chosen lone logs and every line of the chosen cases go into a temporary
   table with their plan and context, worked out in SQL;
2. each distinct (line, plan, context) is credited alone, once, in Python, by the
   ordinary engine (`logs.credit.line_facts`) reading rows preloaded in memory;
   that gives a lone log its credit, and says how the line behaves in a case:
   inert (earns what it earns alone), ranked (alone, but for its multiple-
   procedure rank) or complex (bilateral sides, endoscopy, imaging, status T …);
3. SQL ranks the ranked lines of each case (highest basis first, 100% then 50%,
   or 25% from the third under indicator 1), as `credit_case` does;
4. cases holding a complex line are credited whole by `credit_case`, once per
   distinct case;
5. one UPDATE … FROM writes every log's credit, touching only rows whose credit
   changes, so that a rerun writes nothing.

tests/logs/test_bulk_credit.py checks that this gives every log exactly what
crediting it case by case gives. On SQLite (the zero-setup first look) the same
call re-credits case by case.
"""

import datetime
import functools
import json
import logging
from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import QuerySet

from codes.models import Code, FeeScheduleRow, Release, release_in_effect_among

from .credit import CatalogLookup, CreditError, Line, LineCredit, LineFacts, LineKind, credit_case, line_facts
from .models import ProcedureLog
from .plans import CreditPlan, PlanCodeValue

logger = logging.getLogger(__name__)

NO_PLAN = 0  # the CMS rules, in the temporary tables (a NULL would not join)
FIELD_SEPARATOR = "|"
LINE_SEPARATOR = "\n"
EXPLANATION_LENGTH = 1000

_LINE_TEXT = "l.code || '|' || l.modifiers::text || '|' || l.units || '|' || l.setting"


def logs_recredit_in_bulk(*, logs: QuerySet[ProcedureLog], memo: dict | None = None) -> int:
    """Re-credit the lone logs among `logs` and every case one of them belongs to.

    Returns how many logs had their credit changed. Runs in one transaction.
    Logs dated before every release are left as they are. `memo` keeps the credits
    worked out here for the next call: the chunks of one recompute share it, as the
    same lines recur in every chunk (plans and releases do not change within a run).
    """
    memo = {} if memo is None else memo
    if connection.vendor != "postgresql":
        from .services import recredit_logs  # the per-case path; imported here to avoid a cycle

        with transaction.atomic():
            return recredit_logs(logs=logs)
    with transaction.atomic(), connection.cursor() as cursor:
        _collect_lines(cursor, logs)
        lines = _distinct(cursor, "SELECT DISTINCT line, plan_id, context FROM bulk_line")
        cases = []
        if lines:
            facts = _remembered(memo, "line", lines, _fact_rows)
            _store(cursor, "bulk_fact", _FACT_COLUMNS, [row for rows in facts for row in rows])
            cases = _collect_complex_cases(cursor)
            results = _remembered(memo, "case", cases, _case_rows)
            _store(cursor, "bulk_result", _RESULT_COLUMNS, [row for rows in results for row in rows])
            changed = _write_credits(cursor)
        else:
            changed = 0
        cursor.execute("DROP TABLE IF EXISTS bulk_line, bulk_fact, bulk_case, bulk_result")
    logger.info("Bulk re-credit: %d distinct lines, %d distinct complex cases, %d logs changed",
                len(lines), len(cases), changed)  # fmt: skip
    return changed


class CreditKey:
    """A distinct line (or a case's lines, one per text line) with its plan and context."""

    __slots__ = ("text", "plan_id", "context")

    def __init__(self, text: str, plan_id: int, context: str):
        self.text, self.plan_id, self.context = text, plan_id, context

    def lines(self) -> list[Line]:
        return [_parse_line(text) for text in self.text.split(LINE_SEPARATOR)]

    def release_id(self) -> int:
        return int(self.context.split(" ", 1)[0])

    def day(self, release: Release) -> datetime.date:
        """A date this context stands for; every date of a context earns alike."""
        _, _, quarter = self.context.partition(" ")  # "2026-4" when the quarter's release is missing
        if not quarter:
            return release.effective_on
        year, number = (int(part) for part in quarter.split("-"))
        return max(release.effective_on, datetime.date(year, 3 * number - 2, 1))


@functools.lru_cache(maxsize=100_000)
def _parse_line(text: str) -> Line:
    """A line from its text; cached because the same few thousand lines recur in every case."""
    code, modifiers, units, setting = text.split(FIELD_SEPARATOR)
    return Line(
        code=Code(code=code), modifiers=tuple(json.loads(modifiers)), units=int(units), setting=setting
    )


def _collect_lines(cursor, logs: QuerySet[ProcedureLog]) -> None:
    columns = ("id", "case_id", "user_id", "performed_on", "code", "modifiers", "units", "setting")
    chosen_sql, params = logs.order_by().values(*columns).query.sql_with_params()
    # A lone log is a group of its own (numbered -id); a case's lines keep their entry order.
    # The release in effect on a date is the latest effective by then, a correction winning
    # a tie (as codes.models.IN_EFFECT_ORDER); its context names the quarter too when it
    # stands in for a missing release.
    # `chosen` is read once (its own filters pick the index), then joined by key only.
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE bulk_line ON COMMIT DROP AS
        WITH chosen AS MATERIALIZED ({chosen_sql}),
        picked AS (
            SELECT l.id, -l.id AS grp, 0 AS position, l.user_id, l.performed_on, {_LINE_TEXT} AS line
            FROM chosen l
            WHERE l.case_id IS NULL
            UNION ALL
            SELECT l.id, l.case_id, (row_number() OVER (PARTITION BY l.case_id ORDER BY l.id) - 1)::int,
                   c.user_id, c.performed_on, {_LINE_TEXT}
            FROM (SELECT DISTINCT case_id FROM chosen WHERE case_id IS NOT NULL) cases
            JOIN logs_case c ON c.id = cases.case_id
            JOIN logs_procedurelog l ON l.case_id = cases.case_id
        ),
        winner AS (
            SELECT DISTINCT ON (effective_on) id, effective_on
            FROM codes_release ORDER BY effective_on, is_correction DESC, id DESC
        ),
        span AS (
            SELECT id, effective_on AS starts_on, lead(effective_on) OVER (ORDER BY effective_on) AS ends_on
            FROM winner
        ),
        assignment AS (
            SELECT user_id, plan_id, starts_on,
                   lead(starts_on) OVER (PARTITION BY user_id ORDER BY starts_on) AS ends_on
            FROM logs_planassignment
        )
        SELECT p.id, p.grp, p.position, p.line, coalesce(a.plan_id, {NO_PLAN}) AS plan_id,
               s.id || CASE WHEN s.starts_on >= date_trunc('quarter', p.performed_on)::date THEN ''
                       ELSE ' ' || extract(year FROM p.performed_on)
                            || '-' || extract(quarter FROM p.performed_on) END AS context
        FROM picked p
        JOIN span s ON p.performed_on >= s.starts_on AND (s.ends_on IS NULL OR p.performed_on < s.ends_on)
        LEFT JOIN assignment a ON a.user_id = p.user_id AND a.starts_on <= p.performed_on
             AND (a.ends_on IS NULL OR p.performed_on < a.ends_on)
        """,
        params,
    )
    cursor.execute("ANALYZE bulk_line")


def _distinct(cursor, sql: str) -> list[CreditKey]:
    cursor.execute(sql)
    return [CreditKey(*row) for row in cursor.fetchall()]


class PreloadedCatalog(CatalogLookup):
    """The rows, plans and plan values a set of keys needs, read in a few queries."""

    def __init__(self, releases: dict[int, Release], plans: dict[int, CreditPlan]):
        self.releases = releases
        self.plans = plans
        self.rows: dict[tuple[int, str], dict[str, FeeScheduleRow]] = defaultdict(dict)
        self.custom_values: dict[tuple[int, str], Decimal] = {}

    @classmethod
    def for_keys(cls, keys: list[CreditKey]) -> "PreloadedCatalog":
        plan_ids = {key.plan_id for key in keys} - {NO_PLAN}
        plans = {NO_PLAN: CreditPlan.cms_default(), **CreditPlan.objects.in_bulk(plan_ids)}
        catalog = cls(Release.objects.in_bulk(), plans)
        codes = {line.code.code for key in keys for line in key.lines()}  # a case's key holds several
        release_ids = {key.release_id() for key in keys}
        catalog._load_rows(release_ids, codes)
        bases = {row.endoscopic_base_code for rows in catalog.rows.values() for row in rows.values()} - {""}
        catalog._load_rows(release_ids, bases - codes)
        for value in PlanCodeValue.objects.filter(plan_id__in=plan_ids, code_id__in=codes):
            catalog.custom_values[(value.plan_id, value.code_id)] = value.work_rvu
        return catalog

    def _load_rows(self, release_ids: set[int], codes: set[str]) -> None:
        if codes and release_ids:
            for row in FeeScheduleRow.objects.filter(release_id__in=release_ids, code_id__in=codes):
                self.rows[(row.release_id, row.code_id)][row.modifier] = row

    def release_for(self, performed_on: datetime.date) -> Release | None:
        return release_in_effect_among(self.releases.values(), performed_on)

    def rows_by_code(self, release: Release, codes: set[str]) -> dict[str, dict[str, FeeScheduleRow]]:
        return {code: self.rows[(release.pk, code)] for code in codes if (release.pk, code) in self.rows}

    def global_row(self, release_id: int, code: str) -> FeeScheduleRow | None:
        return self.rows.get((release_id, code), {}).get("")

    def custom_value(self, plan: CreditPlan, code: str) -> Decimal | None:
        return self.custom_values.get((plan.pk, code)) if plan.pk else None


_CREDIT_COLUMNS = (
    "work_rvu numeric(9, 2), release_id bigint, row_id bigint, credit_plan_id bigint, explanation text"
)
_FACT_COLUMNS = (
    f"line text, plan_id integer, context text, kind text, {_CREDIT_COLUMNS}, "
    "base numeric, basis numeric, share numeric, indicator text, apply_mp boolean, prefix text"
)
_RESULT_COLUMNS = f"text text, plan_id integer, context text, position integer, {_CREDIT_COLUMNS}"


def _remembered(memo: dict, kind: str, keys: list[CreditKey], credit) -> list[list[tuple]]:
    """The rows `credit(key, catalog)` gives for each key, working out only those not in `memo`."""
    missing = [key for key in keys if (kind, key.text, key.plan_id, key.context) not in memo]
    if missing:
        catalog = PreloadedCatalog.for_keys(missing)
        for key in missing:
            memo[(kind, key.text, key.plan_id, key.context)] = credit(key, catalog)
    return [memo[(kind, key.text, key.plan_id, key.context)] for key in keys]


def _fact_rows(key: CreditKey, catalog: PreloadedCatalog) -> list[tuple]:
    return [_fact_row(key, catalog)]


def _fact_row(key: CreditKey, catalog: PreloadedCatalog) -> tuple:
    release = catalog.releases[key.release_id()]
    plan = catalog.plans[key.plan_id]
    line = key.lines()[0]
    try:
        facts = line_facts(line=line, performed_on=key.day(release), plan=plan, lookup=catalog)
    except CreditError as error:
        facts = LineFacts(alone=_refused(release, error), kind=LineKind.COMPLEX)
    return (
        key.text,
        key.plan_id,
        key.context,
        facts.kind,
        *_credit_columns(facts.alone, plan),
        facts.base,
        facts.basis,
        facts.share,
        facts.indicator,
        plan.apply_multiple_procedure,
        facts.steps_before_ranking,
    )


def _refused(release: Release, error: CreditError) -> LineCredit:
    # Valid when logged, refused under the new release (a PC/TC indicator changed, say):
    # the log earns 0 and says why, rather than stopping the whole recompute.
    return LineCredit(release, None, Decimal("0.00"), [f"{release.name}: {error.message}"])


def _credit_columns(credit: LineCredit, plan: CreditPlan) -> tuple:
    row_id = credit.row.pk if credit.row else None
    return credit.work_rvu, credit.release.pk, row_id, plan.pk, credit.explanation[:EXPLANATION_LENGTH]


def _collect_complex_cases(cursor) -> list[CreditKey]:
    cursor.execute(
        """
        CREATE TEMPORARY TABLE bulk_case ON COMMIT DROP AS
        SELECT x.grp, string_agg(x.line, E'\\n' ORDER BY x.position) AS text,
               min(x.plan_id) AS plan_id, min(x.context) AS context
        FROM bulk_line x
        WHERE x.grp IN (
            SELECT x2.grp FROM bulk_line x2 JOIN bulk_fact f USING (line, plan_id, context)
            WHERE x2.grp > 0 AND f.kind = 'complex'
        )
        GROUP BY x.grp
        """
    )
    return _distinct(cursor, "SELECT DISTINCT text, plan_id, context FROM bulk_case")


def _case_rows(key: CreditKey, catalog: PreloadedCatalog) -> list[tuple]:
    release = catalog.releases[key.release_id()]
    plan = catalog.plans[key.plan_id]
    lines = key.lines()
    try:
        credits = credit_case(lines=lines, performed_on=key.day(release), plan=plan, lookup=catalog)
    except CreditError as error:
        credits = [_refused(release, error)] * len(lines)
    return [
        (key.text, key.plan_id, key.context, position, *_credit_columns(credit, plan))
        for position, credit in enumerate(credits)
    ]


def _store(cursor, table: str, columns: str, rows: list[tuple]) -> None:
    cursor.execute(f"CREATE TEMPORARY TABLE {table} ({columns}) ON COMMIT DROP")
    with cursor.copy(f"COPY {table} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(f"ANALYZE {table}")


def _write_credits(cursor) -> int:
    """Every chosen log's new credit, from one of three sources, written where it differs."""
    cursor.execute(
        """
        WITH fact AS (
            SELECT x.id, x.grp, x.position, f.*
            FROM bulk_line x JOIN bulk_fact f USING (line, plan_id, context)
            WHERE x.grp NOT IN (SELECT grp FROM bulk_case)
        ),
        ranked AS (
            SELECT fact.*,
                   row_number() OVER (
                       PARTITION BY grp ORDER BY basis DESC, base * share DESC, position
                   ) AS rank,
                   count(*) OVER (PARTITION BY grp) AS ranked_lines
            FROM fact WHERE kind = 'ranked'
        ),
        ranked_percent AS (
            SELECT ranked.*,
                   CASE WHEN NOT apply_mp OR rank = 1 THEN 1
                        WHEN indicator = '1' AND rank > 2 THEN 0.25 ELSE 0.5 END AS percent
            FROM ranked WHERE ranked_lines > 1
        ),
        new_credit AS (
            SELECT id, work_rvu, release_id, row_id, credit_plan_id, explanation
            FROM fact WHERE kind <> 'ranked' OR id NOT IN (SELECT id FROM ranked_percent)
            UNION ALL
            SELECT id, round(base * percent * share, 2), release_id, row_id, credit_plan_id,
                   left(prefix || '; '
                        || CASE WHEN apply_mp
                                THEN 'rank ' || rank || ' of ' || ranked_lines
                                     || ' → ' || (percent * 100)::int || '%'
                                ELSE 'multiple-procedure rule off in the plan → 100%' END
                        || '; = ' || round(base * percent * share, 2), 1000)
            FROM ranked_percent
            UNION ALL
            SELECT x.id, r.work_rvu, r.release_id, r.row_id, r.credit_plan_id, r.explanation
            FROM bulk_line x JOIN bulk_case c USING (grp)
            JOIN bulk_result r ON r.text = c.text AND r.plan_id = c.plan_id AND r.context = c.context
                 AND r.position = x.position
        )
        UPDATE logs_procedurelog l
        SET work_rvu = n.work_rvu, release_id = n.release_id, fee_schedule_row_id = n.row_id,
            credit_plan_id = n.credit_plan_id, credit_explanation = n.explanation, updated_at = now()
        FROM new_credit n
        WHERE l.id = n.id
          AND (l.work_rvu, l.release_id, l.fee_schedule_row_id, l.credit_plan_id, l.credit_explanation)
              IS DISTINCT FROM (n.work_rvu, n.release_id, n.row_id, n.credit_plan_id, n.explanation)
        """
    )
    return cursor.rowcount
