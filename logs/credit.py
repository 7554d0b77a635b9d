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
# With the plan's bilateral rule off both sides earn in full, except where the
# RVUs already cover both sides (indicator 2).
BILATERAL_FACTOR_PLAN_OFF = {"0": Decimal("2"), "1": Decimal("2"), "2": ONE, "3": Decimal("2")}
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


@dataclass(eq=False)  # compared by identity: an entry belongs to exactly one line
class _Entry:
    """One procedure a line stands for: a unit, or a bilateral pair of sides."""

    value: Decimal  # work RVU before multiple-procedure reductions
    basis: Decimal  # what ranking compares
    sides: Decimal = ONE  # the bilateral factor folded into value and basis
    percent: Decimal = ONE  # multiple-procedure factor


@dataclass(eq=False)  # compared and hashed by identity: lines are keys in pairings
class _Working:
    """A line while the rules run over it."""

    position: int
    line: Line
    row: FeeScheduleRow | None
    base: Decimal  # work RVU of one unit, one side
    basis: Decimal  # what ranking compares for one unit: work or total RVU
    steps: list[str]
    entries: list[_Entry] = field(default_factory=list)
    share: Decimal = ONE
    zero_reason: str = ""
    family: str = ""  # ENDO BASE of the endoscopy family the line ranks with

    @property
    def indicator(self) -> str:
        return self.row.multiple_procedure if self.row else "9"

    def has(self, modifier: str) -> bool:
        return modifier in self.line.modifiers


class CatalogLookup:
    """Where the engine reads releases, fee schedule rows and plan values: the
    database, a query at a time. A bulk re-credit passes a preloaded one instead."""

    def release_for(self, performed_on: datetime.date) -> Release | None:
        return Release.objects.in_effect_on(performed_on)

    def rows_by_code(self, release: Release, codes: set[str]) -> dict[str, dict[str, FeeScheduleRow]]:
        rows: dict[str, dict[str, FeeScheduleRow]] = defaultdict(dict)
        for row in FeeScheduleRow.objects.filter(release=release, code__in=codes):
            rows[row.code_id][row.modifier] = row
        return rows

    def global_row(self, release_id: int, code: str) -> FeeScheduleRow | None:
        return FeeScheduleRow.objects.filter(release_id=release_id, code=code, modifier="").first()

    def custom_value(self, plan: CreditPlan, code: str) -> Decimal | None:
        return plan.custom_value_for(code)


DATABASE = CatalogLookup()


def credit_case(
    *, lines: list[Line], performed_on: datetime.date, plan: CreditPlan, lookup: CatalogLookup = DATABASE
) -> list[LineCredit]:
    """Credit every line of one case (a lone log is a case of one)."""
    release = _release_for(performed_on, lookup)
    rows = lookup.rows_by_code(release, {line.code.code for line in lines})
    working = [
        _value_line(index, line, rows, release, plan, performed_on, lookup)
        for index, line in enumerate(lines)
    ]
    for item in working:
        _zero_by_surgery_indicators(item)
    _zero_lone_status_t([item for item in working if not item.zero_reason])
    live = [item for item in working if not item.zero_reason]
    for item in live:
        _apply_modifier_shares(item, plan)  # they only multiply; ranking ties look at them
    _apply_bilateral(live, plan)
    _apply_endoscopy_families(live, plan, lookup)
    _apply_ranking(live, plan)
    _apply_imaging(live, plan)
    return [_finish(item, release) for item in working]


class LineKind:
    """How a line behaves among the other lines of a case (for the set-based re-credit)."""

    INERT = "inert"  # earns in any case what it earns alone
    RANKED = "ranked"  # alone, but for its multiple-procedure rank among the case's ranked lines
    COMPLEX = "complex"  # bilateral sides, endoscopy, imaging, status T, several units: credit the case


@dataclass(frozen=True)
class LineFacts:
    """A line credited alone, and what ranking it among other lines needs."""

    alone: LineCredit
    kind: str
    base: Decimal = Decimal(0)  # work RVU of its one unit
    basis: Decimal = Decimal(0)  # what ranking compares
    share: Decimal = ONE  # modifier shares (assistant, co-surgeon, reduced service…)
    indicator: str = ""  # MULT PROC
    steps_before_ranking: str = ""


def line_facts(
    *, line: Line, performed_on: datetime.date, plan: CreditPlan, lookup: CatalogLookup
) -> LineFacts:
    """Credit `line` alone and say how it behaves in a case.

    Up to ranking, the stages of credit_case are each line's own business, except
    for RT/LT pairs, status T, endoscopy families and imaging; a RANKED line's credit
    in a case is therefore its lone credit with its rank applied. Raises CreditError.
    """
    alone = credit_case(lines=[line], performed_on=performed_on, plan=plan, lookup=lookup)[0]
    release = alone.release
    item = _value_line(
        0, line, lookup.rows_by_code(release, {line.code.code}), release, plan, performed_on, lookup
    )
    _zero_by_surgery_indicators(item)
    status = item.row.status_code if item.row else ""
    if {"RT", "LT"} & set(line.modifiers) or status == "T" or item.indicator in {"3", "4"}:
        return LineFacts(alone=alone, kind=LineKind.COMPLEX)
    if item.zero_reason:
        return LineFacts(alone=alone, kind=LineKind.INERT)  # earns nothing and ranks with no one
    if item.indicator not in RANKED_INDICATORS or item.row.global_days == "ZZZ":
        return LineFacts(alone=alone, kind=LineKind.INERT)
    if line.units != 1 or "50" in line.modifiers:
        return LineFacts(alone=alone, kind=LineKind.COMPLEX)  # several procedures of its own to rank
    _apply_modifier_shares(item, plan)
    return LineFacts(
        alone=alone,
        kind=LineKind.RANKED,
        base=item.base,
        basis=item.basis,
        share=item.share,
        indicator=item.indicator,
        steps_before_ranking="; ".join(alone.steps[:-1]),  # all but "= value": alone, it ranks with no one
    )


def _release_for(performed_on: datetime.date, lookup: CatalogLookup) -> Release:
    release = lookup.release_for(performed_on)
    if release is not None:
        return release
    earliest = Release.objects.order_by("effective_on").first()
    covered = (
        f"; the earliest loaded is {earliest.name}, from {earliest.effective_on.isoformat()}"
        if earliest
        else ""
    )
    raise CreditError("performed_on", f"No fee schedule release covers {performed_on.isoformat()}{covered}.")


def _value_line(index, line, rows, release, plan, performed_on, lookup) -> _Working:
    _refuse_contradictions(index, line)
    code_rows = rows.get(line.code.code)
    if not code_rows:
        return _unvalued(index, line, release, lookup.custom_value(plan, line.code.code))
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
    basis = _ranking_basis(row, plan, line.setting)
    item = _Working(position=index, line=line, row=row, base=row.work_rvu, basis=basis, steps=steps)
    if row.status_code not in plan.credited_status_codes:
        item.zero_reason = (
            f"status {row.status_code} ({status_meaning(row.status_code)}): not credited by the plan"
        )
    return item


def _unvalued(index: int, line: Line, release: Release, custom: Decimal | None) -> _Working:
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
    """26/TC need a PC/TC indicator that allows them, unless the file prints that very row
    (lab interpretation codes such as 83020 carry indicator 9 on the global row and 6 on
    their 26 row)."""
    indicator = (code_rows.get("") or next(iter(code_rows.values()))).pctc_indicator
    for modifier, allowing in PCTC_ALLOWING.items():
        if modifier in line.modifiers and modifier not in code_rows and indicator not in allowing:
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
    """Units and bilateral: give each line its entries (one per unit or per bilateral
    procedure), before any multiple-procedure rule."""
    paired = _pair_right_and_left(items)
    factors = BILATERAL_FACTOR if plan.apply_bilateral else BILATERAL_FACTOR_PLAN_OFF
    rule = f"bilateral {'indicator' if plan.apply_bilateral else 'rule off in the plan, indicator'}"
    for item in items:
        indicator = item.row.bilateral_surgery if item.row else "9"
        units = item.line.units
        how = _bilateral_trigger(item, paired, indicator)
        if how and indicator == "9":
            item.entries = [_Entry(item.base, item.basis)]
            item.steps.append(f"{how}: bilateral indicator 9, the concept does not apply → ×1")
        elif how and item in paired and item.position > paired[item].position:
            item.entries = []
            item.steps.append(f"counted with line {paired[item].position + 1} as one bilateral procedure")
        elif how:
            factor = factors[indicator]
            item.entries = [_Entry(item.base * factor, item.basis * factor, sides=factor)]
            item.steps.append(f"{how}: {rule} {indicator} → ×{factor}")
        else:
            item.entries = [_Entry(item.base, item.basis) for _ in range(units)]
            if units > 1:
                item.steps.append(f"× {units} units")
            if item.has("RT") or item.has("LT"):
                item.steps.append("one side (no matching RT/LT line of this code in the case)")


def _bilateral_trigger(item: _Working, paired: dict, indicator: str) -> str:
    """What makes this line bilateral, if anything: 50, an RT+LT pair or 2 units."""
    if item in paired:
        return f"RT and LT (with line {paired[item].position + 1})"
    if item.has("50"):
        return "modifier 50"
    if item.line.units == 2 and indicator in {"1", "2"}:
        return "2 units"
    return ""


def _pair_right_and_left(items: list[_Working]) -> dict[_Working, _Working]:
    """RT and LT lines of one code with the same other modifiers, paired in entry order."""
    pairs: dict[_Working, _Working] = {}
    rights = defaultdict(list)

    def key(item: _Working) -> tuple:
        return item.line.code.code, tuple(sorted(set(item.line.modifiers) - {"RT", "LT"}))

    for item in items:
        if item.has("RT") and item.line.units == 1:
            rights[key(item)].append(item)
    for item in items:
        if item.has("LT") and item.line.units == 1 and rights[key(item)]:
            right = rights[key(item)].pop(0)
            pairs[right], pairs[item] = item, right
    return pairs


def _apply_endoscopy_families(items: list[_Working], plan: CreditPlan, lookup: CatalogLookup) -> None:
    """MULT PROC 3: within a family (same ENDO BASE) the first procedure is whole,
    each other one earns its value less the base's, and the base itself earns
    nothing beside a member (it is included in it). The family then ranks as
    one procedure. With the plan's multiple-procedure rule off, members are
    whole but the base stays included."""
    families: dict[str, list[_Working]] = defaultdict(list)
    for item in items:
        if item.indicator == "3" and item.row.endoscopic_base_code:
            families[item.row.endoscopic_base_code].append(item)
    for base_code, members in families.items():
        bases = [item for item in items if item.line.code.code == base_code and item.indicator != "3"]
        member_entries = [entry for item in members for entry in item.entries]
        if len(member_entries) + len(bases) < 2:
            continue
        for base in bases:
            base.entries = []
            base.steps.append(f"base endoscopy {base_code} is included in its family member → 0")
        if not plan.apply_multiple_procedure:
            continue
        base_row = lookup.global_row(members[0].row.release_id, base_code)
        base_rvu, base_basis = _base_values(base_row, plan, members[0].line.setting)
        owners = {id(entry): item for item in members for entry in item.entries}
        ordered = sorted(member_entries, key=lambda entry: _entry_order(entry, owners[id(entry)]))
        for entry in ordered[1:]:
            entry.value = max(entry.value - base_rvu * entry.sides, Decimal(0))
            entry.basis = max(entry.basis - base_basis * entry.sides, Decimal(0))
        for item in members:
            if any(entry is not ordered[0] for entry in item.entries):
                item.steps.append(
                    f"endoscopy family of {base_code}: less the base's {base_rvu} per procedure"
                )
            item.family = base_code


def _base_values(row: FeeScheduleRow | None, plan: CreditPlan, setting: str) -> tuple[Decimal, Decimal]:
    if row is None:
        return Decimal(0), Decimal(0)
    return row.work_rvu, _ranking_basis(row, plan, setting)


def _ranking_basis(row: FeeScheduleRow, plan: CreditPlan, setting: str) -> Decimal:
    """What ranking compares: the work RVU, or the total RVU of the setting (as Medicare ranks by fee)."""
    if plan.ranking_basis == CreditPlan.RankingBasis.TOTAL_RVU:
        return row.facility_total if setting == "facility" else row.non_facility_total
    return row.work_rvu


def _entry_order(entry: "_Entry", item: _Working) -> tuple:
    """Highest basis first; on a tie the higher credit, the line with more units,
    then the order entered. Lines that tie on all but entry order earn alike
    whichever ranks first, so a case's total never depends on typing order,
    even after each line is rounded to the cent."""
    return (-entry.basis, -entry.value * item.share, -item.line.units, item.position)


def _apply_ranking(items: list[_Working], plan: CreditPlan) -> None:
    """MULT PROC 1, 2, 3: highest 100%, the rest 50% (indicator 1: 50% then 25%).

    Every unit and every endoscopy family is a procedure; add-ons (ZZZ) never rank.
    """
    for item in items:
        if item.row and item.row.global_days == "ZZZ":
            item.steps.append("add-on code (ZZZ): never reduced")
    rankable = [
        item for item in items if item.indicator in RANKED_INDICATORS and item.row.global_days != "ZZZ"
    ]
    groups = _rank_groups(rankable)
    if len(groups) < 2:
        return
    if not plan.apply_multiple_procedure:
        for item in rankable:
            item.steps.append("multiple-procedure rule off in the plan → 100%")
        return
    ordered = sorted(groups, key=lambda group: _entry_order(group[0], group[1]))
    for rank, (_representative, item, entries) in enumerate(ordered, start=1):
        percent = _rank_percent(rank, item.indicator)
        for member_entry in entries:
            member_entry.percent = percent
    for item in rankable:
        shown = [f"{entry.percent * 100:.0f}%" for entry in item.entries]
        if shown:
            ranks = [
                rank
                for rank, group in enumerate(ordered, start=1)
                if any(e in group[2] for e in item.entries)
            ]
            item.steps.append(f"rank {', '.join(map(str, ranks))} of {len(ordered)} → {', '.join(shown)}")


def _rank_groups(items: list[_Working]) -> list[tuple]:
    """(representative entry, its line, all entries ranked together): one per unit,
    one per endoscopy family."""
    groups: list[tuple] = []
    families: dict[str, list[tuple]] = defaultdict(list)
    for item in items:
        for entry in item.entries:
            if item.family:
                families[item.family].append((entry, item))
            else:
                groups.append((entry, item, [entry]))
    for members in families.values():
        head_entry, head = min(members, key=lambda pair: _entry_order(*pair))
        combined = _Entry(sum(e.value for e, _ in members), sum(e.basis for e, _ in members))
        groups.append((combined, head, [entry for entry, _ in members]))
    return groups


def _rank_percent(rank: int, indicator: str) -> Decimal:
    # The RVU26B readme prints the indicator-1 schedule as "100%, 50%, 26%, and by
    # report"; the Medicare Claims Processing Manual and this issue's rules say 25%
    # for the third procedure on. No 2025 or 2026 row carries indicator 1.
    if rank == 1:
        return ONE
    if indicator == "1" and rank > 2:
        return QUARTER
    return HALF


def _apply_imaging(items: list[_Working], plan: CreditPlan) -> None:
    """MULT PROC 4: the professional component of each image after the first is reduced 5%."""
    pairs = [(entry, item) for item in items if item.indicator == "4" for entry in item.entries]
    if len(pairs) < 2 or not plan.apply_multiple_procedure:
        return
    ordered = sorted(pairs, key=lambda pair: _entry_order(*pair))
    for entry, _ in ordered[1:]:
        entry.percent = IMAGING_SUBSEQUENT
    for item in {id(item): item for _, item in pairs}.values():
        ranks = [rank for rank, (entry, _) in enumerate(ordered, start=1) if entry in item.entries]
        shown = ", ".join("100%" if rank == 1 else "95%" for rank in ranks)
        item.steps.append(f"imaging rank {', '.join(map(str, ranks))} of {len(ordered)} → {shown}")


def _zero_lone_status_t(items: list[_Working]) -> None:
    """Status T is paid only when no other service is paid the same day (Attachment A)."""
    others_paid = [item for item in items if item.row and item.row.status_code in {"A", "R"}]
    for item in items:
        if item.row and item.row.status_code == "T" and others_paid:
            item.zero_reason = "status T: bundled when another service is paid in the same session"


def _apply_modifier_shares(item: _Working, plan: CreditPlan) -> None:
    row = item.row
    if row is not None:
        _apply_surgery_shares(item, row, plan)
    _apply_reduced_service_shares(item, plan, has_53_row=row is not None and row.modifier == "53")


def _apply_surgery_shares(item: _Working, row: FeeScheduleRow, plan: CreditPlan) -> None:
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


def _apply_reduced_service_shares(item: _Working, plan: CreditPlan, *, has_53_row: bool) -> None:
    for modifier, share, what in (
        ("52", plan.reduced_service_share, "reduced service (52)"),
        ("73", plan.discontinued_before_anesthesia_share, "discontinued before anesthesia (73)"),
        ("74", plan.discontinued_after_anesthesia_share, "discontinued after anesthesia (74)"),
    ):
        if item.has(modifier):
            item.share *= share
            item.steps.append(f"{what}: plan share {share * 100:g}%")
    if item.has("53") and not has_53_row:
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
    value = sum((entry.value * entry.percent for entry in item.entries), Decimal(0))
    work_rvu = round_credit(value * item.share)
    return LineCredit(release, item.row, work_rvu, [*item.steps, f"= {work_rvu}"])
