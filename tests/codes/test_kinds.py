"""A code's kind and section come from the code alone."""

import pytest

from codes.kinds import CPT_SECTIONS, HCPCS_LETTERS, code_kind


@pytest.mark.parametrize(
    ("code", "kind", "section"),
    [
        ("99213", "cpt_category_1", "em"),
        ("0124A", "cpt_category_1", "medicine"),  # a vaccine administration code
        ("99202", "cpt_category_1", "em"),
        ("99499", "cpt_category_1", "em"),
        ("00100", "cpt_category_1", "anesthesia"),
        ("01999", "cpt_category_1", "anesthesia"),
        ("10004", "cpt_category_1", "surgery"),
        ("27447", "cpt_category_1", "surgery"),
        ("69990", "cpt_category_1", "surgery"),
        ("71046", "cpt_category_1", "radiology"),
        ("80047", "cpt_category_1", "pathology"),
        ("88305", "cpt_category_1", "pathology"),
        ("90281", "cpt_category_1", "medicine"),
        ("93000", "cpt_category_1", "medicine"),
        ("99100", "cpt_category_1", "medicine"),  # anesthesia qualifying circumstances sit in Medicine
        ("99199", "cpt_category_1", "medicine"),
        ("99500", "cpt_category_1", "medicine"),
        ("99607", "cpt_category_1", "medicine"),
        ("99608", "cpt_category_1", ""),  # past every range
        ("0001U", "cpt_pla", "pathology"),
        ("0002M", "cpt_maaa", "pathology"),
        ("0591T", "cpt_category_3", ""),
        ("1111F", "cpt_category_2", "history"),
        ("0001F", "cpt_category_2", "composite"),
        ("0505F", "cpt_category_2", "patient_management"),
        ("3044F", "cpt_category_2", "diagnostics"),
        ("S9381", "hcpcs_level_2", "S"),
        ("G2211", "hcpcs_level_2", "G"),
        ("J1100", "hcpcs_level_2", "J"),
        ("E0100", "hcpcs_level_2", "E"),
        ("V5364", "hcpcs_level_2", "V"),
        ("GXXX1", "hcpcs_level_2", "G"),  # a CMS placeholder in RVU26C
        ("g2211", "hcpcs_level_2", "G"),
        ("F1234", "unknown", ""),  # F is no HCPCS letter
        ("1234X", "unknown", ""),
        ("9921", "unknown", ""),
        ("", "unknown", ""),
    ],
)
def test_code_kind_reads_kind_and_section_from_the_code(code, kind, section):
    found = code_kind(code)

    assert (found.kind, found.section) == (kind, section)


def test_names_say_what_the_kind_and_section_are():
    assert code_kind("99213").kind_name == "CPT Category I"
    assert code_kind("99213").section_name == "Evaluation and management"
    assert code_kind("0001U").kind_name == "CPT Proprietary Laboratory Analyses (PLA)"
    assert code_kind("S9381").kind_name == "HCPCS Level II"
    assert "private payers" in code_kind("S9381").section_name
    assert code_kind("G2211").section_name == "Procedures and professional services (temporary)"


def test_cpt_sections_do_not_overlap_and_are_ordered():
    bounds = [(first, last) for first, last, _, _ in CPT_SECTIONS]

    assert all(first <= last for first, last in bounds)
    assert all(last < next_first for (_, last), (next_first, _) in zip(bounds, bounds[1:], strict=False))


def test_every_letter_of_the_january_2026_hcpcs_file_has_a_section():
    letters = "ABCEGHJKLMPQRSTUV"  # the first letters of its codes (data/hcpcs/SOURCES.md)

    assert set(letters) <= set(HCPCS_LETTERS)
    assert all(code_kind(f"{letter}0001").kind == "hcpcs_level_2" for letter in letters)


def test_every_code_of_the_bundled_releases_has_a_kind_and_every_cpt_code_a_section(db):
    from codes.models import Code

    kinds = {code: code_kind(code) for code in Code.objects.values_list("code", flat=True)}

    assert not [code for code, kind in kinds.items() if kind.kind == "unknown"]
    assert not [code for code, kind in kinds.items() if kind.kind == "cpt_category_1" and not kind.section]
