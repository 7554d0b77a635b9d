"""What kind of code a code is, and which section holds it, read from the code alone.

CPT (the AMA's Level I codes) has three categories: Category I codes are five
digits grouped in sections by numeric range, Category II codes (performance
measures) end in F, Category III codes (emerging technology) end in T. The AMA
also issues Proprietary Laboratory Analyses codes ending in U and MAAA
administrative codes ending in M. HCPCS Level II codes (CMS's) are a letter and
four characters; the letter names the section. No database lookup is needed,
so a code no file describes still gets a kind.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CodeKind:
    kind: str  # a stable key, e.g. "cpt_category_1"
    kind_name: str
    section: str = ""  # a stable key within the kind, e.g. "surgery" or "S"; blank if none
    section_name: str = ""


KIND_NAMES = {
    "cpt_category_1": "CPT Category I",
    "cpt_category_2": "CPT Category II (performance measurement)",
    "cpt_category_3": "CPT Category III (emerging technology)",
    "cpt_pla": "CPT Proprietary Laboratory Analyses (PLA)",
    "cpt_maaa": "CPT Multianalyte Assays with Algorithmic Analyses (MAAA, administrative)",
    "hcpcs_level_2": "HCPCS Level II",
    "unknown": "Not a CPT or HCPCS code",
}

# CPT Category I sections, as the AMA publishes their code ranges (inclusive). Two
# things surprise: E/M sits at the end of the numbers but first in the book, and
# Medicine is split around it (home services and medication therapy management,
# 99500-99607, come after E/M). The anesthesia qualifying circumstances
# 99100-99140 are numbered, and listed, inside Medicine. A five-digit code outside
# every range (none is in use) gets no section.
CPT_SECTIONS = (
    ("00100", "01999", "anesthesia", "Anesthesia"),
    ("10004", "69990", "surgery", "Surgery"),
    ("70010", "79999", "radiology", "Radiology"),
    ("80047", "89398", "pathology", "Pathology and laboratory"),
    ("90281", "99199", "medicine", "Medicine"),
    ("99202", "99499", "em", "Evaluation and management"),
    ("99500", "99607", "medicine", "Medicine"),
)

# Category II codes are grouped by their first digit (0 holds two groups).
CATEGORY_2_SECTIONS = (
    ("0001F", "0499F", "composite", "Composite measures"),
    ("0500F", "0999F", "patient_management", "Patient management"),
    ("1000F", "1999F", "history", "Patient history"),
    ("2000F", "2999F", "examination", "Physical examination"),
    ("3000F", "3999F", "diagnostics", "Diagnostic or screening processes or results"),
    ("4000F", "4999F", "interventions", "Therapeutic, preventive or other interventions"),
    ("5000F", "5999F", "follow_up", "Follow-up or other outcomes"),
    ("6000F", "6999F", "patient_safety", "Patient safety"),
    ("7000F", "7999F", "structural", "Structural measures"),
    ("9000F", "9999F", "non_measure", "Non-measure code listing"),
)

# HCPCS Level II sections by first letter, as CMS describes them. CMS leaves F, I,
# N, O, W, X, Y and Z unassigned (X, like the others, only for modifiers).
HCPCS_LETTERS = {
    "A": "Transportation, medical and surgical supplies, miscellaneous and experimental",
    "B": "Enteral and parenteral therapy",
    "C": "Outpatient PPS (temporary hospital outpatient codes)",
    "D": "Dental procedures (CDT, American Dental Association)",
    "E": "Durable medical equipment",
    "G": "Procedures and professional services (temporary)",
    "H": "Behavioral health: alcohol and drug treatment and mental health services",
    "J": "Drugs administered other than by mouth, and chemotherapy drugs",
    "K": "Temporary codes for the DME Medicare administrative contractors",
    "L": "Orthotics and prosthetics",
    "M": "Medical services and quality measures",
    "P": "Pathology and laboratory services",
    "Q": "Temporary codes",
    "R": "Diagnostic radiology services",
    "S": "S codes: temporary national codes for private payers, not payable by Medicare",
    "T": "State Medicaid agency codes",
    "U": "Coronavirus (COVID-19) laboratory tests",
    "V": "Vision and hearing services",
}

FIVE_DIGITS = re.compile(r"[0-9]{5}")
FOUR_DIGITS_AND_LETTER = re.compile(r"[0-9]{4}[A-Z]")
# CMS also prints placeholders such as GXXX1 for codes it has not numbered yet.
LEVEL_2 = re.compile(r"[A-Z][0-9A-Z]{4}")
CPT_SUFFIX_KINDS = {"F": "cpt_category_2", "T": "cpt_category_3", "U": "cpt_pla", "M": "cpt_maaa"}


def code_kind(code: str) -> CodeKind:
    """The kind and section of a five-character code: 99213 is CPT Category I, E/M."""
    text = code.strip().upper()
    if FIVE_DIGITS.fullmatch(text):
        return _category_1(text)
    if FOUR_DIGITS_AND_LETTER.fullmatch(text) and text[-1] in CPT_SUFFIX_KINDS:
        return _cpt_with_suffix(text, CPT_SUFFIX_KINDS[text[-1]])
    if FOUR_DIGITS_AND_LETTER.fullmatch(text) and text[-1] == "A":
        # Vaccine administration codes (0001A, 0124A…): Category I, listed under Medicine.
        return _kind("cpt_category_1", "medicine", "Medicine")
    if LEVEL_2.fullmatch(text) and text[0] in HCPCS_LETTERS:
        return _kind("hcpcs_level_2", text[0], HCPCS_LETTERS[text[0]])
    return _kind("unknown")


def _kind(kind: str, section: str = "", section_name: str = "") -> CodeKind:
    return CodeKind(kind, KIND_NAMES[kind], section, section_name)


def _category_1(code: str) -> CodeKind:
    for first, last, section, name in CPT_SECTIONS:
        if first <= code <= last:  # same length, digits only: text order is numeric order
            return _kind("cpt_category_1", section, name)
    return _kind("cpt_category_1")


def _cpt_with_suffix(code: str, kind: str) -> CodeKind:
    if kind == "cpt_category_2":
        for first, last, section, name in CATEGORY_2_SECTIONS:
            if first <= code <= last:
                return _kind(kind, section, name)
    if kind in ("cpt_pla", "cpt_maaa"):
        # Both are laboratory codes the AMA lists in the Pathology and laboratory section.
        return _kind(kind, "pathology", "Pathology and laboratory")
    return _kind(kind)
