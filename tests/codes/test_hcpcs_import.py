"""Importing HCPCS files one test at a time: every shape CMS ships, the order of files,
the same file twice, a dry run, a failure half way, and the command."""

import datetime
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import AuditEvent
from codes.importing.hcpcs_import import hcpcs_file_import
from codes.importing.hcpcs_readers import open_hcpcs_upload, read_hcpcs_file
from codes.models import Code, HcpcsCode, HcpcsFile, HcpcsModifier
from tests.codes.test_hcpcs_file import CSV_2023, TXT_MEMBER, XLSX_MEMBER, ZIP_2026, xlsx_rows


@pytest.fixture(scope="module")
def members(tmp_path_factory) -> dict[str, Path]:
    """The TXT and XLSX of the January 2026 ZIP, extracted under their CMS names."""
    folder = tmp_path_factory.mktemp("hcpcs")
    with zipfile.ZipFile(ZIP_2026) as archive:
        archive.extract(TXT_MEMBER, folder)
        archive.extract(XLSX_MEMBER, folder)
    return {"txt": folder / TXT_MEMBER, "xlsx": folder / XLSX_MEMBER}


def parsed_entries(path: Path) -> dict[str, dict]:
    parsed = read_hcpcs_file(open_hcpcs_upload(path, max_bytes=10**8).records_file)
    return {entry.key: entry.details() for entry in [*parsed.codes, *parsed.modifiers]}


def test_the_zip_and_its_txt_give_the_same_details(members):
    assert parsed_entries(ZIP_2026) == parsed_entries(members["txt"])


def test_the_xlsx_gives_the_txts_details_but_for_two_known_cms_differences(members):
    """CMS's XLSX leaves ACT EFF DT blank on 117 old codes where the TXT repeats the
    add date, and prints a second pricing indicator (11) for C9248 that the TXT lacks."""
    from_txt, from_xlsx = parsed_entries(members["txt"]), parsed_entries(members["xlsx"])
    differences = {
        (key, name)
        for key, details in from_txt.items()
        for name, value in details.items()
        if from_xlsx[key][name] != value
    }

    assert from_txt.keys() == from_xlsx.keys()
    assert {name for _, name in differences} == {"action_effective_on", "pricing_indicators"}
    blank_in_xlsx = [key for key, name in differences if name == "action_effective_on"]
    assert len(blank_in_xlsx) == 117
    assert all(from_xlsx[key]["action_effective_on"] is None for key in blank_in_xlsx)
    assert all(from_txt[key]["action_effective_on"] == from_txt[key]["added_on"] for key in blank_in_xlsx)
    assert [key for key, name in differences if name == "pricing_indicators"] == ["C9248"]
    assert (from_txt["C9248"]["pricing_indicators"], from_xlsx["C9248"]["pricing_indicators"]) == (
        "53",
        "53 11",
    )


def test_the_xlsx_imports_on_its_own(members, db):
    result = hcpcs_file_import(path=members["xlsx"])

    assert (result.file.record_count, result.file.code_count, result.file.modifier_count) == (9006, 8623, 383)
    assert (
        HcpcsCode.objects.get(code="S9381").long_description
        == xlsx_rows()[("S9381", "3")]["LONG DESCRIPTION"]
    )


def test_the_2023_csv_imports_with_its_split_long_description_joined(db):
    result = hcpcs_file_import(path=CSV_2023)
    g0503 = HcpcsCode.objects.get(code="G0503")

    assert (result.file.record_count, result.file.code_count, result.file.modifier_count) == (7786, 7404, 381)
    assert (result.file.effective_on, result.file.version) == (datetime.date(2023, 1, 1), "v3")
    # The CSV cut G0503's description after 1,194 characters onto a row of RECID 4.
    assert g0503.long_description.endswith(
        "other treatment goals and are prepared for discharge from active treatment"
    )
    assert HcpcsModifier.objects.get(modifier="A1").short_description == "Dressing for one wound"


def test_importing_the_same_file_again_changes_nothing(db):
    first = hcpcs_file_import(path=ZIP_2026)
    counts = (Code.objects.count(), HcpcsCode.objects.count(), HcpcsModifier.objects.count())

    again = hcpcs_file_import(path=ZIP_2026)

    assert first.created and not again.created
    assert again.file == first.file
    assert (Code.objects.count(), HcpcsCode.objects.count(), HcpcsModifier.objects.count()) == counts
    assert "already imported" in again.summary


def test_a_newer_file_replaces_the_details_and_renames_codes_no_release_lists(db):
    hcpcs_file_import(path=CSV_2023)
    assert Code.objects.get(code="E1800").description == "Adjust elbow ext/flex device"

    newer = hcpcs_file_import(path=ZIP_2026)

    assert set(HcpcsCode.objects.values_list("file", flat=True).distinct()) == {newer.file.pk}
    assert Code.objects.get(code="E1800").description == "Adjust elbow ext & flex dev"
    assert newer.catalog_renamed == 20
    assert Code.objects.get(code="A2014").description == "Omeza collag compl 100 mg"  # a release names it


def test_an_older_file_imported_later_leaves_the_newer_details(db):
    newer = hcpcs_file_import(path=ZIP_2026)

    older = hcpcs_file_import(path=CSV_2023)

    assert older.created
    assert older.details_kept == 7404 + 381  # the 2026 file lists every code and modifier of 2023
    assert set(HcpcsCode.objects.values_list("file", flat=True).distinct()) == {newer.file.pk}
    assert Code.objects.get(code="E1800").description == "Adjust elbow ext & flex dev"


def test_a_dry_run_checks_the_file_and_writes_nothing(db):
    counts = (Code.objects.count(), HcpcsFile.objects.count())

    result = hcpcs_file_import(path=ZIP_2026, dry_run=True)

    assert result.dry_run and not result.created
    assert result.file.code_count == 8623
    assert "Dry run" in result.summary
    assert (Code.objects.count(), HcpcsFile.objects.count()) == counts
    assert not HcpcsCode.objects.exists()


def test_a_failure_while_saving_leaves_the_database_as_it_was(db, monkeypatch):
    counts = (Code.objects.count(), HcpcsFile.objects.count(), HcpcsCode.objects.count())

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(HcpcsModifier.objects, "bulk_create", fail)  # the last write of an import
    with pytest.raises(RuntimeError):
        hcpcs_file_import(path=ZIP_2026)

    assert (Code.objects.count(), HcpcsFile.objects.count(), HcpcsCode.objects.count()) == counts


def test_the_command_imports_reports_and_audits_once(db, capsys):
    call_command("import_hcpcs", str(ZIP_2026), verbosity=0)
    call_command("import_hcpcs", "--bundled")

    out = capsys.readouterr().out
    assert "Imported HCPCS January 2026" in out
    assert "8,623 codes, 383 modifiers; 3,334 codes added to the catalog" in out
    assert "already imported" in out
    event = AuditEvent.objects.get(action=AuditEvent.Action.RELEASE_IMPORTED)
    assert event.detail == {
        "kind": "hcpcs",
        "file": ZIP_2026.name,
        "effective_on": "2026-01-01",
        "records": 16614,
        "via": "manage.py import_hcpcs",
    }


def test_the_command_shows_progress(db, capsys):
    call_command("import_hcpcs", str(ZIP_2026))

    progress = capsys.readouterr().err
    assert "reading" in progress and "16614/16614" in progress
    assert "saving" in progress and "9006/9006" in progress
