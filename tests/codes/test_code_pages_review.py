"""Review of the public code pages (issue 7): each test pins a defect found, fixed beside it."""

import datetime
import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache

from codes.curation import curated_text_save
from codes.importing.hcpcs_import import hcpcs_file_import
from codes.importing.hcpcs_layout import HcpcsFileError
from codes.models import Code, CuratedCodeText, CuratedCodeTextRevision, HcpcsCode, HcpcsFile
from codes.pages import code_page
from tests.codes.test_hcpcs_file import CSV_2023

# Today's date decides the release in effect; these pages are read on a day RVU26C governs.
IN_RVU26C = datetime.date(2026, 8, 3)


@pytest.fixture(autouse=True)
def fresh_page_cache():
    cache.clear()  # rendered pages are cached by date and catalog version, across tests


def page_of(code: str, day: datetime.date = IN_RVU26C):
    return code_page(Code.objects.get(code=code), day=day)


def answer(page, starting: str) -> str:
    return next(item.answer for item in page.questions if item.question.startswith(starting))


def test_the_canonical_url_follows_the_host_asked_not_the_first_visitor(anonymous_client):
    anonymous_client.get("/codes/99214/", HTTP_HOST="localhost")  # cached now

    html = anonymous_client.get("/codes/99214/", HTTP_HOST="127.0.0.1").content.decode()

    assert '<link rel="canonical" href="http://127.0.0.1/codes/99214/">' in html
    assert '"@id": "http://127.0.0.1/codes/99214/"' in html


def test_a_carrier_priced_code_is_not_said_to_go_unpaid_by_medicare(db):
    page = page_of("0075T")  # status C in RVU26C, no RVUs printed

    text = " ".join([*page.not_valued, answer(page, "Is 0075T covered")])
    assert "does not pay it" not in text
    assert "contractor" in page.not_valued[0]


def test_an_anesthesia_code_is_said_to_be_paid_by_base_and_time_units(db):
    page = page_of("00100")  # status J: anesthesia, valued in base units, not RVUs

    text = " ".join([*page.not_valued, answer(page, "Is 00100 covered")])
    assert "does not pay it" not in text
    assert "base units" in text


def test_a_code_whose_professional_component_is_paid_says_so_and_what_it_earns(db):
    mri = page_of("70557")  # global row status C, 70557-26 status A with 2.83 work RVUs
    interpretation = page_of("86153")  # RVU26C lists only 86153-26 (0.67 work RVUs), no global row

    assert "70557-26" in mri.not_valued[0] and "2.83" in mri.not_valued[0]
    assert "does not have a physician work RVU" not in " ".join(mri.not_valued)
    assert "2.83" in answer(mri, "How many work RVUs")
    assert "86153-26" in interpretation.not_valued[0] and "0.67" in interpretation.not_valued[0]
    assert "does not list it" not in " ".join(interpretation.not_valued)


def test_a_restricted_code_with_no_rvus_printed_shows_no_zero_dollar_payment(db):
    page = page_of("15824")  # status R, every RVU 0.00: contractor priced if covered

    assert page.work_rvu is None and page.rvu_facts == []
    assert "contractor" in page.not_valued[0]
    assert "$0.00" not in " ".join(item.answer for item in page.questions)
    assert "15824 Rhytidectomy forehead: no CMS work RVU" in page.meta_description
    dental = page_of("D0210")  # its -26 and -TC rows are status R with no RVUs too
    assert "$0.00" not in " ".join([*dental.not_valued, *(fact.meaning for fact in dental.components)])
    assert "contractor" in dental.not_valued[0]


def test_a_component_medicare_does_not_pay_shows_no_national_payment(db):
    components = {fact.label: fact for fact in page_of("70557").components}

    technical = components["Technical component (-TC)"]  # status C: the contractor prices it
    assert "$" not in technical.meaning and "status C" in technical.meaning
    assert "$153.98" in components["Professional component (-26)"].meaning


def test_no_national_payment_is_given_for_a_setting_cms_does_not_price(db):
    page = page_of("27447")  # NA outside a facility in RVU26C
    facts = {fact.label: fact for fact in page.rvu_facts}

    assert facts["National payment, non-facility"].value == "NA"
    assert facts["National payment, facility"].value == "$1,159.35"  # 34.71 × 33.4009
    rvus = answer(page, "How many work RVUs")
    assert rvus.count("$") == 1 and "$1,159.35" in rvus and "not price" in rvus


def test_a_code_the_release_in_effect_dropped_cites_the_release_it_was_read_from(db):
    page = page_of("0625T")  # listed by RVU25A and RVU25D only

    assert page.official_description_source == "CMS short descriptor, RVU25D"
    assert any("RVU25D" in source for source in page.sources)


def test_a_code_cms_printed_without_a_description_shows_no_empty_heading(anonymous_client):
    html = anonymous_client.get("/codes/M1389/").content.decode()  # blank DESCRIPTION in RVU25A only
    page = page_of("M1389")

    assert 'id="description"' not in html and "<p></p>" not in html
    assert answer(page, "What is M1389?").startswith("M1389 is a HCPCS Level II")
    assert "Sources: ." not in html and "RVU25A" in " ".join(page.sources)


def test_the_page_says_which_release_stands_in_for_a_quarter_not_loaded(db):
    page = page_of("27447", day=datetime.date(2026, 12, 5))  # RVU26D is not bundled

    facts = {fact.label: fact for fact in page.rvu_facts}
    assert "RVU26D, the release for October–December 2026, is not loaded" in facts["Release"].meaning
    assert "Release" not in {fact.label for fact in page_of("27447").rvu_facts}


def test_a_short_description_longer_than_the_field_is_refused_with_its_line(tmp_path, db):
    lines = CSV_2023.read_text(encoding="ascii").split("\n")
    number = next(n for n, line in enumerate(lines, start=1) if line.startswith("S9381,"))
    lines[number - 1] = lines[number - 1].replace('"Hit high risk/escort"', '"' + "x" * 40 + '"')
    path = tmp_path / CSV_2023.name
    path.write_text("\n".join(lines), encoding="ascii")
    before = (Code.objects.count(), HcpcsFile.objects.count(), HcpcsCode.objects.count())

    with pytest.raises(HcpcsFileError) as caught:
        hcpcs_file_import(path=path)

    assert (caught.value.line, caught.value.column) == (number, "SHORT DESCRIPTION")
    assert (Code.objects.count(), HcpcsFile.objects.count(), HcpcsCode.objects.count()) == before


def test_curated_text_cannot_close_the_json_ld_script_or_add_markup(
    anonymous_client, django_capture_on_commit_callbacks
):
    attack = '</script><script>alert(1)</script><img src=x onerror=alert(2)>"'
    with django_capture_on_commit_callbacks(execute=True):
        curated_text_save(
            code=Code.objects.get(code="99213"),
            changes={
                "plain_language": attack,
                "synonyms": [attack],
                "questions": [{"question": attack, "answer": attack}],
            },
        )

    html = anonymous_client.get("/codes/99213/").content.decode()
    assert "<script>alert" not in html and "<img" not in html
    ld_json = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1]
    faq = json.loads(ld_json)["@graph"][1]["mainEntity"]
    assert faq[-1] == {
        "@type": "Question",
        "name": attack,
        "acceptedAnswer": {"@type": "Answer", "text": attack},
    }


def test_a_dental_code_page_carries_the_ada_notice(anonymous_client):
    html = anonymous_client.get("/codes/D0120/").content.decode()  # CMS prints the ADA's descriptor

    assert "copyright the American Dental Association" in html
    assert "American Dental Association" not in anonymous_client.get("/codes/99213/").content.decode()


@pytest.fixture
def editor(staff_user):
    """Staff allowed to add, edit and delete curated text."""
    actions = ("add", "change", "view", "delete")
    names = [f"{action}_curatedcodetext" for action in actions]
    staff_user.user_permissions.add(*Permission.objects.filter(codename__in=names))
    return staff_user


def curated_form(**changes) -> dict:
    form = {
        "synonyms": "TKA", "plain_language": "A new knee joint.", "clinical_context": "", "specialties": "",
        "questions": "Q: Is it done as an outpatient?\nA: Sometimes.",
        "revisions-TOTAL_FORMS": "0", "revisions-INITIAL_FORMS": "0",
    }  # fmt: skip
    return {**form, **changes}


def test_two_questions_without_a_blank_line_between_are_refused_not_merged(editor, client):
    client.force_login(editor)
    client.post("/admin/codes/curatedcodetext/add/", {**curated_form(), "code": "27447"})

    response = client.post(
        "/admin/codes/curatedcodetext/27447/change/",
        curated_form(questions="Q: First?\nA: One.\nQ: Second?\nA: Two."),
    )

    assert response.status_code == 200 and "two pairs" in response.content.decode()
    assert CuratedCodeText.objects.get(code="27447").questions[0]["answer"] == "Sometimes."


def test_the_revision_history_cannot_be_deleted_with_the_text(editor, client):
    client.force_login(editor)
    client.post("/admin/codes/curatedcodetext/add/", {**curated_form(), "code": "27447"})

    client.post("/admin/codes/curatedcodetext/27447/delete/", {"post": "yes"})

    assert CuratedCodeTextRevision.objects.filter(text__code="27447").count() == 1
