"""The wRVU credit engine: what each procedure of a case earns, and why.

A case is the procedures of one session. Each line is valued from the columns of
the release in effect on the date of service, then adjusted in this order, as
the CMS readme (RVU26B, record layout and Attachment A) prescribes:

1. row choice: the 26, TC or 53 row where the file has one, else the global row;
   26/TC refused where the PC/TC indicator forbids them;
2. status code: only the statuses the plan credits (CMS pays A, R, T) earn;
3. bilateral (modifier 50, RT+LT lines of one code, or 2 units) by BILAT SURG,
   before any multiple-procedure rule;
4. multiple procedures within the case by MULT PROC: endoscopy families (3)
   first, then ranking (1, 2, 3) by the plan's basis, ties by work RVU and
   then entry order;
   imaging (4) separately; add-ons (ZZZ) never reduced;
5. modifier shares: assistant (80/81/82, AS), co-surgeon (62), team (66),
   reduced or discontinued (52, 53 without a row, 73, 74). Shares only
   multiply, so they are worked out first (ranking ties look at them) and
   appear in the trail before the ranking step.

Arithmetic stays in Decimal and each line is rounded once, at its end, to the
cent, half up. Every line keeps the trail of steps that produced it.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from codes.indicators import status_meaning
from codes.models import COMPONENT_MODIFIERS, Code, FeeScheduleRow, Release

from .plans import CreditPlan

CENT = Decimal("0.01")
ONE = Decimal("1")
HALF = Decimal("0.5")
QUARTER = Decimal("0.25")
IMAGING_SUBSEQUENT = Decimal("0.95")  # professional component of later images: 5% off

# Which PC/TC indicators allow the 26 and TC modifiers (Attachment A): 1 diagnostic
# tests (both); 6 laboratory and 8 physician interpretation ("TC cannot be used").
PCTC_ALLOWING = {"26": {"1", "6", "8"}, "TC": {"1"}}
CONTRADICTIONS = (
    ({"26", "TC"}, "26 and TC are opposite components; log one line for each"),
    ({"50", "RT"}, "50 already means both sides; drop RT"),
    ({"50", "LT"}, "50 already means both sides; drop LT"),
    ({"RT", "LT"}, "RT and LT on one line; use 50, or log one line per side"),
)
# BILAT SURG: the share of one side's value that a bilateral procedure earns.
BILATERAL_FACTOR = {"0": ONE, "1": Decimal("1.5"), "2": ONE, "3": Decimal("2")}
RANKED_INDICATORS = {"1", "2", "3"}
ASSISTANT_MODIFIERS = {"80", "81", "82"}
# Modifiers this engine acts on; any other is accepted, kept, and said to change nothing.
EFFECTIVE_MODIFIERS = {*COMPONENT_MODIFIERS, "50", "51", "52", "62", "66", "73", "74", "RT", "LT", "AS"}
EFFECTIVE_MODIFIERS |= ASSISTANT_MODIFIERS


def round_credit(value: Decimal) -> Decimal:
    """Each line is rounded once, at its end, to two places, half up (as payroll does)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class CreditError(Exception):
    """A procedure we cannot value; `field` names the input at fault, `line` its line (0-based)."""

    def __init__(self, field: str, message: str, line: int | None = None):
        self.field = field
        self.message = message
        self.line = line
        super().__init__(message)


@dataclass(frozen=True)
class Line:
    code: Code
    modifiers: tuple[str, ...] = ()
    units: int = 1
    setting: str = "facility"


@dataclass
class LineCredit:
    release: Release
    row: FeeScheduleRow | None
    work_rvu: Decimal
    steps: list[str]

    @property
    def explanation(self) -> str:
        return "; ".join(self.steps)


@dataclass(eq=False)  # compared and hashed by identity: lines are keys in pairings and rankings
class _Working:
    """A line while the rules run over it."""

    position: int
    line: Line
    row: FeeScheduleRow | None
    base: Decimal  # one unit, one side
    basis: Decimal  # what ranking compares for one unit: work or total RVU
    steps: list[str]
    value: Decimal = Decimal(0)  # after units and bilateral, before reductions
    rank_value: Decimal = Decimal(0)  # what one ranked unit weighs
    ranked_units: int = 0  # how many units take part in ranking
    reduction: Decimal = ONE  # multiple-procedure factor, averaged over units
    share: Decimal = ONE
    zero_reason: str = ""
    family_head: "_Working | None" = None  # endoscopy family members rank through their head

    @property
    def indicator(self) -> str:
        return self.row.multiple_procedure if self.row else "9"

    def has(self, modifier: str) -> bool:
        return modifier in self.line.modifiers


def credit_case(*, lines: list[Line], performed_on: datetime.date, plan: CreditPlan) -> list[LineCredit]:
    """Credit every line of one case (a lone log is a case of one)."""
    release = _release_for(performed_on)
    rows = _rows_by_code(release, [line.code for line in lines])
    working = [
        _value_line(index, line, rows, release, plan, performed_on) for index, line in enumerate(lines)
    ]
    for item in working:
        _zero_by_surgery_indicators(item)
    live = [item for item in working if not item.zero_reason]
    for item in live:
        _apply_modifier_shares(item, plan)  # they only multiply; ranking ties look at them
    _apply_bilateral(live, plan)
    _apply_endoscopy_families(live, plan)
    _apply_ranking(live, plan)
    _apply_imaging(live, plan)
    return [_finish(item, release) for item in working]


def _release_for(performed_on: datetime.date) -> Release:
    release = Release.objects.in_effect_on(performed_on)
    if release is not None:
        return release
    earliest = Release.objects.order_by("effective_on").first()
    covered = (
        f"; the earliest loaded is {earliest.name}, from {earliest.effective_on.isoformat()}"
        if earliest
        else ""
    )
    raise CreditError("performed_on", f"No fee schedule release covers {performed_on.isoformat()}{covered}.")


def _rows_by_code(release: Release, codes: list[Code]) -> dict[str, dict[str, FeeScheduleRow]]:
    rows: dict[str, dict[str, FeeScheduleRow]] = defaultdict(dict)
    for row in FeeScheduleRow.objects.filter(release=release, code__in={code.code for code in codes}):
        rows[row.code_id][row.modifier] = row
    return rows


def _value_line(index, line, rows, release, plan, performed_on) -> _Working:
    _refuse_contradictions(index, line)
    code_rows = rows.get(line.code.code)
    if not code_rows:
        return _unvalued(index, line, release, plan)
    _refuse_forbidden_components(index, line, code_rows, release)
    row, note = _choose_row(code_rows, line.modifiers)
    if row is None:
        listed = ", ".join(f"-{modifier}" for modifier in sorted(code_rows))
        raise CreditError(
            "modifiers", f"{line.code.code} has no global row in {release.name}, only {listed}.", index
        )
    label = "-".join([line.code.code, *line.modifiers])
    steps = [
        f"{label}: work {row.work_rvu} from {release.name} [{release.rows_file_name} line {row.source_line}]"
    ]
    inert = [modifier for modifier in line.modifiers if modifier not in EFFECTIVE_MODIFIERS]
    inert_note = f"{', '.join(inert)}: does not change the work RVU" if inert else ""
    for extra in (note, inert_note, release.missing_release_note(performed_on)):
        if extra:
            steps.append(extra)
    basis = row.work_rvu
    if plan.ranking_basis == CreditPlan.RankingBasis.TOTAL_RVU:
        basis = row.facility_total if line.setting == "facility" else row.non_facility_total
    item = _Working(position=index, line=line, row=row, base=row.work_rvu, basis=basis, steps=steps)
    if row.status_code not in plan.credited_status_codes:
        item.zero_reason = (
            f"status {row.status_code} ({status_meaning(row.status_code)}): not credited by the plan"
        )
    return item


def _unvalued(index: int, line: Line, release: Release, plan: CreditPlan) -> _Working:
    custom = plan.custom_value_for(line.code)
    steps = [f"{line.code.code}: no CMS work RVU in {release.name}"]
    item = _Working(
        position=index, line=line, row=None, base=custom or Decimal(0), basis=Decimal(0), steps=steps
    )
    if custom is None:
        item.zero_reason = "no CMS work RVU"
    else:
        steps.append(f"plan value {custom}")
    return item


def _refuse_contradictions(index: int, line: Line) -> None:
    for pair, reason in CONTRADICTIONS:
        if pair <= set(line.modifiers):
            raise CreditError(
                "modifiers", f"Modifiers {' and '.join(sorted(pair))} conflict: {reason}.", index
            )
    if "50" in line.modifiers and line.units > 1:
        raise CreditError("units", "Modifier 50 already counts both sides; log it with 1 unit.", index)


def _refuse_forbidden_components(index, line, code_rows, release) -> None:
    indicator = next(iter(code_rows.values())).pctc_indicator
    for modifier, allowing in PCTC_ALLOWING.items():
        if modifier in line.modifiers and indicator not in allowing:
            component = "professional" if modifier == "26" else "technical"
            raise CreditError(
                "modifiers",
                f"{line.code.code} cannot take modifier {modifier}: its PC/TC indicator in {release.name} is "
                f"{indicator}, which has no separate {component} component.",
                index,
            )


def _choose_row(code_rows: dict[str, FeeScheduleRow], modifiers) -> tuple[FeeScheduleRow | None, str]:
    asked = [modifier for modifier in modifiers if modifier in COMPONENT_MODIFIERS]
    for modifier in asked:
        if modifier in code_rows:
            return code_rows[modifier], ""
    asked_rows = [modifier for modifier in asked if modifier != "53"]
    note = f"the file has no {'/'.join(asked_rows)} row, so the global row is used" if asked_rows else ""
    return code_rows.get(""), note


def _apply_bilateral(items: list[_Working], plan: CreditPlan) -> None:
    """Units and bilateral: set each line's unreduced value (before any ranking)."""
    paired = _pair_right_and_left(items)
    for item in items:
        indicator = item.row.bilateral_surgery if item.row else "9"
        units = item.line.units
        item.value, item.rank_value, item.ranked_units = item.base * units, item.basis, units
        if item in paired:
            _bilateral_pair(item, paired[item], indicator, plan)
        elif item.has("50"):
            _bilateral_line(item, indicator, plan, how="modifier 50")
        elif units == 2 and indicator in {"1", "2"}:
            _bilateral_line(item, indicator, plan, how="2 units")
        elif units > 1:
            item.steps.append(f"× {units} units")
        if (item.has("RT") or item.has("LT")) and item not in paired:
            item.steps.append("one side (no matching RT/LT line of this code in the case)")


def _pair_right_and_left(items: list[_Working]) -> dict[_Working, _Working]:
    """RT and LT lines of one code: each first RT with the first LT after pairing, by entry order."""
    pairs: dict[_Working, _Working] = {}
    rights = defaultdict(list)
    for item in items:
        if item.has("RT") and item.line.units == 1:
            rights[item.line.code.code].append(item)
    for item in items:
        if item.has("LT") and item.line.units == 1 and rights[item.line.code.code]:
            right = rights[item.line.code.code].pop(0)
            first, second = sorted((right, item), key=lambda working: working.position)
            pairs[first], pairs[second] = second, first
    return pairs


def _bilateral_line(item: _Working, indicator: str, plan: CreditPlan, *, how: str) -> None:
    if indicator == "9":
        item.value, item.ranked_units = item.base, 1
        item.steps.append(f"{how}: bilateral indicator 9, the concept does not apply → ×1")
        return
    if not plan.apply_bilateral:
        item.value, item.rank_value, item.ranked_units = item.base * 2, item.basis * 2, 1
        item.steps.append(f"{how}: bilateral rule off in the plan → both sides in full (×2)")
        return
    factor = BILATERAL_FACTOR[indicator]
    item.value, item.rank_value, item.ranked_units = item.base * factor, item.basis * factor, 1
    item.steps.append(f"{how}: bilateral indicator {indicator} → ×{factor}")


def _bilateral_pair(item: _Working, partner: _Working, indicator: str, plan: CreditPlan) -> None:
    if indicator in {"3", "9"} or not plan.apply_bilateral:
        reason = "rule off in the plan" if not plan.apply_bilateral else f"indicator {indicator}"
        item.steps.append(f"RT and LT: bilateral {reason} → each side counts")
        return
    if item.position > partner.position:
        item.value = item.rank_value = Decimal(0)
        item.ranked_units = 0
        item.steps.append(f"counted with line {partner.position + 1} as one bilateral procedure")
        return
    factor = BILATERAL_FACTOR[indicator]
    item.value, item.rank_value = item.base * factor, item.basis * factor
    item.steps.append(f"RT and LT (line {partner.position + 1}): bilateral indicator {indicator} → ×{factor}")


def _apply_endoscopy_families(items: list[_Working], plan: CreditPlan) -> None:
    """MULT PROC 3: within a family (same ENDO BASE) the first member is whole,
    each other member earns its value less the base's, and the base itself
    earns nothing beside a member. The family then ranks as one procedure."""
    if not plan.apply_multiple_procedure:
        return
    families: dict[str, list[_Working]] = defaultdict(list)
    for item in items:
        if item.indicator == "3" and item.row.endoscopic_base_code:
            families[item.row.endoscopic_base_code].append(item)
    for base_code, members in families.items():
        bases = [item for item in items if item.line.code.code == base_code and item.indicator != "3"]
        if len(members) + len(bases) < 2:
            continue
        base_rvu, base_basis = _base_values(
            base_code, members[0].row.release_id, plan, members[0].line.setting
        )
        ordered = sorted(members, key=_rank_order)
        for rank, item in enumerate(ordered):
            if rank > 0:
                item.value = max(item.value - base_rvu, Decimal(0))
                item.rank_value = max(item.rank_value - base_basis, Decimal(0))
                item.steps.append(f"endoscopy family of {base_code}: less the base's {base_rvu}")
        for base in bases:
            base.value = base.rank_value = Decimal(0)
            base.ranked_units = 0
            base.steps.append(f"base endoscopy {base_code} is included in its family member → 0")
        family = ordered[0]
        family.rank_value = sum((item.rank_value for item in ordered), Decimal(0))
        for item in ordered[1:]:
            item.ranked_units = 0
            item.family_head = family


def _base_values(base_code: str, release_id: int, plan: CreditPlan, setting: str) -> tuple[Decimal, Decimal]:
    row = FeeScheduleRow.objects.filter(release_id=release_id, code=base_code, modifier="").first()
    if row is None:
        return Decimal(0), Decimal(0)
    if plan.ranking_basis == CreditPlan.RankingBasis.TOTAL_RVU:
        return row.work_rvu, row.facility_total if setting == "facility" else row.non_facility_total
    return row.work_rvu, row.work_rvu


def _rank_order(item: _Working) -> tuple:
    """Highest basis first; on a tie the higher credit per unit, the line with more
    units, then the order entered.

    Lines that tie on all but entry order earn alike whichever ranks first, so
    a case's total never depends on the order its lines were typed in, even
    after each line is rounded to the cent.
    """
    return (-item.rank_value, -_unit_credit(item), -item.ranked_units, item.position)


def _unit_credit(item: _Working) -> Decimal:
    return item.value / max(item.ranked_units, 1) * item.share


@dataclass(order=True)
class _RankItem:
    order: tuple  # _rank_order of its line
    unit: int
    item: _Working = field(compare=False)


def _apply_ranking(items: list[_Working], plan: CreditPlan) -> None:
    """MULT PROC 1, 2, 3: highest 100%, the rest 50% (indicator 1: 50% then 25%)."""
    rankable = [
        item
        for item in items
        if item.indicator in RANKED_INDICATORS and item.row.global_days != "ZZZ" and item.ranked_units > 0
    ]
    for item in items:
        if item.row and item.row.global_days == "ZZZ":
            item.steps.append("add-on code (ZZZ): never reduced")
    if not plan.apply_multiple_procedure:
        if len(rankable) > 1 or any(item.has("51") for item in rankable):
            for item in rankable:
                item.steps.append("multiple-procedure rule off in the plan → 100%")
        return
    ranked = sorted(
        _RankItem(_rank_order(item), unit, item) for item in rankable for unit in range(item.ranked_units)
    )
    if len(ranked) == 1 and ranked[0].item.has("51"):
        only = ranked[0].item
        only.reduction = HALF
        only.steps.append("modifier 51 alone: reduced as a secondary procedure → 50%")
        return
    if len(ranked) < 2:
        return
    percents: dict[_Working, list[Decimal]] = defaultdict(list)
    for rank, entry in enumerate(ranked, start=1):
        percents[entry.item].append(_rank_percent(rank, entry.item.indicator))
    total = len(ranked)
    for item, item_percents in percents.items():
        item.reduction = sum(item_percents, Decimal(0)) / len(item_percents)
        ranks = [rank for rank, entry in enumerate(ranked, start=1) if entry.item is item]
        shown = ", ".join(f"{percent * 100:.0f}%" for percent in item_percents)
        item.steps.append(f"rank {', '.join(map(str, ranks))} of {total} → {shown}")
        for member in items:
            if member.family_head is item:
                member.reduction = item.reduction
                member.steps.append(f"ranked with its family (line {item.position + 1}) → {shown}")


def _rank_percent(rank: int, indicator: str) -> Decimal:
    if rank == 1:
        return ONE
    if indicator == "1" and rank > 2:
        return QUARTER
    return HALF


def _apply_imaging(items: list[_Working], plan: CreditPlan) -> None:
    """MULT PROC 4: the professional component of each image after the first is reduced 5%."""
    imaging = [item for item in items if item.indicator == "4" and item.value > 0]
    if len(imaging) < 2 or not plan.apply_multiple_procedure:
        return
    ordered = sorted(imaging, key=_rank_order)
    for rank, item in enumerate(ordered, start=1):
        if rank > 1:
            item.reduction = IMAGING_SUBSEQUENT
            item.steps.append(f"imaging rank {rank} of {len(ordered)} → 95% (professional component)")


def _apply_modifier_shares(item: _Working, plan: CreditPlan) -> None:
    row = item.row
    if row is None:
        return
    if any(item.has(modifier) for modifier in ASSISTANT_MODIFIERS | {"AS"}):
        _assistant_share(item, row, plan)
    if item.has("62"):
        _indicator_share(
            item, row.co_surgery, "co-surgeon (62)", plan.co_surgery_share, plan.apply_co_surgery
        )
    if item.has("66"):
        _indicator_share(
            item, row.team_surgery, "team surgery (66), by report", plan.team_surgery_share, True
        )
    for modifier, share, what in (
        ("52", plan.reduced_service_share, "reduced service (52)"),
        ("73", plan.discontinued_before_anesthesia_share, "discontinued before anesthesia (73)"),
        ("74", plan.discontinued_after_anesthesia_share, "discontinued after anesthesia (74)"),
    ):
        if item.has(modifier):
            item.share *= share
            item.steps.append(f"{what}: plan share {share * 100:g}%")
    if item.has("53") and row.modifier != "53":
        item.share *= plan.discontinued_share
        item.steps.append(f"discontinued (53, no 53 row): plan share {plan.discontinued_share * 100:g}%")


def _zero_by_surgery_indicators(item: _Working) -> None:
    """Assistant, co-surgeon and team lines the file says are never paid earn 0 and are not ranked."""
    row = item.row
    if row is None or item.zero_reason:
        return
    checks = (
        (ASSISTANT_MODIFIERS | {"AS"}, row.assistant_surgery, {"1"}, "assistant at surgery"),
        ({"62"}, row.co_surgery, {"0"}, "co-surgeon (62)"),
        ({"66"}, row.team_surgery, {"0"}, "team surgery (66)"),
    )
    for modifiers, indicator, forbidding, what in checks:
        if any(item.has(modifier) for modifier in modifiers) and indicator in forbidding | {"9"}:
            why = "the concept does not apply" if indicator == "9" else "not paid for this code"
            item.zero_reason = f"{what}: indicator {indicator}, {why}"
            return


def _assistant_share(item: _Working, row: FeeScheduleRow, plan: CreditPlan) -> None:
    if not plan.apply_assistant:
        item.steps.append("assistant rule off in the plan → 100%")
        return
    share = plan.non_physician_assistant_share if item.has("AS") else plan.assistant_share
    who = "non-physician assistant (AS)" if item.has("AS") else "assistant at surgery"
    documented = " (documentation required)" if row.assistant_surgery == "0" else ""
    item.share *= share
    item.steps.append(f"{who}, indicator {row.assistant_surgery}{documented} → {share * 100:g}%")


def _indicator_share(item: _Working, indicator: str, what: str, share: Decimal, apply: bool) -> None:
    if not apply:
        item.steps.append(f"{what}: rule off in the plan → 100%")
        return
    documented = " (documentation required)" if indicator == "1" else ""
    item.share *= share
    item.steps.append(f"{what}, indicator {indicator}{documented} → {share * 100:g}%")


def _finish(item: _Working, release: Release) -> LineCredit:
    if item.zero_reason:
        return LineCredit(release, item.row, Decimal("0.00"), [*item.steps, f"{item.zero_reason} → 0.00"])
    work_rvu = round_credit(item.value * item.reduction * item.share)
    return LineCredit(release, item.row, work_rvu, [*item.steps, f"= {work_rvu}"])
