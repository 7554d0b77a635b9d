"""How many work RVUs one logged procedure earns.

Today: the work RVU of the file's row for the code and its component modifier
(26, TC or 53 where the file has such a row, otherwise the global row), times
units, from the release in effect on the date of service. Every rule that
changes a credit belongs in this module, so that the calculation stays in one
place and each credit carries the sentence that explains it.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from codes.models import COMPONENT_MODIFIERS, Code, FeeScheduleRow, Release

CENT = Decimal("0.01")

# Which PC/TC indicators allow the 26 and TC modifiers (RVU26B readme,
# Attachment A): 1 diagnostic tests (both); 6 laboratory physician
# interpretation and 8 physician interpretation (26 only, "TC cannot be used").
PCTC_ALLOWING = {"26": {"1", "6", "8"}, "TC": {"1"}}
CONTRADICTIONS = (
    ({"26", "TC"}, "26 and TC are opposite components; log one line for each"),
    ({"50", "RT"}, "50 already means both sides; drop RT"),
    ({"50", "LT"}, "50 already means both sides; drop LT"),
    ({"RT", "LT"}, "RT and LT on one line; use 50, or log one line per side"),
)


def round_credit(value: Decimal) -> Decimal:
    """Each line is rounded once, at its end, to two places, half up (as payroll does)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class CreditError(Exception):
    """A procedure we cannot value; `field` names the input that is at fault."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Credit:
    release: Release
    row: FeeScheduleRow
    work_rvu: Decimal
    explanation: str


def credit_for(*, code: Code, modifiers: list[str], units: int, performed_on: datetime.date) -> Credit:
    _refuse_contradictions(modifiers)
    release = _release_for(performed_on)
    rows = {row.modifier: row for row in FeeScheduleRow.objects.filter(release=release, code=code)}
    if not rows:
        day = performed_on.isoformat()
        raise CreditError(
            "code", f"{code.code} is not in {release.name}, the fee schedule in effect on {day}."
        )
    _refuse_forbidden_components(code, rows, modifiers, release)
    row, reason = _choose_row(rows, modifiers)
    if row is None:
        listed = ", ".join(f"-{modifier}" for modifier in sorted(rows))
        raise CreditError(
            "modifiers",
            f"{code.code} has no global row in {release.name}, only {listed}; add one of those modifiers.",
        )

    work_rvu = round_credit(row.work_rvu * units)
    label = f"{code.code}-{row.modifier}" if row.modifier else code.code
    unit_word = "unit" if units == 1 else "units"
    explanation = f"{release.name} {label}: work RVU {row.work_rvu} × {units} {unit_word} = {work_rvu}"
    notes = [reason, _unused_modifiers_note(modifiers), release.missing_release_note(performed_on)]
    if any(notes):
        explanation = f"{explanation} ({'; '.join(note for note in notes if note)})"
    explanation = f"{explanation} [{release.rows_file_name} line {row.source_line}]"
    return Credit(release=release, row=row, work_rvu=work_rvu, explanation=explanation)


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


def _refuse_contradictions(modifiers: list[str]) -> None:
    for pair, reason in CONTRADICTIONS:
        if pair <= set(modifiers):
            raise CreditError("modifiers", f"Modifiers {' and '.join(sorted(pair))} conflict: {reason}.")


def _refuse_forbidden_components(
    code: Code, rows: dict[str, FeeScheduleRow], modifiers: list[str], release: Release
) -> None:
    indicator = next(iter(rows.values())).pctc_indicator
    for modifier, allowing in PCTC_ALLOWING.items():
        if modifier in modifiers and indicator not in allowing:
            raise CreditError(
                "modifiers",
                f"{code.code} cannot take modifier {modifier}: its PC/TC indicator in {release.name} is "
                f"{indicator}, which has no separate {'professional' if modifier == '26' else 'technical'} "
                "component.",
            )


def _unused_modifiers_note(modifiers: list[str]) -> str:
    unused = [modifier for modifier in modifiers if modifier not in COMPONENT_MODIFIERS]
    if not unused:
        return ""
    return f"{', '.join(unused)} not applied to the credit"


def _choose_row(rows: dict[str, FeeScheduleRow], modifiers: list[str]) -> tuple[FeeScheduleRow | None, str]:
    """The component row the modifiers ask for, else the global row, with why."""
    asked = [modifier for modifier in modifiers if modifier in COMPONENT_MODIFIERS]
    for modifier in asked:
        if modifier in rows:
            return rows[modifier], ""
    reason = f"the file has no {'/'.join(asked)} row, so the global row is used" if asked else ""
    return rows.get(""), reason
