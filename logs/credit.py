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
    release = Release.objects.in_effect_on(performed_on)
    if release is None:
        earliest = Release.objects.order_by("effective_on").first()
        covered = (
            f"; the earliest loaded is {earliest.name}, from {earliest.effective_on:%Y-%m-%d}"
            if earliest
            else ""
        )
        raise CreditError("performed_on", f"No fee schedule release covers {performed_on:%Y-%m-%d}{covered}.")

    rows = {row.modifier: row for row in FeeScheduleRow.objects.filter(release=release, code=code)}
    if not rows:
        raise CreditError(
            "code",
            f"{code.code} is not in {release.name}, the fee schedule in effect on {performed_on:%Y-%m-%d}.",
        )
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
    notes = [note for note in (reason, _unused_modifiers_note(modifiers, row)) if note]
    if notes:
        explanation = f"{explanation} ({'; '.join(notes)})"
    explanation = f"{explanation} [{release.rows_file_name} line {row.source_line}]"
    return Credit(release=release, row=row, work_rvu=work_rvu, explanation=explanation)


def _unused_modifiers_note(modifiers: list[str], row: FeeScheduleRow) -> str:
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
