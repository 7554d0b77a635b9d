"""What the January 2026 HCPCS ZIP puts in the database, checked against the raw files.

Expected figures are computed here from the raw files (slicing the TXT, reading
the XLSX with openpyxl), independently of the importer. The ZIP is imported once
for the module; test_hcpcs_import.py imports files test by test.
"""

import datetime
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.db import transaction

from codes.importing.hcpcs_import import hcpcs_file_import
from codes.models import Code, FeeScheduleRow, HcpcsCode, HcpcsFile, HcpcsModifier

HCPCS = Path(settings.DATA_DIR) / "hcpcs"
ZIP_2026 = HCPCS / "january-2026-alpha-numeric-hcpcs-file.zip"
CSV_2023 = HCPCS / "HCPC2023_JAN_ANWEB_v3.csv"
TXT_MEMBER = "HCPC2026_JAN_ANWEB_01122026.txt"
XLSX_MEMBER = "HCPC2026_JAN_ANWEB_01122026.xlsx"
JANUARY_2026 = datetime.date(2026, 1, 1)


def zip_member(name: str) -> bytes:
    with zipfile.ZipFile(ZIP_2026) as archive:
        return archive.read(name)


def raw_records() -> list[str]:
    """The TXT's records as printed: every line holding more than spaces."""
    return [line for line in zip_member(TXT_MEMBER).decode("ascii").split("\r\n") if line.strip()]


def xlsx_rows() -> dict[tuple[str, str], dict[str, object]]:
    """(HCPC as printed, RECID) → the row's cells by header, read straight from the XLSX."""
    workbook = openpyxl.load_workbook(io.BytesIO(zip_member(XLSX_MEMBER)), read_only=True)
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    header = next(rows)
    found = {(row[0], row[2]): dict(zip(header, row, strict=True)) for row in rows}
    workbook.close()
    return found


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker):
    """The January 2026 ZIP imported once for the module, rolled back when it is done."""
    with django_db_blocker.unblock(), transaction.atomic():
        catalog_before = set(Code.objects.values_list("code", flat=True))
        result = hcpcs_file_import(path=ZIP_2026)
        yield result, catalog_before
        transaction.set_rollback(True)


def test_every_record_of_the_zip_is_read_and_every_procedure_code_kept(imported, db):
    result, _ = imported
    records = raw_records()
    procedure_codes = {record[:5] for record in records if record[10] == "3"}
    modifiers = {record[3:5] for record in records if record[10] == "7"}

    assert result.created
    assert result.file.record_count == len(records) == 16614
    assert result.file.code_count == len(procedure_codes) == 8623
    assert result.file.modifier_count == len(modifiers) == 383
    assert set(HcpcsCode.objects.values_list("code", flat=True)) == procedure_codes
    assert set(HcpcsModifier.objects.values_list("modifier", flat=True)) == modifiers
    assert procedure_codes <= set(Code.objects.values_list("code", flat=True))


def test_the_file_is_named_and_dated_from_its_names(imported, db):
    hcpcs_file = HcpcsFile.objects.get()

    assert hcpcs_file.name == ZIP_2026.name
    assert hcpcs_file.records_file_name == f"{ZIP_2026.name}/{TXT_MEMBER}"
    assert (hcpcs_file.year, hcpcs_file.effective_on, hcpcs_file.version) == (2026, JANUARY_2026, "01122026")


def test_s9381_reads_as_the_xlsx_prints_it_with_its_long_description_joined(imported, db):
    row = xlsx_rows()[("S9381", "3")]
    details = HcpcsCode.objects.get(code="S9381")

    assert details.long_description == row["LONG DESCRIPTION"]
    assert details.long_description == (
        "Delivery or service to high risk areas requiring escort or extra protection, per visit"
    )
    assert details.short_description == row["SHORT DESCRIPTION"] == "Hit high risk/escort"
    assert (details.coverage_code, details.betos, details.type_of_service) == ("I", "Z2", "9")
    assert (details.pricing_indicators, details.multiple_pricing_indicator) == ("00", "9")
    assert (details.processing_note, details.action_code) == ("0088", "N")
    assert details.added_on == details.action_effective_on == datetime.date(2002, 1, 1)
    assert details.terminated_on is None
    assert details.source_line == 1 + next(i for i, r in enumerate(raw_records()) if r.startswith("S9381"))


def test_a_long_description_of_seventeen_records_is_joined_in_order(imported, db):
    records = [record for record in raw_records() if record.startswith("G0503")]
    details = HcpcsCode.objects.get(code="G0503")

    assert len(records) == 17
    assert details.long_description.startswith(
        "Subsequent psychiatric collaborative care management, first 60"
    )
    assert details.long_description.endswith("are prepared for discharge from active treatment")
    assert details.long_description == " ".join(" ".join(r[11:91] for r in records).split())


def test_terminated_codes_are_kept_and_marked(imported, db):
    printed = {record[:5]: record[284:292] for record in raw_records() if record[10] == "3"}
    terminated = {code for code, date in printed.items() if date.strip()}
    c5271 = HcpcsCode.objects.get(code="C5271")

    assert len(terminated) == 1300
    assert set(HcpcsCode.objects.exclude(terminated_on=None).values_list("code", flat=True)) == terminated
    assert Code.objects.filter(code__in=terminated).count() == 1300
    assert c5271.terminated_on == datetime.date(2025, 12, 31)  # its last date of service
    assert not c5271.is_terminated_on(datetime.date(2025, 12, 31))
    assert c5271.is_terminated_on(JANUARY_2026)
    assert all(
        details.is_terminated_on(JANUARY_2026) for details in HcpcsCode.objects.exclude(terminated_on=None)
    )
    assert not HcpcsCode.objects.get(code="S9381").is_terminated


def test_modifiers_are_stored_with_their_descriptions(imported, db):
    assistant = HcpcsModifier.objects.get(modifier="AS")

    assert assistant.long_description == (
        "Physician assistant, nurse practitioner, or clinical nurse specialist services "
        "for assistant at surgery"
    )
    assert HcpcsModifier.objects.exclude(terminated_on=None).count() == 20


def test_codes_no_release_lists_join_the_catalog_under_their_short_description(imported, db):
    result, catalog_before = imported
    cane = Code.objects.get(code="E0100")

    assert result.catalog_added == len(set(HcpcsCode.objects.values_list("code", flat=True)) - catalog_before)
    assert result.catalog_added == 3334
    assert "E0100" not in catalog_before
    assert cane.description == "Cane adjust/fixed with tip"
    assert cane.search_text == " cane adjust fixed with tip "
    assert HcpcsCode.objects.get(code="E0100").search_text.startswith(" cane includes canes of all materials")


def test_the_fee_schedule_keeps_naming_the_codes_it_lists(imported, db):
    details = HcpcsCode.objects.get(code="A2014")
    release_name = FeeScheduleRow.objects.filter(code="A2014", modifier="").latest("release__effective_on")

    assert details.short_description == "Omeza collag per 100 mg"
    assert (
        Code.objects.get(code="A2014").description == release_name.description == "Omeza collag compl 100 mg"
    )
