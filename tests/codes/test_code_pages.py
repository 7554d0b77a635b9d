"""Public code pages (/codes/{code}/), their JSON twin, search by curated text, and the sitemap,
checked against the CMS files read here on their own."""

import csv
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import transaction

from accounts.models import AuditEvent
from benchmarks.models import BenchmarkCodeUse
from benchmarks.services import benchmark_set_build_bundled
from codes.curation import curated_text_save
from codes.importing.hcpcs_import import hcpcs_file_import
from codes.models import Code, CuratedCodeText, CuratedCodeTextRevision, FeeScheduleRow
from tests.codes.test_hcpcs_file import ZIP_2026, raw_records

RVU26C_CSV = Path(settings.DATA_DIR) / "cms" / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv"
SEED_SECTIONS = [  # the headings of ../shared/seed-code-page.txt, as this page words them
    "Description",
    "In plain language",
    "Clinical context",
    "RVU information",
    "Billing and documentation",
    "Specialties",
    "Frequently asked questions",
]


@pytest.fixture(scope="module")
def catalog(django_db_setup, django_db_blocker):
    """The HCPCS ZIP and the bundled curated text, loaded once for the module and rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        hcpcs_file_import(path=ZIP_2026)
        call_command("load_code_texts", verbosity=0)
        benchmark_set_build_bundled()  # which specialties bill each code, in the 2012 sample
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def fresh_page_cache():
    from django.core.cache import cache

    cache.clear()  # rendered pages are cached by date and catalog version, across tests


def release_row(code: str) -> dict[str, str]:
    """The global row of `code` in RVU26C's CSV, by the column names of its last header line."""
    with RVU26C_CSV.open(newline="", encoding="utf-8") as file:
        lines = list(csv.reader(file))
    header_at = next(number for number, line in enumerate(lines) if line[:2] == ["HCPCS", "MOD"])
    names = ["code", "mod", "description", "status", "not_used", "work", "nf_pe", "nf_na", "f_pe", "f_na",
             "mp", "nf_total", "f_total", "pctc", "global", *[f"c{n}" for n in range(10)], "cf"]  # fmt: skip
    for line in lines[header_at + 1 :]:
        if line[0] == code and line[1] == "":
            return dict(zip(names, line, strict=False))
    raise AssertionError(f"{code} not in {RVU26C_CSV.name}")


class SectionReader(HTMLParser):
    """The text under each <h2>, and the page's ld+json blocks."""

    def __init__(self):
        super().__init__()
        self.sections: dict[str, str] = {}
        self.current = None
        self.in_heading = False
        self.in_json = False
        self.json_blocks: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self.in_heading, self.current = True, ""
        if tag == "script" and ("type", "application/ld+json") in attrs:
            self.in_json = True

    def handle_endtag(self, tag):
        if tag == "h2":
            self.in_heading = False
            self.sections[self.current] = ""
        if tag == "script":
            self.in_json = False

    def handle_data(self, data):
        if self.in_json:
            self.json_blocks.append(data)
        elif self.in_heading:
            self.current += data.strip()
        elif self.current is not None:
            self.sections[self.current] += " " + " ".join(data.split())


def read_page(client, code: str) -> tuple[SectionReader, str]:
    response = client.get(f"/codes/{code}/")
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    reader = SectionReader()
    reader.feed(html)
    return reader, html


def test_the_s9381_page_has_every_section_of_the_seed_page_from_the_hcpcs_file(catalog, anonymous_client):
    reader, html = read_page(anonymous_client, "S9381")
    record = next(line for line in raw_records() if line[:5] == "S9381" and line[10] == "3")
    continuation = [line for line in raw_records() if line[:5] == "S9381" and line[10] == "4"]
    long_description = " ".join(" ".join([record[11:91], *(line[11:91] for line in continuation)]).split())

    assert f'<h1><span class="code">S9381</span> {record[91:119].strip()}</h1>' in html
    assert "HCPCS Level II: S codes" in html and "Also known as:" in html
    for heading in SEED_SECTIONS:
        assert reader.sections.get(heading, "").strip(), f"{heading!r} is missing or empty"
    assert long_description in reader.sections["Description"]
    assert "S9381 does not have a physician work RVU assigned by CMS" in reader.sections["RVU information"]
    assert "private payers" in reader.sections["RVU information"]
    faq = reader.sections["Frequently asked questions"]
    for question in ("What is S9381?", "Is S9381 covered by insurance?", "When is S9381 used?"):
        assert question in faq
    assert "CMS HCPCS 2026" in html and html.count("CPT® is a registered trademark") == 1


@pytest.mark.parametrize("code", ["27447", "99213"])
def test_valued_pages_show_the_release_files_values(catalog, anonymous_client, code):
    row = release_row(code)
    factor = Decimal(row["cf"])
    reader, _ = read_page(anonymous_client, code)
    json_twin = anonymous_client.get(f"/api/v1/codes/{code}/page/").json()

    facts = {fact["label"]: fact["value"] for fact in json_twin["rvu_facts"]}
    assert (json_twin["release"], json_twin["work_rvu"]) == ("RVU26C", row["work"])
    assert facts["Practice expense RVU, non-facility"] == row["nf_pe"]
    assert facts["Practice expense RVU, facility"] == row["f_pe"]
    assert facts["Malpractice RVU"] == row["mp"]
    assert (facts["Total RVUs, non-facility"], facts["Total RVUs, facility"]) == (
        row["nf_total"],
        row["f_total"],
    )
    assert (facts["Conversion factor"], facts["Global period"]) == (f"${row['cf']}", row["global"])
    by_hand = (Decimal(row["f_total"]) * factor).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert facts["National payment, facility"] == f"${by_hand:,}"
    rvu_text = reader.sections["RVU information"]
    assert f"{row['work']} work RVUs in RVU26C" in rvu_text and f"${by_hand:,}" in rvu_text


def test_the_knee_page_says_the_non_facility_figures_are_not_priced(catalog, anonymous_client):
    facts = {
        fact["label"]: fact for fact in anonymous_client.get("/api/v1/codes/27447/page/").json()["rvu_facts"]
    }

    assert "NA" in facts["Total RVUs, non-facility"]["meaning"]
    assert facts["Total RVUs, facility"]["meaning"] == ""


def test_the_work_rvu_history_follows_the_releases_held(catalog, anonymous_client):
    history = anonymous_client.get("/api/v1/codes/27447/page/").json()["history"]

    assert [entry["release"] for entry in history] == ["RVU25A", "RVU25D", "RVU26A", "RVU26B", "RVU26C"]
    assert history[0]["change"] is None
    for previous, entry in zip(history, history[1:], strict=False):
        assert Decimal(entry["change"]) == Decimal(entry["work_rvu"]) - Decimal(previous["work_rvu"])
    assert history[-1]["work_rvu"] == release_row("27447")["work"]


def test_a_page_without_curated_text_shows_no_empty_heading(catalog, anonymous_client):
    assert not CuratedCodeText.objects.filter(code="99223").exists()

    reader, html = read_page(anonymous_client, "99223")

    assert "In plain language" not in reader.sections and "Clinical context" not in reader.sections
    assert all(text.strip() for text in reader.sections.values()), reader.sections


def test_the_page_carries_canonical_url_description_and_structured_data(catalog, anonymous_client):
    reader, html = read_page(anonymous_client, "27447")

    assert '<link rel="canonical" href="http://testserver/codes/27447/">' in html
    description = re.search(r'<meta name="description" content="([^"]+)">', html)[1]
    assert description.startswith("27447 Total knee arthroplasty: 19.11 work RVUs in RVU26C")
    assert len(description) <= 160
    data = json.loads("".join(reader.json_blocks))
    page, faq = data["@graph"]
    assert page["about"] == {
        "@type": "MedicalCode", "codeValue": "27447", "codingSystem": "CPT",
        "name": "Total knee arthroplasty",
    }  # fmt: skip
    assert {"What is 27447?", "How many work RVUs is 27447?"} <= {item["name"] for item in faq["mainEntity"]}


def test_a_lower_case_code_is_sent_to_its_canonical_page_and_an_unknown_one_is_404(catalog, anonymous_client):
    assert anonymous_client.get("/codes/s9381/")["Location"] == "/codes/S9381/"
    assert anonymous_client.get("/codes/ZZ999/").status_code == 404
    assert anonymous_client.get("/api/v1/codes/ZZ999/page/").status_code == 404


def test_search_finds_codes_by_synonym_and_plain_language(catalog, anonymous_client):
    def found(query):
        return [row["code"] for row in anonymous_client.get("/api/v1/codes/", {"q": query}).json()["results"]]

    assert "27447" in found("TKA")
    assert "27447" in found("artificial one")  # only the plain-language line says so
    assert "99213" in found("level 3 office visit")


def test_an_edit_of_curated_text_shows_at_once_and_is_kept_as_a_revision(
    catalog, anonymous_client, staff_user, django_capture_on_commit_callbacks
):
    read_page(anonymous_client, "27447")  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        curated_text_save(
            code=Code.objects.get(code="27447"), changes={"synonyms": ["knee replacement"]}, editor=staff_user
        )

    assert "knee replacement" in read_page(anonymous_client, "27447")[1]
    revisions = CuratedCodeTextRevision.objects.filter(text__code="27447")
    assert revisions.count() == 2  # as loaded, and as edited
    assert revisions.first().saved_by == staff_user and revisions.first().content["synonyms"] == [
        "knee replacement"
    ]


def test_a_new_release_makes_cached_pages_stale(
    catalog, anonymous_client, django_capture_on_commit_callbacks
):
    from codes.models import Release
    from codes.page_cache import pages_version

    before = pages_version()
    with django_capture_on_commit_callbacks(execute=True):
        release = Release.objects.get(name="RVU26C")
        release.title = release.title  # any save of a release, as an import makes
        release.save()

    assert pages_version() == before + 1


def test_curated_text_is_refused_in_a_shape_the_page_cannot_show(catalog, db):
    code = Code.objects.get(code="99214")

    with pytest.raises(Exception, match="question and its answer"):
        curated_text_save(code=code, changes={"questions": [{"question": "Why?"}]})


def test_the_sitemap_lists_every_code_and_a_sample_of_its_pages_answer(catalog, anonymous_client):
    index = anonymous_client.get("/sitemap.xml")
    sections = re.findall(
        r"<loc>http://testserver(/sitemap-codes\.xml\?p=\d+|/sitemap-codes\.xml)</loc>",
        index.content.decode(),
    )
    locations = []
    for section in sections:
        body = anonymous_client.get(section).content.decode()
        locations += re.findall(r"<loc>http://testserver(/codes/[0-9A-Z]{5}/)</loc>", body)

    assert len(locations) == Code.objects.count() > 20_000
    assert len(set(locations)) == len(locations)
    for location in locations[:: len(locations) // 40]:  # about 40 pages across the catalog
        assert anonymous_client.get(location).status_code == 200, location


@pytest.fixture
def editor(staff_user):
    """Staff allowed to edit curated text, and nothing else of the catalog."""
    staff_user.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_curatedcodetext", "view_curatedcodetext"])
    )
    return staff_user


def test_an_editor_changes_curated_text_in_the_admin_and_each_save_is_kept(catalog, editor, client):
    client.force_login(editor)
    url = "/admin/codes/curatedcodetext/27447/change/"
    form = {
        "synonyms": "TKA\nknee replacement",
        "plain_language": "A new knee joint.",
        "clinical_context": "End-stage arthritis.",
        "specialties": "Orthopedic Surgery",
        "questions": "Q: Is it done as an outpatient?\nA: Sometimes, when the patient qualifies.",
        "revisions-TOTAL_FORMS": "0", "revisions-INITIAL_FORMS": "0",
    }  # fmt: skip

    saved = client.post(url, form)
    refused = client.post(url, {**form, "questions": "Q: A question with no answer"})

    assert saved.status_code == 302, saved.content[:2000]
    text = CuratedCodeText.objects.get(code="27447")
    assert text.synonyms == ["TKA", "knee replacement"] and text.updated_by == editor
    assert text.questions == [
        {"question": "Is it done as an outpatient?", "answer": "Sometimes, when the patient qualifies."}
    ]
    assert text.revisions.count() == 2 and text.revisions.first().saved_by == editor
    assert AuditEvent.objects.filter(action=AuditEvent.Action.STAFF_CHANGE, actor=editor).exists()
    assert refused.status_code == 200 and "Block 1" in refused.content.decode()
    assert "A new knee joint." in client.get("/codes/27447/").content.decode()


def test_the_search_page_lists_matching_codes_with_their_pages(catalog, anonymous_client):
    html = anonymous_client.get("/codes/", {"q": "knee arthroplasty"}).content.decode()

    assert '<a href="/codes/27447/">27447</a>' in html
    assert "No code matches" in anonymous_client.get("/codes/", {"q": "zzzzqqq"}).content.decode()


def test_billing_indicators_are_read_from_the_release_row_in_plain_words(catalog, anonymous_client):
    row = release_row("27447")  # MULT PROC 2, BILAT 1, ASST 2, CO-SURG 1, TEAM 0 in RVU26C
    billing = {
        fact["label"]: fact for fact in anonymous_client.get("/api/v1/codes/27447/page/").json()["billing"]
    }

    assert [row[f"c{n}"] for n in range(3, 8)] == ["2", "1", "2", "1", "0"]
    assert billing["Status code"]["value"] == "A"
    assert billing["Modifiers that apply"]["value"] == (
        "50 (bilateral), 51 (multiple procedures), 62 (co-surgeons), 80/82/AS (assistant)"
    )
    assert billing["Bilateral (50)"]["meaning"].endswith("150%")
    assert billing["Team surgery (66)"]["value"] == "0"


def test_without_curated_specialties_the_page_names_those_billing_the_code_in_claims(
    catalog, anonymous_client
):
    uses = BenchmarkCodeUse.objects.filter(code="99223", benchmark_set__slug="medicare-2012-sample-rvu26c")
    body = anonymous_client.get("/api/v1/codes/99223/page/").json()
    curated = anonymous_client.get("/api/v1/codes/27447/page/").json()

    assert body["specialties"] == [f"{use.specialty} ({use.providers:,} providers)" for use in uses]
    assert len(body["specialties"]) == 5
    assert "Medicare" in body["specialties_source"] and "2012" in body["specialties_source"]
    assert (curated["specialties"], curated["specialties_source"]) == (
        ["Orthopedic Surgery"],
        "RVU Edge editors",
    )


def test_a_visit_lists_modifier_25_and_no_surgical_rules(catalog, anonymous_client):
    billing = {
        fact["label"]: fact["value"]
        for fact in anonymous_client.get("/api/v1/codes/99213/page/").json()["billing"]
    }

    assert billing["Modifiers that apply"].startswith("25 (")
    assert "80/82" not in billing["Modifiers that apply"]
    assert not {"Bilateral (50)", "Assistant at surgery", "Co-surgeons (62)"} & set(billing)


def test_the_first_answer_reads_as_sentences_and_the_footer_ends_once(catalog, anonymous_client):
    body = anonymous_client.get("/api/v1/codes/S9381/page/").json()
    html = anonymous_client.get("/codes/S9381/").content.decode()

    assert body["questions"][0]["answer"].startswith(
        "S9381 (Hit high risk/escort) is a HCPCS Level II code, in the section S codes: "
    )
    assert "extra protection, per visit. In plain words: " in body["questions"][0]["answer"]
    assert ".." not in html


def test_the_search_page_goes_on_to_more_results(catalog, anonymous_client):
    first = anonymous_client.get("/codes/", {"q": "knee"}).content.decode()
    second = anonymous_client.get("/codes/", {"q": "knee", "page": 2}).content.decode()

    assert "More results" in first and "Previous" not in first
    assert '<ol class="results" start="51">' in second and "Previous" in second
    assert re.findall(r" · ([0-9.]+) wRVU", first) and all(
        re.fullmatch(r"[0-9]+\.[0-9]{2}", value) for value in re.findall(r" · ([0-9.]+) wRVU", first)
    )
    assert (
        "No more codes match" in anonymous_client.get("/codes/", {"q": "knee", "page": 999}).content.decode()
    )


def test_office_visit_finds_the_paid_visit_codes_before_others(catalog, anonymous_client):
    results = anonymous_client.get("/api/v1/codes/", {"q": "office visit"}).json()["results"]

    first = [row["code"] for row in results[:15]]
    visits = {"99202", "99203", "99204", "99205", "99212", "99213", "99214", "99215"}
    assert visits <= set(first), first  # no longer behind dental (D9440) and private-payer codes
    assert all(row["status_code"] in ("A", "R", "T") and Decimal(row["work_rvu"]) > 0 for row in results[:15])


def test_the_history_follows_the_professional_component_where_it_alone_carries_work(
    catalog, anonymous_client
):
    rows = {
        row.release.name: row
        for row in FeeScheduleRow.objects.filter(code="70557", modifier="26").select_related("release")
    }
    history = anonymous_client.get("/api/v1/codes/70557/page/").json()["history"]

    assert history and all(entry["modifier"] == "26" for entry in history)
    assert {entry["release"]: entry["work_rvu"] for entry in history} == {
        name: str(row.work_rvu) for name, row in rows.items()
    }
    assert anonymous_client.get("/api/v1/codes/27447/page/").json()["history"][0]["modifier"] == ""
