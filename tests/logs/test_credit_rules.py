"""The credit engine, case by case, against the real RVU26C file.

Every expected value below was worked out by hand from the columns of
PPRRVU2026_Jul_nonQPP.csv (RVU26C, in effect on 2026-08-03) and is cited next to
its case: WORK RVU, the facility TOTAL used for ranking (the CMS plan ranks by
total RVU, as Medicare ranks by fee), and the indicators the rule reads
(MULT PROC, BILAT SURG, ASST SURG, CO-SURG, TEAM SURG, GLOB DAYS, ENDO BASE,
status, PC/TC). Each line is rounded once, half up, at its end.
"""

import datetime
from decimal import Decimal

import pytest

from codes.models import Code
from logs.credit import CreditError, Line, _rank_percent, credit_case
from logs.plans import CreditPlan, PlanCodeValue

DAY = datetime.date(2026, 8, 3)  # RVU26C


def line(text: str) -> Line:
    """'27447-50-RT' is code 27447 with modifiers 50 and RT; '11042*2' is two units of 11042."""
    text, _, units = text.partition("*")
    code, *modifiers = text.split("-")
    return Line(code=Code.objects.get(code=code), modifiers=tuple(modifiers), units=int(units or 1))


def credited(*lines: Line, plan: CreditPlan | None = None, day=DAY) -> list[str]:
    credits = credit_case(lines=list(lines), performed_on=day, plan=plan or CreditPlan.cms_default())
    return [str(credit.work_rvu) for credit in credits]


CASES = {
    # --- one line, units, add-ons, components --------------------------------------------------
    "99213 alone: work 1.30": (["99213"], ["1.30"]),
    "99213 x2 units, MULT PROC 0 (never ranked): 1.30 x 2": (["99213*2"], ["2.60"]),
    "G2211 add-on ZZZ alone: 0.33": (["G2211"], ["0.33"]),
    "99213 + G2211 (MULT PROC 0 both): no reduction": (["99213", "G2211"], ["1.30", "0.33"]),
    "71046-26 uses the 26 row: 0.21": (["71046-26"], ["0.21"]),
    "71046-TC row has no work: 0.00": (["71046-TC"], ["0.00"]),
    "45378-53 uses the file's 53 row: 1.59": (["45378-53"], ["1.59"]),
    "85060-26, PC/TC 8, no 26 row: global 0.44": (["85060-26"], ["0.44"]),
    # --- bilateral, BILAT SURG ---------------------------------------------------------------
    "27447-50, BILAT 1: 19.11 x 1.5 = 28.665": (["27447-50"], ["28.67"]),
    "27447 x2 units, BILAT 1: 150% = 28.665": (["27447*2"], ["28.67"]),
    "27447-RT + 27447-LT, BILAT 1: first line 150%, second counted with it": (
        ["27447-RT", "27447-LT"],
        ["28.67", "0.00"],
    ),
    "69210-50, BILAT 2 (already bilateral): 0.59 x 1": (["69210-50"], ["0.59"]),
    "69210-RT + 69210-LT, BILAT 2: one side's value": (
        ["69210-RT", "69210-LT"],
        ["0.59", "0.00"],
    ),
    "73560-50, BILAT 3 (each side 100%): 0.16 x 2": (["73560-50"], ["0.32"]),
    "73560-RT + 73560-LT, BILAT 3: one bilateral procedure at 200%, on the first line": (
        ["73560-RT", "73560-LT"],
        ["0.32", "0.00"],
    ),
    "62323-50, BILAT 9 (concept n/a): 1.76 x 1": (["62323-50"], ["1.76"]),
    "99213-50, BILAT 0: one side's value 1.30": (["99213-50"], ["1.30"]),
    # --- multiple procedures, MULT PROC 2, ranked by facility total ------------------------------
    "27447 (tot 34.71) + 27130 (tot 34.79): 27130 first; 27447 19.11 x 50% = 9.555": (
        ["27447", "27130"],
        ["9.56", "19.11"],
    ),
    "27447 + 27486 (20.59, tot 38.17): 27486 100%, 27447 50%": (
        ["27447", "27486"],
        ["9.56", "20.59"],
    ),
    "27447 + 47562 (10.21, tot 18.92) + 44970 (9.21, tot 17.31): 100/50/50": (
        ["27447", "47562", "44970"],
        ["19.11", "5.11", "4.61"],
    ),
    "27447-50 (tot 34.71 x 1.5 = 52.07) + 27486 (38.17): bilateral ranks first; 20.59 x 50% = 10.295": (
        ["27486", "27447-50"],
        ["10.30", "28.67"],
    ),
    "27447-RT + 27447-LT + 27486: the pair ranks first": (
        ["27447-RT", "27447-LT", "27486"],
        ["28.67", "0.00", "10.30"],
    ),
    "22612 + 22614 (ZZZ add-on 6.27): add-on never reduced": (
        ["22612", "22614"],
        ["22.94", "6.27"],
    ),
    "22612 (tot 43.94) + 63030 (11.70, tot 26.89) + 22614 ZZZ": (
        ["63030", "22612", "22614"],
        ["5.85", "22.94", "6.27"],
    ),
    "99213 (MULT PROC 0) + 27447: nothing ranked against 99213": (
        ["99213", "27447"],
        ["1.30", "19.11"],
    ),
    "11042 x2 units, MULT PROC 2: second unit 50%: 0.98 x 1.5 = 1.47": (["11042*2"], ["1.47"]),
    "11042 + 11045 x3 (ZZZ 0.49): 0.98, 1.47": (["11042", "11045*3"], ["0.98", "1.47"]),
    "17000 + 17003 x13 (ZZZ 0.04): 0.59, 0.52": (["17000", "17003*13"], ["0.59", "0.52"]),
    "27447-51 alone: nothing to rank against, 19.11": (["27447-51"], ["19.11"]),
    "27447-51 + 20610 (0.77, tot 1.19): 27447 ranks first whatever 51 says": (
        ["27447-51", "20610"],
        ["19.11", "0.39"],
    ),
    "83020-26: the 26 row (PC/TC 6, work 0.36) is allowed though the global row says 9": (
        ["83020-26"],
        ["0.36"],
    ),
    "29881-50 + 29880-50 family, bilateral first: (7.21 + 6.85 - 5.06) x 1.5 = 13.50": (
        ["29881-50", "29880-50"],
        ["2.69", "10.82"],
    ),
    "45385 x2 units: the family rule within the line, 4.46 + (4.46 - 3.18)": (["45385*2"], ["5.74"]),
    "70450 x2 units, imaging: 0.83 + 0.83 x 95% = 1.6185": (["70450*2"], ["1.62"]),
    "73721-RT + 73721-LT (BILAT 3, imaging): same as 73721-50, 2.64": (
        ["73721-RT", "73721-LT"],
        ["2.64", "0.00"],
    ),
    "27447 + 36598 (status T): T is bundled beside a paid service": (["27447", "36598"], ["19.11", "0.00"]),
    "27447-RT-62 + 27447-LT: different modifiers, not a pair": (
        ["27447-RT-62", "27447-LT"],
        ["5.97", "19.11"],
    ),
    # --- endoscopy families, MULT PROC 3 + ENDO BASE ----------------------------------------------
    "43239 (2.33, tot 3.70) + 43249 (2.60, tot 4.08), base 43235 (2.04): 2.60 and 2.33 - 2.04": (
        ["43239", "43249"],
        ["0.29", "2.60"],
    ),
    "43235 base + 43239 member: the base earns 0": (["43235", "43239"], ["0.00", "2.33"]),
    "45380 (3.47) + 45385 (4.46), base 45378 (3.18): 4.46 and 0.29": (
        ["45380", "45385"],
        ["0.29", "4.46"],
    ),
    "two families: colon (7.08) ranks before EGD (4.47); EGD at 50%: 2.60 x .5, 0.29 x .5 = 0.145": (
        ["43239", "43249", "45380", "45385"],
        ["0.15", "1.30", "0.29", "4.46"],
    ),
    "31254 (4.16, tot 6.16) + 31256 (3.03), base 31231 (1.07): 4.16 and 1.96": (
        ["31256", "31254"],
        ["1.96", "4.16"],
    ),
    # --- imaging MULT PROC 4, and 5/6/7 that leave work alone ---------------------------------------
    "71250-26 (1.05, tot 1.48) + 70450-26 (0.83, tot 1.18): 0.83 x 95% = 0.7885": (
        ["70450-26", "71250-26"],
        ["0.79", "1.05"],
    ),
    "74177-26 (1.77) + 71250-26 + 70450-26: 1.77, 1.05 x .95 = 0.9975, 0.7885": (
        ["70450-26", "71250-26", "74177-26"],
        ["0.79", "1.00", "1.77"],
    ),
    "97110 (MULT 5) + 93306 (MULT 6) + 92133 (MULT 7): work not reduced": (
        ["97110", "93306", "92133"],
        ["0.45", "1.42", "0.30"],
    ),
    # --- assistant, co-surgeon, team ---------------------------------------------------------------
    "27447-80, ASST 2: 19.11 x 16% = 3.0576": (["27447-80"], ["3.06"]),
    "27447-AS, ASST 2: 19.11 x 13.6% = 2.59896": (["27447-AS"], ["2.60"]),
    "69210-80, ASST 1: never paid": (["69210-80"], ["0.00"]),
    "22838-80, ASST 0 (documentation): 35.10 x 16% = 5.616": (["22838-80"], ["5.62"]),
    "74177-80, ASST 9: concept does not apply": (["74177-80"], ["0.00"]),
    "22612-62, CO-SURG 2: 22.94 x 62.5% = 14.3375": (["22612-62"], ["14.34"]),
    "47562-62, CO-SURG 1 (documentation): 10.21 x 62.5% = 6.38125": (["47562-62"], ["6.38"]),
    "33533-62, CO-SURG 0: not permitted": (["33533-62"], ["0.00"]),
    "33935-66, TEAM 2 (status R): plan share 100%": (["33935-66"], ["89.49"]),
    "22838-66, TEAM 1: plan share 100%": (["22838-66"], ["35.10"]),
    "27447-66, TEAM 0: not permitted": (["27447-66"], ["0.00"]),
    "27447-80 + 27486-80: ranking then 16% each: 20.59 x .16, 19.11 x .5 x .16": (
        ["27447-80", "27486-80"],
        ["1.53", "3.29"],
    ),
    # --- reduced and discontinued services -------------------------------------------------------
    "27447-52: plan share 50% = 9.555": (["27447-52"], ["9.56"]),
    "27447-53 without a 53 row: plan share 50%": (["27447-53"], ["9.56"]),
    "45378-73: plan share 25% of 3.18 = 0.795": (["45378-73"], ["0.80"]),
    "45378-74: plan share 50% of 3.18": (["45378-74"], ["1.59"]),
    # --- status codes ---------------------------------------------------------------------------
    "36598, status T: paid, 0.72": (["36598"], ["0.72"]),
    "G0666, status X with work 1.30: not credited": (["G0666"], ["0.00"]),
    "38204, status B with work 1.95: not credited": (["38204"], ["0.00"]),
    "43842, status N with work 20.50: not credited": (["43842"], ["0.00"]),
    "S9381, status I: not credited": (["S9381"], ["0.00"]),
}


@pytest.mark.parametrize(("lines", "expected"), CASES.values(), ids=CASES.keys())
def test_cms_rules(db, lines, expected):
    assert credited(*map(line, lines)) == expected


PLAN_CASES = {
    "ranking by work: 27447 and 27130 tie at 19.11, so entry order decides": (
        {"ranking_basis": "work_rvu"},
        ["27447", "27130"],
        ["19.11", "9.56"],
    ),
    "multiple-procedure rule off: both full": (
        {"apply_multiple_procedure": False},
        ["27447", "27486"],
        ["19.11", "20.59"],
    ),
    "bilateral rule off: 27447-50 counts both sides, 19.11 x 2": (
        {"apply_bilateral": False},
        ["27447-50"],
        ["38.22"],
    ),
    "bilateral off: 27447-RT + 27447-LT earn what 27447-50 does, 19.11 x 2": (
        {"apply_bilateral": False},
        ["27447-RT", "27447-LT"],
        ["38.22", "0.00"],
    ),
    "bilateral off: 63047-50 (14.99, BILAT 2, RVUs already both sides) stays x1": (
        {"apply_bilateral": False},
        ["63047-50"],
        ["14.99"],
    ),
    "bilateral off: 92014-50 (1.42, BILAT 2, RVUs already both sides) stays x1": (
        {"apply_bilateral": False},
        ["92014-50"],
        ["1.42"],
    ),
    "multiple-procedure rule off: the base endoscopy 43235 is still included in 43239": (
        {"apply_multiple_procedure": False},
        ["43239", "43235"],
        ["2.33", "0.00"],
    ),
    "assistant rule off: 27447-80 full": ({"apply_assistant": False}, ["27447-80"], ["19.11"]),
    "assistant share 20%: 19.11 x .2 = 3.822": (
        {"assistant_share": Decimal("0.20")},
        ["27447-80"],
        ["3.82"],
    ),
    "co-surgery rule off: 22612-62 full": ({"apply_co_surgery": False}, ["22612-62"], ["22.94"]),
    "team share 50%: 33935-66 = 44.745": (
        {"team_surgery_share": Decimal("0.5")},
        ["33935-66"],
        ["44.75"],
    ),
    "52 share 75%: 27447-52 = 14.3325": (
        {"reduced_service_share": Decimal("0.75")},
        ["27447-52"],
        ["14.33"],
    ),
    "statuses A, R, T, B, X credited: G0666 1.30, 38204 1.95": (
        {"credited_status_codes": "ABRTX"},
        ["G0666", "38204"],
        ["1.30", "1.95"],
    ),
}


@pytest.mark.parametrize(("settings", "lines", "expected"), PLAN_CASES.values(), ids=PLAN_CASES.keys())
def test_plan_settings(db, settings, lines, expected):
    plan = CreditPlan(name="employer", **settings)

    assert credited(*map(line, lines), plan=plan) == expected


def test_a_code_missing_from_the_release_earns_nothing_unless_the_plan_values_it(db, owner):
    plan = CreditPlan.objects.create(owner=owner, name="with custom values")
    PlanCodeValue.objects.create(plan=plan, code_id="1026T", work_rvu=Decimal("1.50"))
    february = datetime.date(2026, 2, 2)  # RVU26A does not list 1026T (added in July)

    assert credited(line("1026T"), day=february) == ["0.00"]
    assert credited(line("1026T"), day=february, plan=plan) == ["1.50"]


def test_the_pre_1995_rule_reduces_the_third_procedure_to_25_percent():
    # No 2025 or 2026 release carries MULT PROC 1, so its percentages are checked directly.
    assert [_rank_percent(rank, "1") for rank in (1, 2, 3, 4)] == [
        1,
        Decimal("0.5"),
        Decimal("0.25"),
        Decimal("0.25"),
    ]
    assert [_rank_percent(rank, "2") for rank in (1, 2, 3, 4)] == [
        1,
        Decimal("0.5"),
        Decimal("0.5"),
        Decimal("0.5"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("27447-TC", "27447 cannot take modifier TC: its PC/TC indicator in RVU26C is 0"),
        ("99213-26", "99213 cannot take modifier 26"),
        ("71046-26-TC", "Modifiers 26 and TC conflict"),
        ("27447-50-LT", "Modifiers 50 and LT conflict"),
    ],
)
def test_refused_lines_say_why(db, text, message):
    with pytest.raises(CreditError, match=message):
        credited(line(text))


def test_every_line_keeps_its_trail(db):
    credits = credit_case(
        lines=[line("27486"), line("27447-50")], performed_on=DAY, plan=CreditPlan.cms_default()
    )

    assert credits[1].explanation == (
        "27447-50: work 19.11 from RVU26C [PPRRVU2026_Jul_nonQPP.csv line 2839]; "
        "modifier 50: bilateral indicator 1 → ×1.5; rank 1 of 2 → 100%; = 28.67"
    )
    assert credits[0].explanation.endswith("rank 2 of 2 → 50%; = 10.30")
