"""The public page of a code: everything the catalog knows of it, in the order people read it.

`code_page()` gathers the page from the data (the fee schedule release in effect, the HCPCS
file, the releases we hold) and from the text staff curate, and leaves out what neither can
fill, so a page never shows an empty heading. The HTML page and its JSON twin both render it.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from benchmarks.models import BenchmarkCodeUse, BenchmarkSet

from .importing.hcpcs_layout import COVERAGE_MEANINGS
from .indicators import (
    ASSISTANT_AT_SURGERY,
    BILATERAL_SURGERY,
    CO_SURGERY,
    MULTIPLE_PROCEDURE,
    PCTC_INDICATORS,
    TEAM_SURGERY,
    global_days_meaning,
    status_meaning,
)
from .kinds import CodeKind, code_kind
from .models import (
    IN_EFFECT_ORDER,
    PAID_STATUS_CODES,
    Code,
    CuratedCodeText,
    FeeScheduleRow,
    HcpcsCode,
    Release,
)

CENT = Decimal("0.01")
NOT_PRICED_OUTSIDE = "NA: CMS does not price this service outside a facility"
NOT_PRICED_INSIDE = "NA: CMS does not price this service in a facility"
NOT_PRICED = "NA"
EARNS_NOTHING = "In RVU Edge a log of it earns 0 wRVU, unless your credit plan gives it a value."
COMPONENT_NAMES = {"26": "professional component", "TC": "technical component"}
CPT_NOTICE = (
    "CPT® is a registered trademark of the American Medical Association; CPT codes and their "
    "descriptions are copyright the AMA."
)
DENTAL_NOTICE = (
    "CDT® dental codes (D codes) and their descriptions are copyright the American Dental Association."
)
CURATED_NOTICE = "synonyms, plain-language lines and clinical context written by RVU Edge editors"

# How a code that the fee schedule does not value is paid instead, by HCPCS Level II letter.
PAID_INSTEAD_BY_LETTER = {
    "A": "Supplies and transport are paid from fee schedules (DMEPOS, ambulance) or payer contracts.",
    "B": "Enteral and parenteral nutrition is paid from the DMEPOS fee schedule or payer contracts.",
    "C": "C codes are for hospital outpatient departments, paid under the outpatient prospective "
    "payment system (OPPS), not per physician RVU.",
    "E": "Durable medical equipment is paid from the DMEPOS fee schedule or payer contracts.",
    "H": "Medicaid programs and other payers pay these behavioral health services at their own rates.",
    "J": "Drugs are paid from their Average Sales Price (ASP, plus a set percentage for Medicare) or a "
    "payer's drug fee schedule, not by RVUs.",
    "K": "These temporary DME codes are paid from the DMEPOS fee schedule or payer contracts.",
    "L": "Orthotics and prosthetics are paid from the DMEPOS fee schedule or payer contracts.",
    "P": "Laboratory services are paid from the Clinical Laboratory Fee Schedule.",
    "Q": "Temporary Q codes are mostly drugs, biologicals and supplies, priced by ASP or fee schedules.",
    "S": "S codes are for private payers, and Medicare does not accept them: each payer sets its own "
    "rate, by fee schedule or contract.",
    "T": "T codes are for state Medicaid agencies, which set their own rates.",
    "U": "Laboratory tests are paid from the Clinical Laboratory Fee Schedule.",
    "V": "Vision and hearing items are paid from fee schedules or payer contracts.",
}
PAID_INSTEAD_BY_KIND = {
    "cpt_pla": "Proprietary laboratory analyses are paid from the Clinical Laboratory Fee Schedule.",
    "cpt_maaa": "Multianalyte assays are paid from the Clinical Laboratory Fee Schedule or by contract.",
    "cpt_category_2": "Category II codes track quality measures and carry no payment.",
    "cpt_category_3": "Category III codes are often priced by each payer or contractor, case by case.",
}
PAID_INSTEAD_OTHERWISE = "Payers price it with their own fee schedules or contracts."
KIND_BILLING_NOTES = {
    "cpt_category_2": "Category II codes report quality measures (for MIPS and registries); they are "
    "billed at zero charge and earn no payment.",
    "cpt_category_3": "Category III codes are temporary codes for emerging technology; use one instead "
    "of an unlisted code when it fits, and expect payers to decide coverage case by case.",
}
S_CODE_NOTE = (
    "Private payers, not Medicare, created the S codes for services without a national code. Whether a "
    "payer accepts one varies: confirm before billing, and document why the service was needed."
)


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    meaning: str = ""


@dataclass(frozen=True)
class Question:
    question: str
    answer: str


@dataclass(frozen=True)
class HistoryEntry:
    release: str
    effective_on: datetime.date
    work_rvu: Decimal
    change: Decimal | None  # from the previous release we hold; None for the first
    modifier: str = ""  # "26" where only the professional component carries the work


@dataclass
class CodePage:
    code: str
    short_name: str
    kind: CodeKind
    synonyms: list[str]
    official_description: str
    official_description_source: str
    plain_language: str
    clinical_context: str
    specialties: list[str]
    specialties_source: str
    release: Release | None
    work_rvu: Decimal | None  # None when the fee schedule in effect does not value the code
    rvu_facts: list[Fact]
    components: list[Fact]
    not_valued: list[str]
    billing: list[Fact]
    billing_notes: list[str]
    questions: list[Question]
    history: list[HistoryEntry]
    sources: list[str]
    is_terminated: bool = False
    notices: list[str] = field(default_factory=lambda: [CPT_NOTICE])

    @property
    def title(self) -> str:
        return f"{self.code} {self.short_name}".strip()

    @property
    def kind_label(self) -> str:
        return (
            f"{self.kind.kind_name}: {self.kind.section_name}"
            if self.kind.section_name
            else self.kind.kind_name
        )

    @property
    def meta_description(self) -> str:
        """About 155 characters for search engines: what the code is and what it earns."""
        earns = (
            f"{self.work_rvu} work RVUs in {self.release.name}"
            if self.work_rvu is not None and self.release
            else "no CMS work RVU"
        )
        text = f"{self.title}: {earns}. {self.kind_label}. {self.official_description}".strip()
        return text if len(text) <= 160 else text[:157].rsplit(" ", 1)[0] + "…"


def code_page(code: Code, *, day: datetime.date) -> CodePage:
    """The page of `code` with the fee schedule in effect on `day`."""
    kind = code_kind(code.code)
    hcpcs = HcpcsCode.objects.select_related("file").filter(code=code).first()
    curated = CuratedCodeText.objects.filter(code=code).first()
    release = Release.objects.in_effect_on(day)
    rows = _rows_by_modifier(code, release)
    global_row = rows.get("")
    # A code the release in effect dropped keeps the name the latest release listing it gave.
    named_by = release if rows else _latest_release_listing(code)
    short_name = (hcpcs.short_description if hcpcs else "") or code.description
    official, official_source = _official_description(code, hcpcs, named_by)
    valued = global_row is not None and _has_national_value(global_row)
    page = CodePage(
        code=code.code,
        short_name=short_name,
        kind=kind,
        synonyms=list(curated.synonyms) if curated else [],
        official_description=official,
        official_description_source=official_source,
        plain_language=curated.plain_language if curated else "",
        clinical_context=curated.clinical_context if curated else "",
        **_specialties(code, curated),
        release=release,
        work_rvu=global_row.work_rvu if valued else None,
        rvu_facts=_rvu_facts(global_row, release, day) if valued else [],
        components=_component_facts(rows, release),
        not_valued=[] if valued else _why_not_valued(code.code, kind, rows, release, day),
        billing=_billing_facts(global_row, rows, hcpcs),
        billing_notes=_billing_notes(kind),
        questions=[],
        history=_history(code),
        sources=_sources(named_by, hcpcs, curated, in_effect=named_by == release),
        is_terminated=bool(hcpcs and hcpcs.is_terminated_on(day)),
        notices=[CPT_NOTICE, DENTAL_NOTICE] if _is_dental(kind) else [CPT_NOTICE],
    )
    page.questions = _questions(page, hcpcs, curated, rows)
    return page


def _has_national_value(row: FeeScheduleRow) -> bool:
    # Status R prints no RVUs for most codes (dental ones above all): "if covered, the service is
    # contractor priced" (RVU26B readme), so there is no national figure, $0.00 least of all.
    unpriced = row.status_code == "R" and not (row.non_facility_total or row.facility_total)
    return row.status_code in PAID_STATUS_CODES and not unpriced


def _is_dental(kind: CodeKind) -> bool:
    return kind.kind == "hcpcs_level_2" and kind.section == "D"


def _specialties(code: Code, curated: CuratedCodeText | None) -> dict:
    """The editors' list if they wrote one, else the specialties that billed the code most in the
    Medicare claims of the newest public-data benchmark set that has the code."""
    if curated and curated.specialties:
        return {"specialties": list(curated.specialties), "specialties_source": "RVU Edge editors"}
    uses = list(
        BenchmarkCodeUse.objects.filter(code=code.code, benchmark_set__kind=BenchmarkSet.Kind.PUBLIC_DATA)
        .select_related("benchmark_set")
        .order_by("-benchmark_set__is_default", "-benchmark_set__year", "-benchmark_set_id", "-services")
    )
    if not uses:
        return {"specialties": [], "specialties_source": ""}
    chosen = uses[0].benchmark_set
    named = [use for use in uses if use.benchmark_set_id == chosen.pk]
    return {
        "specialties": [f"{use.specialty} ({use.providers:,} providers)" for use in named],
        "specialties_source": f"By Medicare services billed, in {chosen.name}",
    }


def _rows_by_modifier(code: Code, release: Release | None) -> dict[str, FeeScheduleRow]:
    if release is None:
        return {}
    return {row.modifier: row for row in FeeScheduleRow.objects.filter(release=release, code=code)}


def _latest_release_listing(code: Code) -> Release | None:
    return Release.objects.filter(rows__code=code).order_by(*IN_EFFECT_ORDER).first()


def _official_description(code: Code, hcpcs: HcpcsCode | None, release: Release | None) -> tuple[str, str]:
    if hcpcs and hcpcs.long_description:
        return hcpcs.long_description, f"CMS HCPCS file, {hcpcs.file.effective_on:%B %Y}"
    # For CPT codes CMS publishes a short descriptor only; the AMA licenses the long one.
    return code.description, "CMS short descriptor" + (f", {release.name}" if release else "")


def payment(total_rvu: Decimal, conversion_factor: Decimal) -> Decimal:
    """The national Medicare amount: total RVUs times the conversion factor, to the cent."""
    return (total_rvu * conversion_factor).quantize(CENT, ROUND_HALF_UP)


def _rvu_facts(row: FeeScheduleRow, release: Release, day: datetime.date) -> list[Fact]:
    factor = release.conversion_factor
    # NA: CMS does not price the service in that setting; the file still prints a figure.
    outside = NOT_PRICED_OUTSIDE if row.non_facility_na_indicator.strip() else ""
    inside = NOT_PRICED_INSIDE if row.facility_na_indicator.strip() else ""
    stand_in = release.missing_release_note(day)
    return [
        *([Fact("Release", release.name, stand_in)] if stand_in else []),
        Fact("Work RVU", str(row.work_rvu)),
        Fact("Practice expense RVU, non-facility", str(row.non_facility_pe_rvu), outside),
        Fact("Practice expense RVU, facility", str(row.facility_pe_rvu), inside),
        Fact("Malpractice RVU", str(row.mp_rvu)),
        Fact("Total RVUs, non-facility", str(row.non_facility_total), outside),
        Fact("Total RVUs, facility", str(row.facility_total), inside),
        Fact("Conversion factor", f"${factor}", f"{release.name}, non-qualifying APM participants"),
        Fact(
            "National payment, non-facility",
            NOT_PRICED if outside else f"${payment(row.non_facility_total, factor):,}",
            outside or "total × factor",
        ),
        Fact(
            "National payment, facility",
            NOT_PRICED if inside else f"${payment(row.facility_total, factor):,}",
            inside or "total × factor",
        ),
        Fact("Global period", row.global_days, global_days_meaning(row.global_days)),
        Fact("PC/TC indicator", row.pctc_indicator, PCTC_INDICATORS.get(row.pctc_indicator, "")),
    ]


def _component_facts(rows: dict[str, FeeScheduleRow], release: Release | None) -> list[Fact]:
    named = {
        "26": "Professional component (-26)",
        "TC": "Technical component (-TC)",
        "53": "Discontinued (-53)",
    }
    facts = []
    for modifier in ("26", "TC", "53"):
        if row := rows.get(modifier):
            totals = f"total {row.non_facility_total} non-facility, {row.facility_total} facility"
            if _has_national_value(row):
                amount = payment(row.non_facility_total, release.conversion_factor)
                paid = f"${amount:,} national non-facility"
            else:  # e.g. the -TC of a carrier-priced MRI: no national amount, whatever the file prints
                paid = f"status {row.status_code}: {status_meaning(row.status_code)}"
            facts.append(Fact(named[modifier], f"work {row.work_rvu}", f"{totals}, {paid}"))
    return facts


def _why_not_valued(
    code: str, kind: CodeKind, rows: dict[str, FeeScheduleRow], release: Release | None, day: datetime.date
) -> list[str]:
    if release is None:
        return [f"No CMS fee schedule release is loaded, so {code} has no work RVU here yet."]
    stand_in = release.missing_release_note(day)
    why = _why_global_row_not_valued(code, kind, rows, release)
    return [*why, f"{stand_in[0].upper()}{stand_in[1:]}."] if stand_in else why


def _paid_components(rows: dict[str, FeeScheduleRow]) -> list[FeeScheduleRow]:
    return [rows[m] for m in ("26", "TC") if m in rows and _has_national_value(rows[m])]


def _why_global_row_not_valued(
    code: str, kind: CodeKind, rows: dict[str, FeeScheduleRow], release: Release
) -> list[str]:
    row = rows.get("")
    if components := _paid_components(rows):
        # 70557 (an MRI) is carrier priced as a whole, but its -26 carries 2.83 work RVUs and is
        # paid; 86153 is listed only as 86153-26. Saying "no work RVU" would mislead the reader.
        whole = (
            f"{release.name} gives {code} as a whole status {row.status_code} "
            f"({status_meaning(row.status_code)}), but"
            if row is not None
            else f"{release.name} lists {code} only by its component:"
        )
        named = " and ".join(
            f"{code}-{component.modifier} ({COMPONENT_NAMES[component.modifier]}) has "
            f"{component.work_rvu} work RVUs"
            for component in components
        )
        modifiers = " or ".join(component.modifier for component in components)
        return [
            f"{whole} {named}, paid under the Physician Fee Schedule (see Components).",
            f"In RVU Edge a log of it with modifier {modifiers} earns that work RVU.",
        ]
    if row is not None and row.status_code == "J":
        return [
            f"{code} has no work RVU: {release.name} lists it with status J, an anesthesia service. "
            "Medicare pays anesthesia under the Physician Fee Schedule from base units (CMS's anesthesia "
            "file) plus time units, times the anesthesia conversion factor, not from RVUs.",
            EARNS_NOTHING,
        ]
    if row is not None and row.status_code == "C":
        return [
            f"{code} has no national work RVU: {release.name} lists it with status C (carrier priced). "
            "Medicare pays it, but its contractor (MAC) sets the amount, usually case by case from the "
            "documentation.",
            "Other payers set their own rates.",
            EARNS_NOTHING,
        ]
    if row is not None and row.status_code == "R":
        return [
            f"{code} has no national work RVU: {release.name} lists it with status R (restricted coverage) "
            "and prints no RVUs. Medicare covers it only where special coverage instructions allow, and "
            "then its contractor (MAC) sets the amount.",
            "Other payers set their own rates.",
            EARNS_NOTHING,
        ]
    if row is None:
        first = (
            f"{code} does not have a physician work RVU assigned by CMS: the Medicare Physician Fee "
            f"Schedule ({release.name}) does not list it."
        )
    else:
        status = f"status {row.status_code} ({status_meaning(row.status_code)})"
        first = (
            f"{code} does not have a physician work RVU assigned by CMS: {release.name} lists it "
            f"with {status}, so Medicare does not pay it under the Physician Fee Schedule."
            if not row.work_rvu
            else f"{release.name} shows a work RVU of {row.work_rvu} for {code}, but with {status}: Medicare "
            "does not pay it under the Physician Fee Schedule."
        )
    paid_instead = (
        PAID_INSTEAD_BY_LETTER.get(kind.section, PAID_INSTEAD_OTHERWISE)
        if kind.kind == "hcpcs_level_2"
        else PAID_INSTEAD_BY_KIND.get(kind.kind, PAID_INSTEAD_OTHERWISE)
    )
    return [first, paid_instead, EARNS_NOTHING]


SURGICAL_GLOBAL_PERIODS = frozenset({"000", "010", "090", "ZZZ"})
# Surgical indicators in the order a biller reads them; 9 ("concept does not apply") is left out.
SURGICAL_INDICATORS = (
    ("Multiple procedures (51)", "multiple_procedure", MULTIPLE_PROCEDURE),
    ("Bilateral (50)", "bilateral_surgery", BILATERAL_SURGERY),
    ("Assistant at surgery", "assistant_surgery", ASSISTANT_AT_SURGERY),
    ("Co-surgeons (62)", "co_surgery", CO_SURGERY),
    ("Team surgery (66)", "team_surgery", TEAM_SURGERY),
)


def _billing_facts(
    row: FeeScheduleRow | None, rows: dict[str, FeeScheduleRow], hcpcs: HcpcsCode | None
) -> list[Fact]:
    facts = []
    if row is not None:
        modifiers = ", ".join(_modifiers_that_apply(row, rows)) or "None of the payment modifiers"
        facts += [
            Fact("Status code", row.status_code, status_meaning(row.status_code)),
            Fact("Modifiers that apply", modifiers),
        ]
        # A 0 on a visit or a test ("no bilateral adjustment", "assistant needs documentation")
        # is true but beside the point; on a surgical code it is a rule the surgeon needs.
        beside_the_point = {"", "9"} if row.global_days in SURGICAL_GLOBAL_PERIODS else {"", "9", "0"}
        for label, name, meanings in SURGICAL_INDICATORS:
            value = getattr(row, name)
            if value not in beside_the_point:
                facts.append(Fact(label, value, meanings.get(value, "")))
    if hcpcs is not None:
        facts += _hcpcs_facts(hcpcs)
    return facts


def _hcpcs_facts(hcpcs: HcpcsCode) -> list[Fact]:
    facts = []
    if hcpcs.coverage_code:
        facts.append(
            Fact("Medicare coverage", hcpcs.coverage_code, COVERAGE_MEANINGS.get(hcpcs.coverage_code, ""))
        )
    if hcpcs.betos:
        facts.append(Fact("BETOS", hcpcs.betos, "Berenson-Eggers type of service"))
    if hcpcs.added_on:
        facts.append(Fact("Added to HCPCS", hcpcs.added_on.isoformat()))
    if hcpcs.terminated_on:
        facts.append(
            Fact("Terminated", hcpcs.terminated_on.isoformat(), "Last date of service it may be billed for")
        )
    return facts


def _modifiers_that_apply(row: FeeScheduleRow, rows: dict[str, FeeScheduleRow]) -> list[str]:
    allowed = []
    if code_kind(row.code_id).section == "em":
        allowed.append("25 (a significant, separately identifiable visit on the day of a procedure)")
    if "26" in rows or row.pctc_indicator in ("1", "6", "8"):
        allowed.append("26 (professional component)")
    if "TC" in rows or row.pctc_indicator == "1":
        allowed.append("TC (technical component)")
    if row.bilateral_surgery == "1":
        allowed.append("50 (bilateral)")
    if row.bilateral_surgery == "3":
        allowed.append("RT/LT (each side)")
    if row.multiple_procedure in ("2", "3"):
        allowed.append("51 (multiple procedures)")
    if "53" in rows:
        allowed.append("53 (discontinued)")
    if row.co_surgery in ("1", "2"):
        allowed.append("62 (co-surgeons)")
    if row.team_surgery in ("1", "2"):
        allowed.append("66 (team)")
    if row.assistant_surgery in ("0", "2") and row.global_days in SURGICAL_GLOBAL_PERIODS:
        allowed.append(
            "80/82/AS (assistant)" + (", with documentation" if row.assistant_surgery == "0" else "")
        )
    return allowed


def _billing_notes(kind: CodeKind) -> list[str]:
    if kind.kind == "hcpcs_level_2" and kind.section == "S":
        return [S_CODE_NOTE]
    return [KIND_BILLING_NOTES[kind.kind]] if kind.kind in KIND_BILLING_NOTES else []


def _history(code: Code) -> list[HistoryEntry]:
    """The work RVU in each release held: the global row's, or the -26 row's where only the
    professional component carries work (imaging priced by the contractor as a whole, say)."""
    rows = (
        FeeScheduleRow.objects.filter(code=code, modifier__in=["", "26"])
        .select_related("release")
        .order_by("release__effective_on", "release__is_correction", "release_id", "modifier")
    )
    by_release: dict[int, dict[str, FeeScheduleRow]] = {}
    for row in rows:
        by_release.setdefault(row.release_id, {})[row.modifier] = row
    history, previous = [], None
    for found in by_release.values():
        glob, professional = found.get(""), found.get("26")
        row = professional if professional and not (glob and glob.work_rvu) else glob or professional
        change = None if previous is None else row.work_rvu - previous
        history.append(
            HistoryEntry(row.release.name, row.release.effective_on, row.work_rvu, change, row.modifier)
        )
        previous = row.work_rvu
    return history


def _sources(
    release: Release | None, hcpcs: HcpcsCode | None, curated: CuratedCodeText | None, *, in_effect: bool
) -> list[str]:
    sources = []
    if release is not None:
        latest = "" if in_effect else ", the latest release listing the code"
        sources.append(f"CMS Physician Fee Schedule {release.name} ({release.rows_file_name}){latest}")
    if hcpcs is not None:
        sources.append(
            f"CMS HCPCS {hcpcs.file.year} ({hcpcs.file.effective_on:%B} file, {hcpcs.file.records_file_name})"
        )
    if curated is not None:
        sources.append(CURATED_NOTICE)
    return sources


def _questions(
    page: CodePage,
    hcpcs: HcpcsCode | None,
    curated: CuratedCodeText | None,
    rows: dict[str, FeeScheduleRow],
) -> list[Question]:
    code = page.code
    questions = [
        Question(f"What is {code}?", _what_answer(page)),
        Question(f"How many work RVUs is {code}?", _rvu_answer(page)),
        Question(f"Is {code} covered by insurance?", _coverage_answer(page, hcpcs, rows)),
    ]
    if page.clinical_context:
        questions.append(Question(f"When is {code} used?", page.clinical_context))
    if curated is not None:
        questions += [Question(item["question"], item["answer"]) for item in curated.questions]
    return questions


def _what_answer(page: CodePage) -> str:
    named = f" ({page.short_name})" if page.short_name else ""
    section = f", in the section {page.kind.section_name}" if page.kind.section_name else ""
    answer = f"{page.code}{named} is a {page.kind.kind_name} code{section}."
    if page.official_description and page.official_description.casefold() != page.short_name.casefold():
        answer += f" {sentence(page.official_description)}"
    if page.plain_language:
        answer += f" In plain words: {sentence(page.plain_language)}"
    return answer


def sentence(text: str) -> str:
    """`text` ending with a full stop, as CMS descriptions ("…, per visit") do not."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _rvu_answer(page: CodePage) -> str:
    if page.work_rvu is None:
        return " ".join(page.not_valued[:2])
    facts = {fact.label: fact.value for fact in page.rvu_facts}
    by_setting = []
    for setting, where in (("non-facility", "outside a facility"), ("facility", "in a facility")):
        amount = facts[f"National payment, {setting}"]
        by_setting.append(
            f"CMS does not price it {where}"
            if amount == NOT_PRICED
            else f"{facts[f'Total RVUs, {setting}']} total RVUs {where} ({amount} national Medicare payment)"
        )
    return f"{page.work_rvu} work RVUs in {page.release.name}: {'; '.join(by_setting)}."


def _medicare_pays_otherwise(page: CodePage, rows: dict[str, FeeScheduleRow]) -> str:
    """How Medicare pays a code with no work RVU of its own, where it does pay it."""
    if components := _paid_components(rows):
        named = " and ".join(f"{page.code}-{component.modifier}" for component in components)
        return f"Medicare pays {named} under the Physician Fee Schedule ({page.release.name})"
    status = rows[""].status_code if "" in rows else ""
    if status == "C":
        return "Medicare covers it at an amount its contractor sets (carrier priced)"
    if status == "J":
        return "Medicare pays it as an anesthesia service, from base units and time"
    if status == "R":
        return "Medicare covers it only in special circumstances, at an amount its contractor sets"
    return ""


def _coverage_answer(page: CodePage, hcpcs: HcpcsCode | None, rows: dict[str, FeeScheduleRow]) -> str:
    parts = []
    if page.kind.kind == "hcpcs_level_2" and page.kind.section == "S":
        parts.append(
            f"{page.code} is a temporary S code: Medicare does not accept it, and each private payer decides "
            "whether to cover it, so coverage varies and can change once a permanent code exists."
        )
    elif hcpcs is not None and hcpcs.coverage_code:
        parts.append(f"Medicare: {COVERAGE_MEANINGS[hcpcs.coverage_code].lower()}.")
    elif page.work_rvu is not None:
        parts.append(
            f"Medicare pays it under the Physician Fee Schedule ({page.release.name}); "
            "other payers set their own coverage rules."
        )
    elif paid_instead := _medicare_pays_otherwise(page, rows):
        parts.append(f"{paid_instead}; other payers set their own coverage rules.")
    else:
        parts.append(
            "Medicare does not pay it under the Physician Fee Schedule; other payers decide by policy."
        )
    if page.is_terminated:
        parts.append(f"CMS has terminated {page.code}: it may not be billed for later dates of service.")
    return " ".join(parts)
