"""The set-based re-credit gives every log exactly what crediting it case by case gives.

Cases and lone logs are generated from codes that exercise every rule (ranking,
endoscopy families, imaging, add-ons, bilateral sides, assistants), over dates
under every bundled release and a quarter whose release is missing, for a user
on the CMS rules and one with two plans in force at different dates.
"""

import datetime
import random
import uuid
from decimal import Decimal

import pytest

from codes.models import Code
from logs.bulk_credit import logs_recredit_in_bulk
from logs.credit import CreditError
from logs.models import CreditPlan, PlanAssignment, PlanCodeValue, ProcedureLog
from logs.services import case_create, procedure_log_create

from .test_credit_properties import POOL

MODIFIER_CHOICES = [[], [], [], ["80"], ["62"], ["51"], ["52"], ["GA"], ["50"], ["RT"], ["LT"], ["26"]]
UNVALUED = "S9381"  # a HCPCS code the fee schedule does not value, given a plan value below
DATES = [
    datetime.date(2025, 2, 3),  # RVU25A
    datetime.date(2025, 7, 15),  # RVU25C is not bundled: RVU25A with a note
    datetime.date(2025, 11, 4),  # RVU25D
    datetime.date(2026, 5, 6),  # RVU26B
    datetime.date(2026, 8, 3),  # RVU26C
    datetime.date(2026, 11, 20),  # RVU26D is not bundled: RVU26C with a note
]


def random_line(rng: random.Random) -> dict:
    modifiers = rng.choice(MODIFIER_CHOICES)
    units = 1 if modifiers in (["50"], ["RT"], ["LT"]) else rng.choice([1, 1, 1, 2, 3])
    return {"code": rng.choice([*POOL, UNVALUED]), "modifiers": list(modifiers), "units": units}


def log_everything(user, rng: random.Random, groups: int) -> None:
    codes = {code.code: code for code in Code.objects.filter(code__in=[*POOL, UNVALUED])}
    for _ in range(groups):
        day, setting = rng.choice(DATES), rng.choice(["facility", "non_facility"])
        lines = [random_line(rng) for _ in range(rng.choice([1, 1, 2, 3, 4]))]
        try:
            if len(lines) == 1:
                procedure_log_create(
                    user=user, client_id=uuid.uuid4(), performed_on=day, code=codes[lines[0]["code"]],
                    modifiers=lines[0]["modifiers"], units=lines[0]["units"], setting=setting, note="",
                )  # fmt: skip
            else:
                for line in lines:
                    line["code"] = codes[line["code"]]
                case_create(
                    user=user, client_id=uuid.uuid4(), performed_on=day, setting=setting, note="", lines=lines
                )
        except CreditError:
            continue  # a combination the engine refuses (26 on a code without one) is never stored


@pytest.fixture
def planned_user(other_user):
    own = CreditPlan.objects.create(
        owner=other_user, name="Group practice", ranking_basis="work_rvu", assistant_share=Decimal("0.20")
    )
    PlanCodeValue.objects.create(plan=own, code_id=UNVALUED, work_rvu=Decimal("1.25"))
    flat = CreditPlan.objects.create(owner=other_user, name="No reductions", apply_multiple_procedure=False)
    PlanAssignment.objects.create(user=other_user, plan=own, starts_on=datetime.date(2025, 6, 1))
    PlanAssignment.objects.create(user=other_user, plan=flat, starts_on=datetime.date(2026, 7, 1))
    return other_user


CREDIT = ("work_rvu", "release_id", "fee_schedule_row_id", "credit_plan_id", "credit_explanation")


def credits() -> dict[int, tuple]:
    return {row[0]: row[1:] for row in ProcedureLog.objects.values_list("id", *CREDIT)}


@pytest.mark.django_db
def test_bulk_re_credit_equals_case_by_case_credit(owner, planned_user):
    rng = random.Random(2026)
    log_everything(owner, rng, groups=120)
    log_everything(planned_user, rng, groups=120)
    expected = credits()
    ProcedureLog.objects.update(work_rvu=Decimal("0"), credit_explanation="stale", fee_schedule_row=None)

    changed = logs_recredit_in_bulk(logs=ProcedureLog.objects.all())

    assert credits() == expected
    assert changed == len(expected) > 300
    assert len({row[3] for row in expected.values()}) == 3  # CMS rules and both plans were used


@pytest.mark.django_db
def test_a_second_bulk_re_credit_changes_nothing(owner):
    log_everything(owner, random.Random(7), groups=40)
    logs_recredit_in_bulk(logs=ProcedureLog.objects.all())
    before = credits()

    assert logs_recredit_in_bulk(logs=ProcedureLog.objects.all()) == 0
    assert credits() == before


@pytest.mark.django_db
def test_one_line_of_a_case_brings_its_whole_case(owner):
    log_everything(owner, random.Random(11), groups=30)
    case_line = next(
        line
        for line in ProcedureLog.objects.filter(case__isnull=False)
        if not line.case.lines.filter(work_rvu=0).exists()  # every line earns: each one must change
    )
    case_lines = ProcedureLog.objects.filter(case=case_line.case)
    expected = credits()
    ProcedureLog.objects.update(work_rvu=Decimal("0"))

    changed = logs_recredit_in_bulk(logs=ProcedureLog.objects.filter(pk=case_line.pk))

    assert changed == case_lines.count() > 1
    assert {log.pk: credits()[log.pk] for log in case_lines} == {
        log.pk: expected[log.pk] for log in case_lines
    }
    assert ProcedureLog.objects.exclude(case=case_line.case).filter(work_rvu__gt=0).count() == 0


@pytest.mark.django_db
def test_a_case_of_plain_surgeries_is_ranked_in_sql_like_the_engine_ranks_it(owner):
    """Two plain surgeries (no sides, one unit each) take the set-based ranking path."""
    codes = {code.code: code for code in Code.objects.filter(code__in=["27447", "27130", "99213"])}
    lines = [{"code": codes[code], "modifiers": [], "units": 1} for code in ("27130", "27447", "99213")]
    case, _ = case_create(
        user=owner, client_id=uuid.uuid4(), performed_on=DATES[4], setting="facility", note="", lines=lines
    )
    expected = credits()
    ProcedureLog.objects.update(work_rvu=Decimal("0"), credit_explanation="stale")

    logs_recredit_in_bulk(logs=ProcedureLog.objects.all())

    assert credits() == expected
    explanations = list(case.lines.order_by("id").values_list("credit_explanation", flat=True))
    assert {"rank 1 of 2 → 100%" in text for text in explanations[:2]} == {True, False}
    assert {"rank 2 of 2 → 50%" in text for text in explanations[:2]} == {True, False}
    assert "rank" not in explanations[2]  # a visit is not ranked
